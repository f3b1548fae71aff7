import { CstUtils, GrammarAST, type AstNode, type LangiumDocument, type MaybePromise } from 'langium';
import { AstNodeHoverProvider } from 'langium/lsp';
import type { Hover, HoverParams } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import { audienceNameOf, properties } from '../compiler/lower.js';
import { countTitle } from './code-lens.js';
import type { FieldSamples } from './field-samples.js';
import { fieldType } from './fields.js';
import { definitionText } from './measure-text.js';
import { destinationHover, finalStepHover, stepHover } from './journey-hovers.js';
import { checkHover, rowHover, testHover } from './test-hovers.js';
import type { SegmentCounts } from './segment-counts.js';
import type { SegmentServices } from './segment-module.js';
import type { SegmentWorkspace } from './workspace-model.js';

/**
 * Hovers on attributes (type, column, description, sample values, event time), measures (type,
 * definition, description, minimum, median and maximum in the data), segments (kind,
 * audience, count), sequence steps (the step and its entity's time), `top` and `sample` steps
 * (what they keep), tests, their rows and checks (README "Segment tests"), `time` in an entity and
 * destinations (kind, target, the file a segment's members go to).
 */
export class SegmentHoverProvider extends AstNodeHoverProvider {
    private readonly workspace: SegmentWorkspace;
    private readonly samples: FieldSamples;
    private readonly counts: SegmentCounts;

    constructor(services: SegmentServices) {
        super(services);
        this.workspace = services.workspace.SegmentWorkspace;
        this.samples = services.data.FieldSamples;
        this.counts = services.data.SegmentCounts;
    }

    /** Tokens that stand for more than the declaration they name: a step's own tokens, `time`, a destination in `activate`. */
    override async getHoverContent(document: LangiumDocument, params: HoverParams): Promise<Hover | undefined> {
        const root = document.parseResult.value.$cstNode;
        const offset = document.textDocument.offsetAt(params.position);
        const leaf = root && CstUtils.findDeclarationNodeAtOffset(root, offset, this.grammarConfig.nameRegexp);
        const node = leaf && leaf.end > offset ? leaf.astNode : undefined;
        let content: string | undefined;
        if (ast.isEvent(node)) content = stepHover(node);
        else if (ast.isTopStep(node) || ast.isSampleStep(node)) content = finalStepHover(node);
        else if (leaf && GrammarAST.isKeyword(leaf.grammarSource) && ast.isTest(node)) content = testHover(node, this.workspace.model);
        else if (leaf && GrammarAST.isKeyword(leaf.grammarSource) && ast.isTestRow(node)) content = rowHover(node);
        else if (leaf && GrammarAST.isKeyword(leaf.grammarSource) && ast.isTestCheck(node)) content = checkHover(node);
        else if (ast.isEntity(node) && leaf && GrammarAST.isKeyword(leaf.grammarSource) && leaf.grammarSource.value === 'time' && node.time?.ref) content = await this.attributeHover(node.time.ref);
        else if (ast.isActivateProperty(node) && leaf && GrammarAST.isCrossReference(leaf.grammarSource)) {
            const destination = this.references.findDeclarations(leaf)[0];
            if (ast.isDestination(destination)) content = destinationHover(destination, this.workspace.model, node.$container);
        }
        return content ? { contents: { kind: 'markdown', value: content } } : super.getHoverContent(document, params);
    }

    protected getAstNodeHoverContent(node: AstNode): MaybePromise<string | undefined> {
        if (ast.isAttribute(node)) return this.attributeHover(node);
        if (ast.isSegment(node)) return this.segmentHover(node);
        if (ast.isDestination(node)) return destinationHover(node, this.workspace.model);
        if (ast.isMeasure(node)) return this.measureHover(node);
        if (ast.isEntity(node)) {
            const time = node.time ? `, time \`${node.time.$refText}\`` : '';
            return `**${node.name}** · ${node.time ? 'event entity' : 'entity'}\n\nTable \`${node.table ?? node.name}\`, key \`${node.key?.$refText ?? '?'}\`${time}, ${node.attributes.length} attributes.`;
        }
        return undefined;
    }

    private async attributeHover(node: ast.Attribute): Promise<string> {
        const entity = node.$container;
        const lines = [`**${entity.name}.${node.name}** · ${node.type}${node.target ? ` → ${node.target.$refText}` : ''}`];
        const column = node.column ?? node.name;
        lines.push(`Column \`${column}\` of table \`${entity.table ?? entity.name}\``);
        if (node.description) lines.push(node.description);
        if (entity.time?.ref === node) {
            lines.push(`The time of each ${entity.name} (\`time ${node.name}\`): as of an instant, ${entity.name} records after it, and those with no ${node.name}, do not exist.`);
        }
        const sample = await this.samples.attribute(node);
        if (sample) lines.push(sample);
        return lines.join('\n\n');
    }

    /** A measure: its type, definition and description, and its values in the data. */
    private async measureHover(node: ast.Measure): Promise<string> {
        const lines = [`**${node.entity?.$refText ?? '?'}.${node.name}** · ${fieldType(node) ?? '?'} · measure`, `\`= ${definitionText(node)}\``];
        if (node.description) lines.push(node.description);
        const values = await this.samples.measure(node);
        if (values) lines.push(values);
        return lines.join('\n\n');
    }

    private segmentHover(node: ast.Segment): string {
        const props = properties(node);
        const kind = node.$type.replace('Segment', '').toLowerCase();
        const audience = audienceNameOf(node, this.workspace.model) ?? '?';
        const lines = [`**${node.name}** · ${kind} segment of ${audience}${props.status === 'inactive' ? ' (inactive)' : ''}`];
        if (props.title) lines.push(`*${props.title}*`);
        if (props.description) lines.push(props.description);
        const state = this.counts.state(node.name);
        if (state.kind === 'counted') lines.push(`${countTitle(state)} as of ${state.at.toISOString().slice(0, 16).replace('T', ' ')} UTC, counted by sql.js`);
        return lines.join('\n\n');
    }
}
