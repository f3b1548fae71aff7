import { lastSample, type Domain, type JoinNode, type MeasurePlan, type MeasureRef, type SegmentPlan } from '../ir.js';
import { measuresInConditions, membersIn, planTables, queryReferences, segmentReferences } from '../plan-walk.js';
import { PLAIN_STORAGE } from '../storage.js';
import { aggregateTable, isDecimal, passesAt, type ValueTest } from './aggregate-sql.js';
import { aliasOf, entitySource, keyColumn, stepCondition, stepLink } from './relations.js';
import type { RenderContext } from './to-sql.js';

/**
 * Measures in SQL (reference, 6.4). A statement computes each measure it reads once, as a named
 * query of its `WITH` clause (`SELECT k, v`: the key of each record of the measure's entity that
 * has related records, and the value), however many conditions, segments (`in segment`,
 * compound parts) and `show` columns of the statement read it. A condition `M op value` is a
 * semi-join on that query (`key IN (SELECT k ... WHERE v op value)`, or, where a record with no
 * related records passes, the two-valued complement); a comparison with an attribute reads the
 * value on the record, the named query left-joined to it.
 */

/**
 * The measures a statement computes for `plan`'s members: those its conditions read, and those
 * of the segments it refers to, each after the measures that the segments named in its own
 * `where` read (`show` is computed apart, for the members it lists).
 */
export function measuresReached(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan> | undefined): MeasurePlan[] {
    const order: MeasurePlan[] = [];
    const done = new Set<MeasurePlan>();
    const visited = new Set<string>();
    const visitPlan = (p: SegmentPlan): void => {
        if (visited.has(p.name)) return;
        visited.add(p.name);
        // After its last sample, a segment's query reads the keys that sample kept (6.6); a `top`
        // step computes its measure for the members before it only (`measureValueJoin`'s `within`).
        if (lastSample(p) >= 0) return;
        for (const m of measuresInConditions(p)) visitMeasure(m);
        for (const name of queryReferences(p)) {
            const other = plans?.get(name);
            if (other) visitPlan(other);
        }
    };
    const visitMeasure = (m: MeasurePlan): void => {
        if (done.has(m)) return;
        done.add(m);
        if (m.aggregate.where) {
            for (const name of membersIn(m.aggregate.where)) {
                const other = plans?.get(name);
                if (other) visitPlan(other);
            }
        }
        order.push(m);
    };
    visitPlan(plan);
    return order;
}

/** Names for the measures' queries that no table of the statement has (a named query hides a table of its name). */
export function measureNames(measures: readonly MeasurePlan[], plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan> | undefined): Map<MeasurePlan, string> {
    const tables = new Set<string>();
    const visited = new Set<string>();
    const visit = (p: SegmentPlan): void => {
        if (visited.has(p.name)) return;
        visited.add(p.name);
        planTables(p, tables);
        for (const name of segmentReferences(p)) {
            const other = plans?.get(name);
            if (other) visit(other);
        }
    };
    visit(plan);
    for (const m of measures) planTables(m, tables);
    let prefix = 'measure_';
    while (measures.some((_, i) => tables.has(`${prefix}${i + 1}`))) prefix = `_${prefix}`;
    return new Map(measures.map((m, i) => [m, `${prefix}${i + 1}`]));
}

/** The `SELECT k, v` query of a measure; `within`, a query of keys, limits the records computed. */
export function measureTableSql(m: MeasurePlan, ctx: RenderContext, within?: string): string {
    return aggregateTable(m.aggregate, ctx, within);
}

/** Measures without a name in the statement (a query written outside `segmentSql`) are numbered here, for aliases. */
const unnamed = new WeakMap<MeasurePlan, number>();
let nextUnnamed = 1;

/** The measure's query as a FROM source: its name in the statement, or the query in place. */
function measureSource(m: MeasurePlan, ctx: RenderContext): string {
    const name = ctx.measureNames?.get(m);
    return name !== undefined ? ctx.dialect.quoteIdentifier(name) : `(${measureTableSql(m, ctx)})`;
}

/** The alias of a measure's query joined to the record `alias` (already renamed). */
function joinAlias(alias: string, m: MeasurePlan, ctx: RenderContext): string {
    const name = ctx.measureNames?.get(m);
    if (name !== undefined) return `${alias}_${name.replace(/^_+/, '')}`;
    let id = unnamed.get(m);
    if (id === undefined) unnamed.set(m, id = nextUnnamed++);
    return `${alias}_mx${id}`;
}

/**
 * The column of a measured record that the measure's query is keyed by: the record's key, or,
 * when its first step is a foreign key of the record itself (`Customer.HomeStore -> Store`),
 * that foreign key (the query groups by the related record's key, which it equals).
 */
function measureLink(m: MeasurePlan, alias: string, ctx: RenderContext): string {
    const first = m.aggregate.path[0];
    if (!first) return keyColumn(alias, m.entity.key, ctx.dialect, ctx);
    return stepLink(first.step, alias, m.entity, alias, first.entity, ctx.dialect, ctx).from;
}

/** `count` and `sum` are 0 for a record with no related records; the others missing. */
const zeroByDefault = (m: MeasurePlan): boolean => m.aggregate.fn === 'count' || m.aggregate.fn === 'sum';

/** Whether the measure's value is in decimal units (`sum` and `avg` of numbers). */
export const isDecimalMeasure = (m: MeasurePlan): boolean => isDecimal(m.aggregate);

/** A value of the measure's query (`mv.v`) as compared in `domain`: a datetime compared with a date by its calendar date. */
function inDomain(value: string, m: MeasurePlan, domain: Domain, ctx: RenderContext): string {
    return m.type === 'datetime' && domain === 'date' ? ctx.dialect.columnAsDate(value, 'datetime', PLAIN_STORAGE) : value;
}

/** `M op value(s)` on the record of `ref`, two-valued. `test` writes the comparison of a value. */
export function measureCondition(ref: MeasureRef, c: ValueTest, test: (value: string) => string, ctx: RenderContext): string {
    const m = ref.measure;
    const key = measureLink(m, aliasOf(ctx, ref.alias), ctx);
    const value = inDomain('mv.v', m, c.domain, ctx);
    const from = `${measureSource(m, ctx)} AS mv`;
    // A record with no row has count and sum 0: when 0 passes, the records that fail are excluded instead.
    if (passesAt(m.aggregate.fn, c, 0)) return ctx.dialect.notAmong(key, { column: 'mv.k', from, where: [`NOT (${test(value)})`] });
    return `${key} IN (SELECT mv.k FROM ${from} WHERE ${test(value)})`;
}

/** `M is [not] empty`: count and sum never are; the others when the record has no related value. */
export function measureEmpty(ref: MeasureRef, negated: boolean, ctx: RenderContext): string {
    const m = ref.measure;
    if (zeroByDefault(m)) return negated ? '1 = 1' : '1 = 0';
    const key = measureLink(m, aliasOf(ctx, ref.alias), ctx);
    const valued = { column: 'mv.k', from: `${measureSource(m, ctx)} AS mv`, where: ['mv.v IS NOT NULL'] };
    return negated ? `${key} IN (SELECT mv.k FROM ${valued.from} WHERE mv.v IS NOT NULL)` : ctx.dialect.notAmong(key, valued);
}

/** The measure's value on the record of `ref`, read from the measure's query joined to it (`measureJoins`). */
export function measureValue(ref: MeasureRef, domain: Domain, ctx: RenderContext): string {
    const m = ref.measure;
    const column = `${joinAlias(aliasOf(ctx, ref.alias), m, ctx)}.v`;
    return inDomain(zeroByDefault(m) ? `COALESCE(${column}, 0)` : column, m, domain, ctx);
}

/** `LEFT JOIN` of the measures whose value is read on a record, each once. */
export function measureJoins(alias: string, measures: Iterable<MeasurePlan>, ctx: RenderContext, separator = ' '): string {
    let sql = '';
    const seen = new Set<string>();
    for (const m of measures) {
        const join = joinAlias(alias, m, ctx);
        if (seen.has(join)) continue;
        seen.add(join);
        sql += `${separator}LEFT JOIN ${measureSource(m, ctx)} AS ${join} ON ${join}.k = ${measureLink(m, alias, ctx)}`;
    }
    return sql;
}

/** A record of a join tree as a FROM source: its entity's records, with the measures read on it. */
export function recordSource(node: JoinNode, ctx: RenderContext): string {
    return entitySource(node.entity, node.alias, ctx.dialect, ctx) + measureJoins(aliasOf(ctx, node.alias), node.measures, ctx);
}

/** `JOIN child ON ...` for every record below `node`, depth first, each with the measures read on it. */
export function joinedRecords(node: JoinNode, ctx: RenderContext, separator = ' '): string {
    let sql = '';
    for (const child of node.children) {
        sql += `${separator}JOIN ${entitySource(child.entity, child.alias, ctx.dialect, ctx)} ON ${stepConditionOf(child, node, ctx)}`;
        sql += measureJoins(aliasOf(ctx, child.alias), child.measures, ctx);
        sql += joinedRecords(child, ctx, separator);
    }
    return sql;
}

function stepConditionOf(child: JoinNode, parent: JoinNode, ctx: RenderContext): string {
    return stepCondition(child.step!, aliasOf(ctx, parent.alias), parent.entity, child.alias, child.entity, ctx.dialect, ctx);
}

/**
 * A measure's value for the records a query reads, for `show` and `top ... by`: a `LEFT JOIN`
 * to add after the record `alias` of the measure's entity in a FROM clause, and the value (a
 * decimal measure in units of 10^-10, `decimal` true). With `within` (that query's FROM and
 * WHERE), only the records it selects are computed.
 */
export function measureValueJoin(m: MeasurePlan, alias: string, joinAs: string, ctx: RenderContext, within?: { readonly from: string; readonly where: string }): { readonly join: string; readonly value: string; readonly decimal: boolean } {
    const link = measureLink(m, alias, ctx);
    const source = within === undefined ? measureSource(m, ctx) : `(${measureTableSql(m, ctx, `SELECT ${link} FROM ${within.from} WHERE ${within.where}`)})`;
    return {
        join: `LEFT JOIN ${source} AS ${joinAs} ON ${joinAs}.k = ${link}`,
        value: zeroByDefault(m) ? `COALESCE(${joinAs}.v, 0)` : `${joinAs}.v`,
        decimal: isDecimalMeasure(m)
    };
}
