import type { AstNode, MaybePromise } from 'langium';
import { AstNodeHoverProvider } from 'langium/lsp';
import * as ast from '../grammar/generated/ast.js';
import { audienceNameOf, properties } from '../compiler/lower.js';
import type { DatabaseFacts } from './data/database-facts.js';
import { countTitle } from './code-lens.js';
import type { SegmentCounts } from './segment-counts.js';
import type { SegmentServices } from './segment-module.js';
import type { SegmentWorkspace } from './workspace-model.js';

const SAMPLES = 5;

/** Hovers on attributes (type, column, description, sample values) and segments (kind, audience, count). */
export class SegmentHoverProvider extends AstNodeHoverProvider {
    private readonly workspace: SegmentWorkspace;
    private readonly facts: DatabaseFacts;
    private readonly counts: SegmentCounts;

    constructor(services: SegmentServices) {
        super(services);
        this.workspace = services.workspace.SegmentWorkspace;
        this.facts = services.data.DatabaseFacts;
        this.counts = services.data.SegmentCounts;
    }

    protected getAstNodeHoverContent(node: AstNode): MaybePromise<string | undefined> {
        if (ast.isAttribute(node)) return this.attributeHover(node);
        if (ast.isSegment(node)) return this.segmentHover(node);
        if (ast.isEntity(node)) {
            return `**${node.name}** · entity\n\nTable \`${node.table ?? node.name}\`, key \`${node.key?.$refText ?? '?'}\`, ${node.attributes.length} attributes.`;
        }
        return undefined;
    }

    private async attributeHover(node: ast.Attribute): Promise<string> {
        const entity = node.$container;
        const lines = [`**${entity.name}.${node.name}** · ${node.type}${node.target ? ` → ${node.target.$refText}` : ''}`];
        const column = node.column ?? node.name;
        lines.push(`Column \`${column}\` of table \`${entity.table ?? entity.name}\``);
        if (node.description) lines.push(node.description);
        const sample = await this.samples(entity, column);
        if (sample) lines.push(sample);
        return lines.join('\n\n');
    }

    private async samples(entity: ast.Entity, column: string): Promise<string | undefined> {
        const model = this.workspace.model;
        if (!model.database) return undefined;
        const file = model.database.uri.fsPath;
        if ((await this.facts.status(file)).kind !== 'ok') return undefined;
        const values = await this.facts.columnValues(file, entity.table ?? entity.name, column);
        if (!values) return undefined;
        const shown = values.top.slice(0, SAMPLES).map(v => `\`${v.value.replace(/`/g, "'")}\` (${v.count})`).join(', ');
        return `${values.distinct.toLocaleString('en-US')} distinct ${values.distinct === 1 ? 'value' : 'values'}${shown ? `; most frequent: ${shown}` : ''}`;
    }

    private segmentHover(node: ast.Segment): string {
        const props = properties(node);
        const kind = node.$type.replace('Segment', '').toLowerCase();
        const audience = audienceNameOf(node, this.workspace.model) ?? '?';
        const lines = [`**${node.name}** · ${kind} segment of ${audience}${props.status === 'inactive' ? ' (inactive)' : ''}`];
        if (props.title) lines.push(`*${props.title}*`);
        if (props.description) lines.push(props.description);
        const state = this.counts.state(node.name);
        if (state.kind === 'counted') lines.push(`${countTitle(state)} as of ${state.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
        return lines.join('\n\n');
    }
}
