import type { JoinNode } from '../ir.js';
import type { PathStep } from '../paths.js';
import type { SchemaEntity } from '../schema.js';
import type { Dialect } from './dialect.js';

/** Rendering state shared by the SQL builders: group roots renamed to the segment's one audience record. */
export interface Renames {
    readonly rename?: ReadonlyMap<string, string>;
}

export const aliasOf = (ctx: Renames, alias: string): string => ctx.rename?.get(alias) ?? alias;

/** The two columns one relationship step joins: on the record stepped from, and on the record stepped to. */
export function stepLink(step: PathStep, fromAlias: string, from: SchemaEntity, toAlias: string, to: SchemaEntity, dialect: Dialect): { from: string; to: string } {
    const q = dialect.quoteIdentifier;
    const fk = step.relationship.attribute.column;
    return step.relationship.from === step.from
        ? { from: `${fromAlias}.${q(fk)}`, to: `${toAlias}.${q(to.key.column)}` }
        : { from: `${fromAlias}.${q(from.key.column)}`, to: `${toAlias}.${q(fk)}` };
}

/** The equality joining the record `fromAlias` to the record `toAlias` over one relationship. */
export function stepCondition(step: PathStep, fromAlias: string, from: SchemaEntity, toAlias: string, to: SchemaEntity, dialect: Dialect): string {
    const link = stepLink(step, fromAlias, from, toAlias, to, dialect);
    return `${link.to} = ${link.from}`;
}

/** `JOIN child ON ...` for every record below `node`, depth first. */
export function joinClauses(node: JoinNode, dialect: Dialect, ctx: Renames, separator = '\n'): string {
    let sql = '';
    for (const child of node.children) {
        sql += `${separator}JOIN ${dialect.quoteIdentifier(child.entity.table)} AS ${child.alias} ON ${stepCondition(child.step!, aliasOf(ctx, node.alias), node.entity, child.alias, child.entity, dialect)}`;
        sql += joinClauses(child, dialect, ctx, separator);
    }
    return sql;
}

/** Every alias in the tree below (and including) `node`. */
export function treeAliases(node: JoinNode): string[] {
    return [node.alias, ...node.children.flatMap(treeAliases)];
}
