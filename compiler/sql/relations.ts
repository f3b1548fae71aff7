import type { JoinNode } from '../ir.js';
import type { PathStep } from '../paths.js';
import { eventTime, type SchemaAttribute, type SchemaEntity } from '../schema.js';
import { UNKNOWN_STORAGE, type ColumnStorage, type StorageFacts } from '../storage.js';
import { addOffset, type Clock } from '../time.js';
import type { Dialect } from './dialect.js';

/**
 * Rendering state shared by the SQL builders: group roots renamed to the segment's one
 * audience record, and what the engine knows of how each column is stored.
 */
export interface Renames extends SourceContext {
    readonly rename?: ReadonlyMap<string, string>;
}

/** What a FROM source needs to know: how columns are stored, and the run's clock (which records exist). */
export interface SourceContext {
    readonly storage?: StorageFacts;
    readonly clock: Clock;
}

/**
 * The records of an entity as a FROM source. Every query reads an entity's records through
 * here, so what "as of" hides (reference 6.1) is decided in one place: the records of an event
 * entity whose time is after the clock's `now` (a date time: after `today`), or missing or
 * unreadable, do not exist. A derived table of one table and a condition on its own columns:
 * SQLite flattens it into the query (joins keep their indexes), PostgreSQL and DuckDB pull the
 * condition up.
 */
export function entitySource(entity: SchemaEntity, alias: string, dialect: Dialect, ctx: SourceContext): string {
    const table = `${dialect.quoteIdentifier(entity.table)} AS ${alias}`;
    const exists = existsAt(entity, alias, dialect, ctx);
    return exists === undefined ? table : `(SELECT * FROM ${table} WHERE ${exists}) AS ${alias}`;
}

/**
 * The condition that a record `alias` of `entity` exists at the clock's instant (its time is
 * not after it), read through the dialect in every stored form; `undefined` for an entity
 * without `time`, whose records exist at every instant, and when the engine found every
 * record's time readable and none after the instant (`StorageFacts.latestTime`).
 */
export function existsAt(entity: SchemaEntity, alias: string, dialect: Dialect, ctx: SourceContext): string | undefined {
    const time = eventTime(entity);
    if (!time) {
        if (entity.time || entity.unknownTime !== undefined) throw new Error(`the time of ${entity.name} is not a date or datetime: the segment should not have a plan`);
        return undefined;
    }
    // When no record's time is missing, unreadable or after the instant, every record exists
    // (the usual case: a query as of now), and the records are read with no condition (a
    // `NOT EXISTS` through the foreign key's index then reads the index alone, not each row).
    const latest = ctx.storage?.latestTime(time);
    if (latest !== undefined && (time.type === 'date' ? latest.slice(0, 10) <= ctx.clock.today : latest <= ctx.clock.now)) return undefined;
    const column = `${alias}.${dialect.quoteIdentifier(time.column)}`;
    const storage = storageOf(ctx, time);
    const exact = time.type === 'date'
        ? `${dialect.columnAsDate(column, 'date', storage)} <= ${dialect.dateLiteral(ctx.clock.today)}`
        : `${dialect.columnAsDateTime(column, 'datetime', storage)} <= ${dialect.dateTimeLiteral(ctx.clock.now)}`;
    // Most records are from earlier days: their stored text decides, and the exact reading (a
    // date function, or the reading of every form) runs only for the last days. Every stored
    // form starts with its day; an offset moves a value at most one day; with unreadable values
    // in the column (`2026/06/01` sorts among the days) the text decides nothing.
    if (storage.unreadable) return exact;
    const step = (day: string, n: number): string => addOffset(day, false, { sign: n < 0 ? -1 : 1, amount: Math.abs(n), unit: 'day' });
    const sureBefore = step(ctx.clock.today, (time.type === 'date' ? 1 : 0) - (storage.offsets ? 1 : 0));
    const sure = dialect.storedDayBound(column, 'before', sureBefore);
    return sure === undefined ? exact : `(${sure} OR ${exact})`;
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
