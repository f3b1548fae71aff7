import type { AggregateRef, Condition, Literal } from '../ir.js';
import type { PathStep } from '../paths.js';
import type { SchemaEntity } from '../schema.js';
import { PLAIN_STORAGE } from '../storage.js';
import { decimalUnitsLiteral, decimalUnitsOf } from './dialect.js';
import { aliasOf, entitySource, joinClauses, keyColumn, stepCondition, stepLink, storageOf } from './relations.js';
import { conditionSql, type RenderContext } from './to-sql.js';

/** A comparison of a value with literals (the right side of `compare` a literal). */
export type ValueTest = (Extract<Condition, { node: 'compare' }> & { readonly right: Literal }) | Extract<Condition, { node: 'in' | 'between' }>;

type AggregateCondition = ValueTest & { left: AggregateRef };

/**
 * An aggregate comparison as a two-valued condition on the outer record. Records whose
 * aggregate passes are found in one grouped pass over the related records
 * (`customer_id IN (SELECT customer_id FROM purchases ... GROUP BY customer_id HAVING ...)`);
 * when profiles with no related record pass too (`count(...) < 3`), the complement is excluded
 * instead, and "none at all" (`count(...) = 0`) is a correlated `NOT EXISTS`, which an index
 * on the foreign key answers without reading the related table.
 */
export function aggregateCondition(c: AggregateCondition, compare: (value: string) => string, ctx: RenderContext): string {
    const a = c.left;
    const parts = aggregateParts(a, ctx);
    const zeroPasses = passesAt(a.fn, c, 0);
    if (zeroPasses && a.fn === 'count' && !passesAt(a.fn, c, 1) && c.node === 'compare' && ['=', '<', '<='].includes(c.operator)) {
        return `NOT EXISTS (SELECT 1 FROM ${parts.from} WHERE ${[parts.correlation, ...parts.where].join(' AND ')})`;
    }
    const g = groupedRecords(a, parts, [], ctx);
    // A datetime aggregate compared with a date compares its calendar date (the aggregate is already read).
    const value = a.attribute?.type === 'datetime' && c.domain === 'date' ? ctx.dialect.columnAsDate(g.value, 'datetime', PLAIN_STORAGE) : g.value;
    const having = zeroPasses ? `NOT (${compare(value)})` : compare(value);
    const grouped = `SELECT ${g.link} AS l FROM ${g.from} GROUP BY ${g.groupBy} HAVING ${having}`;
    if (!zeroPasses) return `${parts.outer} IN (${grouped})`;
    const alias = `${a.target.alias}_g`;
    return ctx.dialect.notAmong(parts.outer, { column: `${alias}.l`, from: `(${grouped}) AS ${alias}`, where: [] });
}

/** `aggregate is [not] empty`: count and sum are never missing; avg, min and max when no related value exists. */
export function aggregateEmpty(a: AggregateRef, negated: boolean, ctx: RenderContext): string {
    if (a.fn === 'count' || a.fn === 'sum') return negated ? '1 = 1' : '1 = 0';
    const parts = aggregateParts(a, ctx);
    const exists = `EXISTS (SELECT 1 FROM ${parts.from} WHERE ${[parts.correlation, ...parts.where, `${parts.valueColumn} IS NOT NULL`].join(' AND ')})`;
    return negated ? exists : `NOT ${exists}`;
}

const where = (items: readonly string[]): string => (items.length ? ` WHERE ${items.join(' AND ')}` : '');

/** Whether the comparison holds for a record with no related records (count and sum are `n` = 0, the rest missing). */
export function passesAt(fn: AggregateRef['fn'], c: ValueTest, n: number): boolean {
    if (fn !== 'count' && fn !== 'sum') return false;
    const num = (l: { node: string; value?: unknown }): number | undefined => (l.node === 'number' ? (l.value as number) : undefined);
    switch (c.node) {
        case 'compare': {
            const v = num(c.right);
            if (v === undefined) return false;
            return { '=': n === v, '!=': n !== v, '<': n < v, '<=': n <= v, '>': n > v, '>=': n >= v }[c.operator];
        }
        case 'in':
            return c.values.some(v => num(v) === n) !== c.negated;
        case 'between': {
            const [lo, hi] = [num(c.low), num(c.high)];
            return lo !== undefined && hi !== undefined && lo <= n && n <= hi;
        }
    }
}

/**
 * The aggregate over the related records' values. `sum` and `avg` of numbers add exact
 * decimal units (section 4.2; `isDecimal`), so their comparisons are made in units too.
 */
function aggregateExpression(a: AggregateRef, column: string | undefined, ctx: RenderContext): string {
    if (a.fn === 'count') return 'COUNT(*)';
    if (isDecimal(a)) {
        const units = ctx.dialect.decimalUnits(column as string);
        return a.fn === 'sum' ? `COALESCE(SUM(${units}), 0)` : ctx.dialect.decimalAverage(`SUM(${units})`, `COUNT(${units})`);
    }
    return `${a.fn.toUpperCase()}(${column})`;
}

/**
 * The aggregate for every outer record that has related records, as `SELECT k, v`: `k` the
 * linking key, `v` the aggregate (`sum` and `avg` of numbers in decimal units); an outer record
 * with none has no row (count and sum 0, the others missing). `within`, a query of keys, limits
 * the outer records computed (the members a `show` lists).
 */
export function aggregateTable(a: AggregateRef, ctx: RenderContext, within?: string): string {
    const parts = aggregateParts(a, ctx);
    const g = groupedRecords(a, parts, within !== undefined ? [`${parts.inner} IN (${within})`] : [], ctx);
    return `SELECT ${g.link} AS k, ${g.value} AS v FROM ${g.from} GROUP BY ${g.groupBy}`;
}

/**
 * The related records grouped by their link to the outer record: the FROM (with its WHERE),
 * the link, the aggregate and the GROUP BY term. Records with no link to an outer record belong
 * to none and are left out. With one row per aggregated record, they are grouped as they are;
 * when the path or the `where` joins repeat a record, `min` and `max` are not changed by the
 * repeats, `count` counts distinct keys of a record reached by a foreign key (whose key is never
 * missing), and the others aggregate the distinct records first.
 */
function groupedRecords(a: AggregateRef, parts: AggregateParts, extra: readonly string[], ctx: RenderContext): { from: string; link: string; value: string; groupBy: string } {
    const linked = [...parts.where, `${parts.inner} IS NOT NULL`, ...extra];
    const last = a.path[a.path.length - 1];
    const keyNeverMissing = last !== undefined && last.step.relationship.from === last.step.from;
    if (parts.oneEach || a.fn === 'min' || a.fn === 'max' || (a.fn === 'count' && keyNeverMissing)) {
        // `count(E)` with no `where` and one row each reads only the foreign key: an index on it covers the grouping.
        const covered = parts.oneEach && a.fn === 'count' && parts.where.length === 0;
        return {
            from: `${parts.from}${where(linked)}`,
            link: parts.inner,
            value: parts.oneEach || a.fn !== 'count' ? aggregateExpression(a, parts.valueColumn, ctx) : `COUNT(DISTINCT ${parts.key})`,
            groupBy: covered ? parts.inner : ctx.dialect.groupByScan(parts.inner)
        };
    }
    return {
        from: `(SELECT DISTINCT ${parts.inner} AS l, ${parts.key} AS k${parts.valueColumn ? `, ${parts.valueColumn} AS v` : ''} FROM ${parts.from}${where(linked)}) AS d`,
        link: 'd.l',
        value: aggregateExpression(a, 'd.v', ctx),
        groupBy: 'd.l'
    };
}

/**
 * The aggregate for one outer record, as a correlated scalar subquery (`ctx.rename` maps the
 * aggregate's outer alias to the record's): 0 for `count` and `sum` over no records, missing
 * for the others. What a `top` step orders by: an index on the foreign key answers it per
 * member, where a table of every record's value would aggregate the whole related table.
 */
export function aggregateValue(a: AggregateRef, ctx: RenderContext): string {
    const parts = aggregateParts(a, ctx);
    const where = [parts.correlation, ...parts.where];
    if (parts.oneEach) return `(SELECT ${aggregateExpression(a, parts.valueColumn, ctx)} FROM ${parts.from} WHERE ${where.join(' AND ')})`;
    const distinct = `SELECT DISTINCT ${parts.key} AS k${parts.valueColumn ? `, ${parts.valueColumn} AS v` : ''} FROM ${parts.from} WHERE ${where.join(' AND ')}`;
    return `(SELECT ${aggregateExpression(a, 'd.v', ctx)} FROM (${distinct}) AS d)`;
}

/** `sum` and `avg` of a number attribute: computed and compared in decimal units of 10^-10. */
export function isDecimal(a: AggregateRef): boolean {
    return (a.fn === 'sum' || a.fn === 'avg') && a.attribute?.type === 'number';
}

/** A number compared with a decimal aggregate, in its units. */
export function decimalLiteralSql(literal: { readonly value: number; readonly integer?: bigint }, ctx: RenderContext): string {
    return ctx.dialect.integerLiteral(literal.integer !== undefined ? decimalUnitsOf(literal.integer.toString()) : decimalUnitsLiteral(literal.value));
}


interface AggregateParts {
    /** The related records: the path from the outer record, then the `where` records. */
    readonly from: string;
    /** The equality tying the first record of the path to the outer record. */
    readonly correlation: string;
    readonly where: readonly string[];
    /** The linking column on the outer record, and on the first record of the path. */
    readonly outer: string;
    readonly inner: string;
    readonly key: string;
    readonly valueColumn?: string;
    /** One row per aggregated record (no fan-out from the path or the `where` joins). */
    readonly oneEach: boolean;
}

interface ChainRecord {
    readonly alias: string;
    readonly entity: SchemaEntity;
    readonly step: PathStep;
}

/**
 * The join of a path's record to the one before it. A step to the record a foreign key names
 * (`Purchase -> Customer`), with no `where` to select among those records, finds each by its
 * key: the foreign key is written as the dialect's scan term, so the planner reads the table
 * with the foreign key in its own order rather than each of its rows through the index on the
 * foreign key (SQLite: Product.Buyers at medium, 2 M purchases joined to their customers,
 * about 15% less CPU).
 */
function chainCondition(a: AggregateRef, prev: ChainRecord, next: ChainRecord, ctx: RenderContext): string {
    const d = ctx.dialect;
    if (a.where !== undefined || next.step.relationship.from !== next.step.from) return stepCondition(next.step, prev.alias, prev.entity, next.alias, next.entity, d, ctx);
    const link = stepLink(next.step, prev.alias, prev.entity, next.alias, next.entity, d, ctx);
    return `${link.to} = ${d.groupByScan(link.from)}`;
}

function aggregateParts(a: AggregateRef, ctx: RenderContext): AggregateParts {
    const d = ctx.dialect;
    const q = d.quoteIdentifier;
    const target = a.target;
    const outerAlias = aliasOf(ctx, a.outer.alias);
    const chain = a.path.map(({ step, entity }, i) => ({ alias: i === a.path.length - 1 ? target.alias : `${target.alias}_p${i}`, entity, step }));
    let from: string;
    let link: { from: string; to: string };
    if (chain.length === 0) {
        from = entitySource(target.entity, target.alias, d, ctx);
        link = { from: keyColumn(outerAlias, target.entity.key, d, ctx), to: keyColumn(target.alias, target.entity.key, d, ctx) };
    } else {
        from = entitySource(chain[0].entity, chain[0].alias, d, ctx);
        link = stepLink(chain[0].step, outerAlias, a.outer.entity, chain[0].alias, chain[0].entity, d, ctx);
        for (let i = 1; i < chain.length; i++) {
            from += ` JOIN ${entitySource(chain[i].entity, chain[i].alias, d, ctx)} ON ${chainCondition(a, chain[i - 1], chain[i], ctx)}`;
        }
    }
    from += joinClauses(target, d, ctx, ' ');
    const attribute = a.attribute;
    const column = attribute ? `${target.alias}.${q(attribute.column)}` : undefined;
    const valueColumn = column === undefined || attribute === undefined ? undefined
        : attribute.type === 'date' ? d.columnAsDate(column, 'date', storageOf(ctx, attribute))
        : attribute.type === 'datetime' ? d.columnAsDateTime(column, 'datetime', storageOf(ctx, attribute))
        : attribute.type === 'number' ? d.readNumber(column, storageOf(ctx, attribute))
        : attribute.type === 'boolean' ? d.columnAsBoolean(column, storageOf(ctx, attribute))
        : d.readText(column, storageOf(ctx, attribute));
    return {
        from, correlation: `${link.to} = ${link.from}`, outer: link.from, inner: link.to,
        where: a.where ? [conditionSql(a.where, ctx, false)] : [],
        key: keyColumn(target.alias, target.entity.key, d, ctx),
        ...(valueColumn !== undefined ? { valueColumn } : {}),
        oneEach: chain.length <= 1 && target.children.length === 0
    };
}
