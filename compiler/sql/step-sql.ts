import { assertUnreachable, lastSample, stepsOf, type KeyValue, type SegmentPlan, type StepPlan } from '../ir.js';
import type { SchemaEntity } from '../schema.js';
import { aggregateValue } from './aggregate-sql.js';
import { measureValueJoin } from './measure-sql.js';
import { entitySource, keyColumn, storageOf } from './relations.js';
import type { RenderContext } from './to-sql.js';

/**
 * `top` steps as SQL over the members of everything before them (reference, 6.6); `sample`
 * steps are drawn by the engine (engine/steps.ts) and come back here as the keys they keep.
 *
 * Why samples are not SQL: the reference's FNV-1a hash is a fold over the bytes of each key,
 * which none of SQLite, DuckDB and PostgreSQL has built in (SQLite has no XOR either). Written
 * in SQL it is a recursive query with a row per byte of every key (SQLite: `hex()`, `instr()`
 * and `(h | b) - (h & b)`; PostgreSQL: `get_byte()` and `#`), or DuckDB's `list_reduce` over
 * the bytes. `bench/sample-hash.ts` times `sample 10%` over the 200,000 customers at medium:
 * in SQL 4.5 s on sql.js, 1.4 s on native SQLite, 1.8 s on PostgreSQL, 0.3 s on DuckDB;
 * fetching the keys and hashing them in TypeScript 0.4, 0.5, 0.8 and 0.6 s (the hash itself
 * is 15-25 ms: fetching dominates, and the runner fetches a segment's keys anyway). One
 * implementation also keeps every engine's members the same by construction, where four SQL
 * forms of UTF-8, the key's shortest decimal text and 32-bit wrapping could drift apart. So the
 * keys before a sample are fetched, filtered by `compiler/sample.ts`, and what follows the
 * sample reads them as a list.
 */
export interface SampleKeys {
    /** The members kept by step `step` (an index into the plan's steps) of segment `segment`. */
    (segment: string, step: number): readonly KeyValue[] | undefined;
}

/** What a step's SQL needs: the statement's context (measures' names, storage, clock). */
export type StepContext = RenderContext;

export { lastSample };

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
    return ordered(step, topInput(step, members, audience, ctx), audience, ctx);
}

/**
 * The members of `members` ranked as `top` orders them, for Explain Membership:
 * `SELECT key, v, top_rank, top_size` (the value ordered by, the 1-based rank, how many members).
 */
export function topRanking(step: TopStep, members: string, audience: SchemaEntity, ctx: StepContext): string {
    const q = topInput(step, members, audience, ctx);
    const where = q.where !== undefined ? `\nWHERE ${q.where}` : '';
    return `SELECT ${q.key} AS key, ${q.value} AS v, row_number() OVER (ORDER BY ${topOrder(step, q, audience, ctx)}) AS top_rank, count(*) OVER () AS top_size\nFROM ${q.from}${where}`;
}

/** What a top step orders: each member once with its value (see `topSql`). */
function topInput(step: TopStep, members: string, audience: SchemaEntity, ctx: StepContext): OrderInput {
    const d = ctx.dialect;
    const alias = 'top_t';
    const key = keyColumn(alias, audience.key, d, ctx);
    const from = entitySource(audience, alias, d, ctx);
    const where = `${key} IN (SELECT top_m.key FROM (\n${members}\n) AS top_m)`;
    if (distinctKeys(audience, ctx)) return recordsInput(step, { alias, key, from, where }, ctx);
    const best = step.descending ? 'MAX' : 'MIN';
    const value = topValueSql(step, alias, ctx, { from, where });
    const grouped = `SELECT ${key} AS key, ${best}(${value.value}) AS v\nFROM ${from}${value.join}\nWHERE ${where}\nGROUP BY ${key}`;
    return { key: 'top_g.key', value: 'top_g.v', from: `(\n${grouped}\n) AS top_g`, where: undefined };
}

type OrderInput = { readonly key: string; readonly value: string; readonly from: string; readonly where: string | undefined };

/** A top step over records, one per member (keys distinct), ordered in the pass that reads them. */
function orderedRecords(step: TopStep, records: RecordQuery, audience: SchemaEntity, ctx: StepContext): string {
    return ordered(step, recordsInput(step, records, ctx), audience, ctx);
}

function recordsInput(step: TopStep, records: RecordQuery, ctx: StepContext): OrderInput {
    const value = topValueSql(step, records.alias, ctx, records);
    return { key: records.key, value: value.value, from: `${records.from}${value.join}`, where: records.where };
}

/** The order of a top step: value (missing last), then key. */
function topOrder(step: TopStep, q: OrderInput, audience: SchemaEntity, ctx: StepContext): string {
    const keyOrder = audience.key.type === 'text' ? ctx.dialect.codePointOrder(q.key) : q.key;
    return `${q.value} ${step.descending ? 'DESC' : 'ASC'} NULLS LAST, ${keyOrder}`;
}

/** `SELECT key FROM from [WHERE where]`, the first N (or P%) by value, missing last, then key. */
function ordered(step: TopStep, q: OrderInput, audience: SchemaEntity, ctx: StepContext): string {
    const order = topOrder(step, q, audience, ctx);
    const where = q.where !== undefined ? `\nWHERE ${q.where}` : '';
    if (step.amount.kind === 'count') return `SELECT ${q.key} AS key\nFROM ${q.from}${where}\nORDER BY ${order}\nLIMIT ${step.amount.count}`;
    return `SELECT top_r.key FROM (\nSELECT ${q.key} AS key, row_number() OVER (ORDER BY ${order}) AS top_rank, count(*) OVER () AS top_size\n`
        + `FROM ${q.from}${where}\n) AS top_r\nWHERE top_r.top_rank * 10000 <= top_r.top_size * ${step.amount.hundredths}`;
}

/**
 * The value a top step orders by on record `alias`, read as its type says (unreadable values
 * missing). A measure's is computed for the members only: per record, as a correlated
 * aggregate, where the dialect says an index answers that best (`Dialect.correlatedAggregates`),
 * else in one grouped pass over the records `members` selects (its FROM and WHERE), left-joined
 * to the record (`join`, after the record in FROM). `sum` and `avg` of numbers are in exact
 * decimal units: the same order.
 */
function topValueSql(step: TopStep, alias: string, ctx: StepContext, members: { readonly from: string; readonly where: string }): { readonly value: string; readonly join: string } {
    const d = ctx.dialect;
    const by = step.by;
    switch (by.node) {
        case 'attribute': {
            const a = by.attribute;
            const column = `${alias}.${d.quoteIdentifier(a.column)}`;
            const storage = storageOf(ctx, a);
            const read = (): string => {
                switch (a.type) {
                    case 'number': return d.readNumber(column, storage);
                    case 'text': return d.codePointOrder(d.readText(column, storage));
                    case 'boolean': return d.columnAsBoolean(column, storage);
                    case 'date': return d.columnAsDate(column, 'date', storage);
                    case 'datetime': return d.columnAsDateTime(column, 'datetime', storage);
                    default: return assertUnreachable(a.type);
                }
            };
            return { value: read(), join: '' };
        }
        case 'measure': {
            const a = by.measure.aggregate;
            if (d.correlatedAggregates) return { value: aggregateValue(a, { ...ctx, rename: new Map([...(ctx.rename ?? []), [a.outer.alias, alias]]) }), join: '' };
            const joined = measureValueJoin(by.measure, alias, `${alias}_by`, ctx, members);
            return { value: joined.value, join: ` ${joined.join}` };
        }
        default:
            return assertUnreachable(by);
    }
}
