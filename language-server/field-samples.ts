import type * as ast from '../grammar/generated/ast.js';
import type { DatabaseFacts } from './data/database-facts.js';
import type { SegmentWorkspace } from './workspace-model.js';

const SHOWN = 5;

/**
 * What the data holds for an attribute, in words, for hover and completion: the number of
 * distinct values and the most frequent ones. Nothing when the database cannot be read.
 */
export class FieldSamples {
    constructor(private readonly workspace: SegmentWorkspace, private readonly facts: DatabaseFacts) {}

    async attribute(node: ast.Attribute, shown = SHOWN): Promise<string | undefined> {
        const model = this.workspace.model;
        if (!model.database) return undefined;
        const file = model.database.uri.fsPath;
        if ((await this.facts.status(file)).kind !== 'ok') return undefined;
        const entity = node.$container;
        const values = await this.facts.columnValues(file, entity.table ?? entity.name, node.column ?? node.name);
        if (!values) return undefined;
        const top = values.top.slice(0, shown).map(v => `\`${v.value.replace(/`/g, "'")}\` (${v.count})`).join(', ');
        return `${values.distinct.toLocaleString('en-US')} distinct ${values.distinct === 1 ? 'value' : 'values'}${top ? `; most frequent: ${top}` : ''}`;
    }
}
