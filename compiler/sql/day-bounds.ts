import type { CompareOperator, Domain, Literal, Operand } from '../ir.js';
import { addOffset } from '../time.js';
import { aliasOf } from './relations.js';
import { resolveTime, type RenderContext as SqlContext } from './to-sql.js';

/**
 * Range hints for date and datetime comparisons: the calendar days a matching stored value
 * must fall in (`from` inclusive, `before` exclusive). Added next to the exact comparison, they
 * let an index on the raw column narrow the rows without changing the result.
 */
export interface DayRange {
    readonly from?: string;
    readonly before?: string;
}

const nextDay = (day: string): string => addOffset(day, false, { sign: 1, amount: 1, unit: 'day' });

function dayOf(l: Literal, ctx: SqlContext): string | undefined {
    return l.node === 'time' ? resolveTime(l, ctx.clock).slice(0, 10) : undefined;
}

export function compareDays(op: CompareOperator, right: Literal, domain: Domain, ctx: SqlContext): DayRange {
    const day = dayOf(right, ctx);
    if (day === undefined || (domain !== 'date' && domain !== 'datetime')) return {};
    // On days, `> D` starts the next day and `<= D` ends with it; on datetimes only the day is known.
    const strictDay = domain === 'date';
    switch (op) {
        case '=': return { from: day, before: nextDay(day) };
        case '>=': return { from: day };
        case '>': return { from: strictDay ? nextDay(day) : day };
        case '<': return { before: strictDay ? day : nextDay(day) };
        case '<=': return { before: nextDay(day) };
        case '!=': return {};
    }
}

export function betweenDays(low: Literal, high: Literal, domain: Domain, ctx: SqlContext): DayRange {
    const from = dayOf(low, ctx);
    const to = dayOf(high, ctx);
    if (from === undefined || to === undefined || (domain !== 'date' && domain !== 'datetime')) return {};
    return { from, before: nextDay(to) };
}

/** `exact`, preceded by the dialect's stored-value bounds when the operand is a plain date column. */
export function withDayBounds(exact: string, left: Operand, range: DayRange, ctx: SqlContext): string {
    if (left.node !== 'column' || (left.attribute.type !== 'date' && left.attribute.type !== 'datetime')) return exact;
    const column = `${aliasOf(ctx, left.alias)}.${ctx.dialect.quoteIdentifier(left.attribute.column)}`;
    const hints: string[] = [];
    if (range.from !== undefined) hints.push(ctx.dialect.storedDayBound(column, 'from', range.from) ?? '');
    if (range.before !== undefined) hints.push(ctx.dialect.storedDayBound(column, 'before', range.before) ?? '');
    const used = hints.filter(h => h !== '');
    return used.length === 0 ? exact : `(${[...used, exact].join(' AND ')})`;
}
