import { assertUnreachable, stepsOf, type KeyValue, type SegmentPlan, type StepPlan } from '../ir.js';
import type { SchemaEntity } from '../schema.js';
import type { Dialect } from './dialect.js';
import { entitySource, keyColumn, storageOf, type SourceContext } from './relations.js';

/**
 * `top` steps as SQL over the members of everything before them (reference, 6.6); `sample`
 * steps are drawn by the engine (engine/steps.ts) and come back here as the keys they keep.
 *
 * Why samples are not SQL: the reference's FNV-1a hash is a byte-by-byte fold, which neither
 * SQLite, DuckDB nor PostgreSQL has built in, and SQLite has no XOR. Written in SQL it is a
 * recursive query with one row per byte of every key (`hex()` and `instr()` on SQLite,
 * `get_byte()` on PostgreSQL), so two to ten times slower on each engine than fetching the keys
 * (which the runner does for every segment anyway) and hashing them in TypeScript, which takes
 * 25 ms for 200,000 keys (bench/sample-hash.ts measures both). A user-defined function would
 * be fast on SQLite only. So the keys before a sample are fetched, filtered by
 * `compiler/sample.ts`, and what follows the sample reads them as a list.
 */
export interface SampleKeys {
    /** The members kept by step `step` (an index into the plan's steps) of segment `segment`. */
    (segment: string, step: number): readonly KeyValue[] | undefined;
}

export interface StepContext extends SourceContext {
    readonly dialect: Dialect;
    readonly sampled?: SampleKeys;
}

/** The index of the last `sample` step of a plan, -1 when it has none. */
export function lastSample(plan: SegmentPlan): number {
    const steps = stepsOf(plan);
    for (let i = steps.length - 1; i >= 0; i--) if (steps[i].node === 'sample') return i;
    return -1;
}

/**
 * The records a query reads, one per member when the audience's keys are distinct: `key` is the
 * key as read on record `alias`, `from` and `where` the rest of the query.
 */
export interface RecordQuery {
    readonly alias: string;
    readonly key: string;
    readonly from: string;
    readonly where: string;
}

/**
 * The query of a plan's members after its steps: from `base` (the members before any step, a
 * query returning `key`), or from the keys its last sample kept, each `top` after it wrapping
 * the query before. `keyList` writes a list of the audience's keys as a query. `records`, when
 * given, is the base as records of the audience (a dynamic segment's one pass): a first `top`
 * then orders those records in the same pass, when no key is held by two records.
 */
export function steppedSql(plan: SegmentPlan, base: () => string, keyList: (keys: readonly KeyValue[]) => string, ctx: StepContext, records?: () => RecordQuery): string {
    const steps = stepsOf(plan);
    const from = lastSample(plan);
    let sql: string;
    let next = from + 1;
    if (from >= 0) {
        const keys = ctx.sampled?.(plan.name, from);
        if (!keys) throw new Error(`the sample of ${plan.name} (step ${from + 1}) has not been drawn`);
        sql = keyList(keys);
    } else if (records && steps[0]?.node === 'top' && distinctKeys(plan.audience, ctx)) {
        sql = orderedRecords(steps[0], records(), plan.audience, ctx);
        next = 1;
    } else {
        sql = base();
    }
    for (let i = next; i < steps.length; i++) {
        const step = steps[i];
        if (step.node !== 'top') throw new Error('a sample step after the last sample');
        sql = topSql(step, sql, plan.audience, ctx);
    }
    return sql;
}

type TopStep = Extract<StepPlan, { node: 'top' }>;

const distinctKeys = (audience: SchemaEntity, ctx: StepContext): boolean => ctx.storage?.keysDistinct(audience) ?? false;

/**
 * `top N [%] by A [asc|desc]` over `members` (reference, 6.6). Each member once: when a key may
 * be held by several records (reference, section 2), with the value of A of its record that
 * comes first (so missing only when every record misses A); when keys are distinct (the
 * engine looked), its record is read as it is. Order: missing values after all others, then A
 * (numbers by value, text by code point, false before true, dates and datetimes as instants),
 * then the key ascending (text by code point). `N`: `LIMIT`; `P%`: the first
 * floor(P × size / 100), in integers: `rank × 10000 <= size × P × 100`.
 */
export function topSql(step: TopStep, members: string, audience: SchemaEntity, ctx: StepContext): string {
    const d = ctx.dialect;
    const alias = 'top_t';
    const key = keyColumn(alias, audience.key, d, ctx);
    const from = entitySource(audience, alias, d, ctx);
    const where = `${key} IN (SELECT top_m.key FROM (\n${members}\n) AS top_m)`;
    if (distinctKeys(audience, ctx)) return orderedRecords(step, { alias, key, from, where }, audience, ctx);
    const best = step.descending ? 'MAX' : 'MIN';
    const grouped = `SELECT ${key} AS key, ${best}(${topValueSql(step, alias, ctx)}) AS v\nFROM ${from}\nWHERE ${where}\nGROUP BY ${key}`;
    return ordered(step, { key: 'top_g.key', value: 'top_g.v', from: `(\n${grouped}\n) AS top_g`, where: undefined }, audience, ctx);
}

/** A top step over records, one per member (keys distinct), ordered in the pass that reads them. */
function orderedRecords(step: TopStep, records: RecordQuery, audience: SchemaEntity, ctx: StepContext): string {
    return ordered(step, { key: records.key, value: topValueSql(step, records.alias, ctx), from: records.from, where: records.where }, audience, ctx);
}

/** `SELECT key FROM from [WHERE where]`, the first N (or P%) by value, missing last, then key. */
function ordered(step: TopStep, q: { key: string; value: string; from: string; where: string | undefined }, audience: SchemaEntity, ctx: StepContext): string {
    const keyOrder = audience.key.type === 'text' ? ctx.dialect.codePointOrder(q.key) : q.key;
    const order = `(${q.value} IS NULL), ${q.value} ${step.descending ? 'DESC' : 'ASC'}, ${keyOrder}`;
    const where = q.where !== undefined ? `\nWHERE ${q.where}` : '';
    if (step.amount.kind === 'count') return `SELECT ${q.key} AS key\nFROM ${q.from}${where}\nORDER BY ${order}\nLIMIT ${step.amount.count}`;
    return `SELECT top_r.key FROM (\nSELECT ${q.key} AS key, row_number() OVER (ORDER BY ${order}) AS top_rank, count(*) OVER () AS top_size\n`
        + `FROM ${q.from}${where}\n) AS top_r\nWHERE top_r.top_rank * 10000 <= top_r.top_size * ${step.amount.hundredths}`;
}

/** The value a top step orders by, read as its type says (unreadable values missing). */
function topValueSql(step: TopStep, alias: string, ctx: StepContext): string {
    const d = ctx.dialect;
    const by = step.by;
    switch (by.node) {
        case 'attribute': {
            const a = by.attribute;
            const column = `${alias}.${d.quoteIdentifier(a.column)}`;
            const storage = storageOf(ctx, a);
            switch (a.type) {
                case 'number': return d.readNumber(column, storage);
                case 'text': return d.codePointOrder(d.readText(column, storage));
                case 'boolean': return d.columnAsBoolean(column, storage);
                case 'date': return d.columnAsDate(column, 'date', storage);
                case 'datetime': return d.columnAsDateTime(column, 'datetime', storage);
                default: return assertUnreachable(a.type);
            }
        }
        default:
            return assertUnreachable(by.node);
    }
}
