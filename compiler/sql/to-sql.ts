import { assertUnreachable, type ColumnRef, type Condition, type Domain, type BlockPlan, type KeyValue, type Literal, type MeasurePlan, type MeasureRef, type Operand, type OperandValue, type SegmentPlan } from '../ir.js';
import type { SchemaEntity } from '../schema.js';
import { addOffset, type Clock } from '../time.js';
import { PLAIN_STORAGE, type StorageFacts } from '../storage.js';
import { aggregateCondition, aggregateEmpty, decimalLiteralSql, isDecimal } from './aggregate-sql.js';
import { isDecimalMeasure, measureCondition, measureEmpty, measureJoins, measureNames, measuresReached, measureTableSql, measureValue } from './measure-sql.js';
import { balancedJoin, gatherValueLists } from './balanced.js';
import { compoundSql } from './compound-sql.js';
import { betweenDays, compareDays, withDayBounds } from './day-bounds.js';
import { keyLiteral, type Dialect } from './dialect.js';
import { groupExclusion, groupPredicate } from './group-sql.js';
import { aliasOf, entitySource, keyColumn, storageOf, type Renames } from './relations.js';
import { lastSample, steppedSql, type RecordQuery, type SampleKeys } from './step-sql.js';
import { sequenceExclusion, sequencePredicate } from './sequence-sql.js';

export interface SqlContext {
    readonly dialect: Dialect;
    readonly clock: Clock;
    /** How the columns are stored (from the engine); absent, every column is read in every accepted form. */
    readonly storage?: StorageFacts;
    /** Plans of other segments, for compound segments. */
    readonly plans?: ReadonlyMap<string, SegmentPlan>;
    /** Keys of static segments read from files, by segment name. */
    readonly staticKeys?: ReadonlyMap<string, readonly KeyValue[]>;
    /** Inside a statement: the names of the measures' queries of its `WITH` clause. */
    readonly measureNames?: ReadonlyMap<MeasurePlan, string>;
    /** The members each `sample` step kept, drawn by the engine (`engine/steps.ts`). */
    readonly sampled?: SampleKeys;
}

/** The context while a segment's query is written. */
export type RenderContext = SqlContext & Renames;

/**
 * The query returning the segment's keys as one column named `key`, after its steps (a segment
 * with a `sample` step needs the keys it kept in `ctx.sampled`). A statement starts with the
 * queries of the measures it reads (its own, and those of the segments it refers to), each once.
 */
export function segmentSql(plan: SegmentPlan, ctx: SqlContext, seen: ReadonlySet<string> = new Set()): string {
    if (ctx.measureNames) return segmentBody(plan, ctx, seen);
    const measures = measuresReached(plan, ctx.plans);
    if (measures.length === 0) return segmentBody(plan, ctx, seen);
    const names = measureNames(measures, plan, ctx.plans);
    const inner: SqlContext = { ...ctx, measureNames: names };
    const queries = measures.map(m => `${ctx.dialect.quoteIdentifier(names.get(m)!)} AS (\n${measureTableSql(m, inner)}\n)`);
    if (plan.kind === 'compound' && lastSample(plan) < 0) return compoundSql(plan, ctx.plans, ctx.dialect, part => segmentSql(part, inner), compoundSteps(inner), queries);
    return `WITH\n${queries.join(',\n')}\n${segmentBody(plan, inner, seen)}`;
}

/** A compound segment's steps over the query of its parts combined. */
const compoundSteps = (ctx: SqlContext) => (compound: Extract<SegmentPlan, { kind: 'compound' }>, base: string): string =>
    steppedSql(compound, () => base, keys => staticSql(compound.audience, keys, ctx.dialect, ctx), ctx);

function segmentBody(plan: SegmentPlan, ctx: SqlContext, seen: ReadonlySet<string>): string {
    const keyList = (keys: readonly KeyValue[]): string => staticSql(plan.audience, keys, ctx.dialect, ctx);
    // After a sample, the members before it are not read again.
    if (lastSample(plan) >= 0) return steppedSql(plan, () => '', keyList, ctx);
    switch (plan.kind) {
        case 'dynamic': {
            if (keyedGroups(plan.groups, plan.audience, ctx)) return steppedSql(plan, () => groupKeysSql(plan.groups, plan.audience, ctx), keyList, ctx);
            return steppedSql(plan, () => dynamicSql(plan.groups, plan.audience, ctx), keyList, ctx, () => dynamicRecords(plan.groups, plan.audience, ctx));
        }
        case 'static': {
            const keys = plan.members.kind === 'keys' ? plan.members.keys : ctx.staticKeys?.get(plan.name);
            if (!keys) throw new Error(`the members of ${plan.name} have not been read`);
            return staticSql(plan.audience, keys, ctx.dialect, ctx);
        }
        case 'compound':
            // Each segment it refers to written once, however often it is reached (a WITH query when reached twice).
            if (seen.has(plan.name)) throw new Error(`segment cycle through ${plan.name}`);
            return compoundSql(plan, ctx.plans, ctx.dialect, part => segmentSql(part, ctx),
                (compound, base) => steppedSql(compound, () => base, keys => staticSql(compound.audience, keys, ctx.dialect, ctx), ctx));
        default:
            return assertUnreachable(plan);
    }
}

/**
 * A dynamic segment as one pass over the audience table: each group or sequence is a condition
 * on the audience record, combined left to right (`union` is OR, `intersect` AND, `exclude` AND
 * NOT, the excluded block read two-valued).
 */
function dynamicSql(groups: readonly BlockPlan[], audience: SchemaEntity, ctx: SqlContext): string {
    const q = dynamicRecords(groups, audience, ctx);
    return `SELECT ${q.key} AS key\nFROM ${q.from}\nWHERE ${q.where}`;
}

/**
 * Whether the groups must be combined as sets of keys rather than record by record: `intersect`
 * and `exclude` ask whether some record (maybe another one) of the same key is in the other
 * group, which a pass over the records answers only when no key is held by two records (the
 * engine looks; reference, section 2: a key stored twice is one member).
 */
function keyedGroups(groups: readonly BlockPlan[], audience: SchemaEntity, ctx: SqlContext): boolean {
    return groups.some(g => g.operator === 'intersect' || g.operator === 'exclude') && !(ctx.storage?.keysDistinct(audience) ?? false);
}

/** A dynamic segment as each block's keys (a group's or a sequence's), combined left to right by set operations. */
function groupKeysSql(groups: readonly BlockPlan[], audience: SchemaEntity, ctx: SqlContext): string {
    let sql = dynamicSql([groups[0]], audience, ctx);
    groups.slice(1).forEach((g, i) => {
        sql = ctx.dialect.setOperation(sql, g.operator ?? 'union', dynamicSql([{ ...g, operator: undefined }], audience, ctx), `group_${i + 1}`);
    });
    return sql;
}

/** A dynamic segment's one pass over the audience table, as records (for a `top` step to order in the same pass). */
function dynamicRecords(groups: readonly BlockPlan[], audience: SchemaEntity, ctx: SqlContext): RecordQuery {
    const d = ctx.dialect;
    const alias = groups[0].root.alias;
    const rctx: RenderContext = { ...ctx, rename: new Map(groups.map(g => [g.root.alias, alias])) };
    const included = (b: BlockPlan): string => (b.node === 'group' ? groupPredicate(b, audience, rctx) : sequencePredicate(b, audience, rctx));
    const excluded = (b: BlockPlan): string => (b.node === 'group' ? groupExclusion(b, audience, rctx) : sequenceExclusion(b, audience, rctx));
    let predicate = included(groups[0]);
    for (const g of groups.slice(1)) {
        const op = g.operator ?? 'union';
        const next = op === 'exclude' ? excluded(g) : included(g);
        predicate = op === 'union' ? `(${predicate}\n  OR ${next})` : `(${predicate}\n  AND ${next})`;
    }
    const key = keyColumn(alias, audience.key, d, ctx);
    const measures = measureJoins(alias, groups.flatMap(g => g.root.measures), rctx, '\n');
    // A record without a key is no member; where the engine found none in the table, the test
    // is left out (DuckDB plans `key IS NOT NULL AND NOT EXISTS (...)` as a filter over a mark
    // join, not an anti join: NeverPurchased 4x slower at medium).
    const missing = ctx.storage?.quantity(`SELECT count(*) FROM ${d.quoteIdentifier(audience.table)} AS ${alias} WHERE ${key} IS NULL`);
    return { alias, key, from: `${entitySource(audience, alias, d, ctx)}${measures}`, where: missing === 0 ? predicate : `${key} IS NOT NULL\n  AND ${predicate}` };
}

export function staticSql(audience: SchemaEntity, keys: readonly KeyValue[], dialect: Dialect, ctx: Pick<SqlContext, 'storage' | 'clock'>): string {
    const key = keyColumn('s', audience.key, dialect, ctx);
    return `SELECT ${key} AS key FROM ${entitySource(audience, 's', dialect, ctx)} WHERE ${keyIn(key, keys, dialect)}`;
}

/** `column IN (k1, k2, ...)`, or a false condition for no keys. */
export function keyIn(column: string, keys: readonly KeyValue[], dialect: Dialect): string {
    if (keys.length === 0) return '1 = 0';
    const list = keys.map(k => keyLiteral(dialect, k)).join(', ');
    return `${column} IN (${list})`;
}

/**
 * A condition as SQL. `strict` asks for two-valued logic (NULL read as false), needed under
 * `not`; elsewhere a NULL result filters the row exactly as false does.
 */
export function conditionSql(c: Condition, ctx: RenderContext, strict: boolean): string {
    const d = ctx.dialect;
    const wrap = (sql: string): string => (strict ? d.isTrue(sql) : sql);
    switch (c.node) {
        case 'and':
        case 'or':
            return balancedJoin(gatherValueLists(c.node, c.items).map(i => conditionSql(i, ctx, strict)), c.node === 'and' ? ' AND ' : ' OR ');
        case 'not':
            return `(NOT ${conditionSql(c.item, ctx, true)})`;
        case 'compare': {
            const op = c.operator === '!=' ? '<>' : c.operator;
            const right = c.right;
            if (right.node === 'operand') return wrap(`${valuesCompared(c.left, right, c.domain, ctx, (l, r) => `${l} ${op} ${r}`)}`);
            const test = (value: string): string => `${value} ${op} ${operandLiteral(c.left, right, c.domain, ctx)}`;
            const literal = { ...c, right };
            if (c.left.node === 'aggregate') return wrap(aggregateCondition({ ...literal, left: c.left }, test, ctx));
            if (c.left.node === 'measure') return wrap(measureCondition(c.left, literal, test, ctx));
            return wrap(withDayBounds(test(operandSql(c.left, c.domain, ctx)), c.left, compareDays(c.operator, right, c.domain, ctx), ctx));
        }
        case 'in': {
            const list = c.values.map(v => operandLiteral(c.left, v, c.domain, ctx)).join(', ');
            const test = (value: string): string => `${value} ${c.negated ? 'NOT IN' : 'IN'} (${list})`;
            if (c.left.node === 'aggregate') return wrap(aggregateCondition({ ...c, left: c.left }, test, ctx));
            if (c.left.node === 'measure') return wrap(measureCondition(c.left, c, test, ctx));
            return wrap(test(operandSql(c.left, c.domain, ctx)));
        }
        case 'between': {
            const test = (value: string): string => `${value} BETWEEN ${operandLiteral(c.left, c.low, c.domain, ctx)} AND ${operandLiteral(c.left, c.high, c.domain, ctx)}`;
            if (c.left.node === 'aggregate') return wrap(aggregateCondition({ ...c, left: c.left }, test, ctx));
            if (c.left.node === 'measure') return wrap(measureCondition(c.left, c, test, ctx));
            return wrap(withDayBounds(test(operandSql(c.left, c.domain, ctx)), c.left, betweenDays(c.low, c.high, c.domain, ctx), ctx));
        }
        case 'match':
            return wrap(d.textMatch(operandSql(c.left, 'text', ctx), c.mode, c.value));
        case 'member':
            return memberSql(c, ctx);
        case 'empty': {
            if (c.left.node === 'aggregate') return aggregateEmpty(c.left, c.negated, ctx);
            if (c.left.node === 'measure') return measureEmpty(c.left, c.negated, ctx);
            const value = operandSql(c.left, c.left.attribute.type, ctx);
            const isText = c.left.attribute.type === 'text';
            const empty = isText ? `(${value} IS NULL OR ${value} = ${d.stringLiteral('')})` : `${value} IS NULL`;
            return c.negated ? `NOT ${empty}` : empty;
        }
        default:
            return assertUnreachable(c);
    }
}

/**
 * A column read as its type says (every accepted stored form, unreadable values missing),
 * converted for comparison in `domain` (dates by calendar day).
 */
function operandSql(o: Operand, domain: string, ctx: RenderContext): string {
    if (o.node === 'aggregate') throw new Error('aggregates are compared by aggregateCondition');
    if (o.node === 'measure') return measureValue(o, domain as Domain, ctx);
    const d = ctx.dialect;
    const column = `${aliasOf(ctx, o.alias)}.${d.quoteIdentifier(o.attribute.column)}`;
    const storage = storageOf(ctx, o.attribute);
    const stored = o.attribute.type;
    switch (stored) {
        case 'boolean': return d.columnAsBoolean(column, storage);
        case 'number': return d.readNumber(column, storage);
        case 'text': return d.readText(column, storage);
        case 'date':
        case 'datetime':
            return domain === 'datetime' ? d.columnAsDateTime(column, stored, storage) : d.columnAsDate(column, stored, storage);
        default:
            return assertUnreachable(stored);
    }
}

/** A literal compared with `left`: in decimal units for `sum` and `avg` of numbers. */
function operandLiteral(left: Operand, l: Literal, domain: string, ctx: RenderContext): string {
    const decimal = (left.node === 'aggregate' && isDecimal(left)) || (left.node === 'measure' && isDecimalMeasure(left.measure));
    if (decimal && l.node === 'number') return decimalLiteralSql(l, ctx);
    return literalSql(l, domain, ctx);
}

/**
 * Two values of one row compared (reference, 6.2): the right one moved by its offsets in its own
 * type first, then both read in `domain` (a datetime compared with a date by its calendar date);
 * a decimal measure compared in decimal units, the other side converted. A missing value on
 * either side makes the comparison NULL, which a filter reads as false.
 */
function valuesCompared(left: Operand, right: OperandValue, domain: Domain, ctx: RenderContext, compare: (l: string, r: string) => string): string {
    if (left.node === 'aggregate') throw new Error('an aggregate compared with an attribute is lowered to a measure');
    const d = ctx.dialect;
    let l = operandSql(left, domain, ctx);
    let r: string;
    if (right.offsets.length === 0 || (right.type !== 'date' && right.type !== 'datetime')) {
        r = operandSql(right.operand, domain, ctx);
    } else {
        const type = right.type;
        r = operandSql(right.operand, type, ctx);
        for (const offset of right.offsets) r = d.shiftTime(r, type, offset);
        if (domain === 'date' && type === 'datetime') r = d.columnAsDate(r, 'datetime', PLAIN_STORAGE);
    }
    const decimal = (o: ColumnRef | MeasureRef): boolean => o.node === 'measure' && isDecimalMeasure(o.measure);
    if (decimal(left) || decimal(right.operand)) {
        if (!decimal(left)) l = d.decimalUnits(l);
        if (!decimal(right.operand)) r = d.decimalUnits(r);
    }
    return compare(l, r);
}

/**
 * `E [not] in segment NAME` (reference, 6.5): the record's key among the keys of NAME's query,
 * written in place (same instant, whatever NAME's status); `not` two-valued, so a record whose
 * key is missing is not a member.
 */
function memberSql(c: Extract<Condition, { node: 'member' }>, ctx: RenderContext): string {
    const plan = ctx.plans?.get(c.segment);
    if (!plan) throw new Error(`no plan for segment ${c.segment}`);
    const key = keyColumn(aliasOf(ctx, c.alias), c.entity.key, ctx.dialect, ctx);
    const { rename: _rename, ...outer } = ctx;
    const members = segmentSql(plan, outer);
    const alias = `${aliasOf(ctx, c.alias)}_s`;
    return c.negated
        ? ctx.dialect.notAmong(key, { column: `${alias}.key`, from: `(${members}) AS ${alias}`, where: [] })
        : `${key} IN (SELECT ${alias}.key FROM (${members}) AS ${alias})`;
}

function literalSql(l: Literal, domain: string, ctx: SqlContext): string {
    const d = ctx.dialect;
    switch (l.node) {
        case 'text': return d.stringLiteral(l.value);
        case 'number': return l.integer !== undefined ? d.integerLiteral(l.integer) : d.numberLiteral(l.value);
        case 'boolean': return d.booleanLiteral(l.value);
        case 'time': {
            const value = resolveTime(l, ctx.clock);
            return domain === 'date' ? d.dateLiteral(value.slice(0, 10)) : d.dateTimeLiteral(value.length === 10 ? `${value} 00:00:00` : value);
        }
        default:
            return assertUnreachable(l);
    }
}

/** A time constant on the given clock: `YYYY-MM-DD` for dates, `YYYY-MM-DD HH:MM:SS` for datetimes. */
export function resolveTime(l: Extract<Literal, { node: 'time' }>, clock: Clock): string {
    const b = l.base;
    let value = b.kind === 'today' ? clock.today : b.kind === 'now' ? clock.now : b.value;
    for (const offset of l.offsets) value = addOffset(value, l.type === 'datetime', offset);
    return value;
}
