import type { CompareOperator, Domain, Literal, Operand } from '../ir.js';
import { addOffset } from '../time.js';
import { aliasOf } from './relations.js';
import { resolveTime, type RenderContext as SqlContext } from './to-sql.js';

/**
 * Range hints for date and datetime comparisons: the calendar days a matching stored value
 * must fall in (`from` inclusive, `before` exclusive). Added next to the exact comparison, they
 * let an index on the raw column narrow the rows without changing the result. `sure` is the
 * days on which every stored value matches: a value there is decided by its text alone, and
 * the exact test (a date function per row) runs only on the days at the edges.
 */
export interface DayRange {
    readonly from?: string;
    readonly before?: string;
    readonly sure?: { readonly from?: string; readonly before?: string };
}

const nextDay = (day: string): string => addOffset(day, false, { sign: 1, amount: 1, unit: 'day' });

function dayOf(l: Literal, ctx: SqlContext): string | undefined {
    return l.node === 'time' ? resolveTime(l, ctx.clock).slice(0, 10) : undefined;
}

export function compareDays(op: CompareOperator, right: Literal, domain: Domain, ctx: SqlContext): DayRange {
    const day = dayOf(right, ctx);
    if (day === undefined || (domain !== 'date' && domain !== 'datetime')) return {};
    // On days the range is exact: `> D` starts the next day and `<= D` ends with it. On datetimes
    // only the day is known: the bound's own day needs the exact test, the days beyond it do not.
    const onDays = domain === 'date';
    const range = ((): DayRange => {
        switch (op) {
            case '=': return onDays ? { from: day, before: nextDay(day) } : { from: day, before: nextDay(day), sure: {} };
            case '>=': return onDays ? { from: day } : { from: day, sure: { from: nextDay(day) } };
            case '>': return onDays ? { from: nextDay(day) } : { from: day, sure: { from: nextDay(day) } };
            case '<': return onDays ? { before: day } : { before: nextDay(day), sure: { before: day } };
            case '<=': return onDays ? { before: nextDay(day) } : { before: nextDay(day), sure: { before: day } };
            case '!=': return {};
        }
    })();
    return onDays ? { ...range, sure: { from: range.from, before: range.before } } : range;
}

export function betweenDays(low: Literal, high: Literal, domain: Domain, ctx: SqlContext): DayRange {
    const from = dayOf(low, ctx);
    const to = dayOf(high, ctx);
    if (from === undefined || to === undefined || (domain !== 'date' && domain !== 'datetime')) return {};
    const before = nextDay(to);
    return { from, before, sure: domain === 'date' ? { from, before } : { from: nextDay(from), before: to } };
}

/**
 * `exact`, preceded by the dialect's stored-value bounds when the operand is a plain date
 * column: `(bounds AND (sure days OR exact))`. Stored dates and datetimes are ISO text that
 * starts with the day (the reference's storage rule), so text order decides the sure days.
 */
export function withDayBounds(exact: string, left: Operand, range: DayRange, ctx: SqlContext): string {
    if (left.node !== 'column' || (left.attribute.type !== 'date' && left.attribute.type !== 'datetime')) return exact;
    const column = `${aliasOf(ctx, left.alias)}.${ctx.dialect.quoteIdentifier(left.attribute.column)}`;
    const bounds = (r: { readonly from?: string; readonly before?: string }): string[] | undefined => {
        const parts = [
            ...(r.from !== undefined ? [ctx.dialect.storedDayBound(column, 'from', r.from)] : []),
            ...(r.before !== undefined ? [ctx.dialect.storedDayBound(column, 'before', r.before)] : [])
        ];
        return parts.every((p): p is string => p !== undefined) ? parts : undefined;
    };
    const hints = bounds(range) ?? [];
    if (hints.length === 0) return exact;
    const sure = range.sure ? bounds(range.sure) : undefined;
    // The whole range is sure (a comparison on days): the bounds are the test.
    if (sure && sure.join() === hints.join()) return `(${hints.join(' AND ')})`;
    const decided = sure && sure.length > 0 && !emptyRange(range.sure!) ? `(${sure.join(' AND ')} OR ${exact})` : exact;
    return `(${[...hints, decided].join(' AND ')})`;
}

const emptyRange = (r: { readonly from?: string; readonly before?: string }): boolean => r.from !== undefined && r.before !== undefined && r.from >= r.before;
