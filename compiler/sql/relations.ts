import type { JoinNode } from '../ir.js';
import type { PathStep } from '../paths.js';
import type { SchemaAttribute, SchemaEntity } from '../schema.js';
import { UNKNOWN_STORAGE, type ColumnStorage, type StorageFacts } from '../storage.js';
import type { Clock } from '../time.js';
import type { Dialect } from './dialect.js';

/**
 * Rendering state shared by the SQL builders: group roots renamed to the segment's one
 * audience record, and what the engine knows of how each column is stored.
 */
export interface Renames {
    readonly rename?: ReadonlyMap<string, string>;
    readonly storage?: StorageFacts;
    readonly clock?: Clock;
}

/** What a FROM source needs to know: how columns are stored and the run's clock. */
export interface SourceContext {
    readonly storage?: StorageFacts;
    readonly clock?: Clock;
}

/**
 * The records of an entity as a FROM source. Every query reads an entity's records through
 * here (so that what "as of" hides, reference 6.1, is decided in one place).
 */
export function entitySource(entity: SchemaEntity, alias: string, dialect: Dialect, _ctx: SourceContext): string {
    return `${dialect.quoteIdentifier(entity.table)} AS ${alias}`;
}

export const aliasOf = (ctx: Renames, alias: string): string => ctx.rename?.get(alias) ?? alias;

export const storageOf = (ctx: Pick<Renames, 'storage'>, attribute: SchemaAttribute): ColumnStorage => ctx.storage?.of(attribute) ?? UNKNOWN_STORAGE;

/** A key or foreign key column of a record, read as a comparable key. */
export function keyColumn(alias: string, attribute: SchemaAttribute, dialect: Dialect, ctx: Pick<Renames, 'storage'>): string {
    return dialect.readKey(`${alias}.${dialect.quoteIdentifier(attribute.column)}`, attribute.type === 'number' ? 'number' : 'text', storageOf(ctx, attribute));
}

/** The two columns one relationship step joins: on the record stepped from, and on the record stepped to. */
export function stepLink(step: PathStep, fromAlias: string, from: SchemaEntity, toAlias: string, to: SchemaEntity, dialect: Dialect, ctx: Pick<Renames, 'storage'> = {}): { from: string; to: string } {
    const fk = step.relationship.attribute;
    return step.relationship.from === step.from
        ? { from: keyColumn(fromAlias, fk, dialect, ctx), to: keyColumn(toAlias, to.key, dialect, ctx) }
        : { from: keyColumn(fromAlias, from.key, dialect, ctx), to: keyColumn(toAlias, fk, dialect, ctx) };
}

/** The equality joining the record `fromAlias` to the record `toAlias` over one relationship. */
export function stepCondition(step: PathStep, fromAlias: string, from: SchemaEntity, toAlias: string, to: SchemaEntity, dialect: Dialect, ctx: Pick<Renames, 'storage'> = {}): string {
    const link = stepLink(step, fromAlias, from, toAlias, to, dialect, ctx);
    return `${link.to} = ${link.from}`;
}

/** `JOIN child ON ...` for every record below `node`, depth first. */
export function joinClauses(node: JoinNode, dialect: Dialect, ctx: Renames, separator = '\n'): string {
    let sql = '';
    for (const child of node.children) {
        sql += `${separator}JOIN ${entitySource(child.entity, child.alias, dialect, ctx)} ON ${stepCondition(child.step!, aliasOf(ctx, node.alias), node.entity, child.alias, child.entity, dialect, ctx)}`;
        sql += joinClauses(child, dialect, ctx, separator);
    }
    return sql;
}

/** Every alias in the tree below (and including) `node`. */
export function treeAliases(node: JoinNode): string[] {
    return [node.alias, ...node.children.flatMap(treeAliases)];
}
