import type { CompareOperator, Domain, Literal, Operand } from '../ir.js';
import { addOffset } from '../time.js';
import { aliasOf, storageOf } from './relations.js';
import { resolveTime, type RenderContext as SqlContext } from './to-sql.js';

/** Calendar days, `from` inclusive, `before` exclusive (either may be open). */
export interface Days {
    readonly from?: string;
    readonly before?: string;
}

/**
 * Range hints for date and datetime comparisons: the calendar days a matching stored value
 * must fall in. Added next to the exact comparison, they let an index on the raw column narrow
 * the rows without changing the result. `sure` is the days on which every stored value matches,
 * decided by its text alone, so that the exact test (a date function per row) runs only on the
 * days at the edges; `'all'` when the comparison is on days, and the range is the whole test.
 */
export interface DayRange extends Days {
    readonly sure?: Days | 'all';
}

const nextDay = (day: string): string => addOffset(day, false, { sign: 1, amount: 1, unit: 'day' });
const previousDay = (day: string): string => addOffset(day, false, { sign: -1, amount: 1, unit: 'day' });

function dayOf(l: Literal, ctx: SqlContext): string | undefined {
    return l.node === 'time' ? resolveTime(l, ctx.clock).slice(0, 10) : undefined;
}

export function compareDays(op: CompareOperator, right: Literal, domain: Domain, ctx: SqlContext): DayRange {
    const day = dayOf(right, ctx);
    if (day === undefined || (domain !== 'date' && domain !== 'datetime')) return {};
    if (domain === 'date') {
        // On days the range is exact: `> D` starts the next day and `<= D` ends with it.
        switch (op) {
            case '=': return { from: day, before: nextDay(day), sure: 'all' };
            case '>=': return { from: day, sure: 'all' };
            case '>': return { from: nextDay(day), sure: 'all' };
            case '<': return { before: day, sure: 'all' };
            case '<=': return { before: nextDay(day), sure: 'all' };
            case '!=': return {};
        }
    }
    // On datetimes the bound's own day needs the exact test; the days beyond it do not.
    switch (op) {
        case '=': return { from: day, before: nextDay(day) };
        case '>=':
        case '>': return { from: day, sure: { from: nextDay(day) } };
        case '<':
        case '<=': return { before: nextDay(day), sure: { before: day } };
        case '!=': return {};
    }
}

export function betweenDays(low: Literal, high: Literal, domain: Domain, ctx: SqlContext): DayRange {
    const from = dayOf(low, ctx);
    const to = dayOf(high, ctx);
    if (from === undefined || to === undefined || (domain !== 'date' && domain !== 'datetime')) return {};
    return { from, before: nextDay(to), sure: domain === 'date' ? 'all' : { from: nextDay(from), before: to } };
}

/**
 * `exact`, preceded by the dialect's stored-value bounds when the operand is a plain date
 * column: `(bounds AND (sure days OR exact))`. Stored dates and datetimes are ISO text that
 * starts with the day (the reference's storage rule), so text order decides the sure days.
 * A value with an offset may be stored a day off its UTC day: with offsets in the column the
 * bounds are a day wider and the sure days a day narrower; with unreadable values in it
 * (`2026/06/01` sorts among the days) no day is sure.
 */
export function withDayBounds(exact: string, left: Operand, given: DayRange, ctx: SqlContext): string {
    if (left.node !== 'column' || (left.attribute.type !== 'date' && left.attribute.type !== 'datetime')) return exact;
    const storage = storageOf(ctx, left.attribute);
    const range = storage.offsets || storage.unreadable ? widened(given, storage.offsets, storage.unreadable) : given;
    const column = `${aliasOf(ctx, left.alias)}.${ctx.dialect.quoteIdentifier(left.attribute.column)}`;
    /** The text tests for `days`, or undefined when the dialect has none. */
    const bounds = (days: Days): string[] | undefined => {
        const parts = [
            ...(days.from !== undefined ? [ctx.dialect.storedDayBound(column, 'from', days.from)] : []),
            ...(days.before !== undefined ? [ctx.dialect.storedDayBound(column, 'before', days.before)] : [])
        ];
        return parts.every((p): p is string => p !== undefined) ? parts : undefined;
    };
    const hints = bounds(range) ?? [];
    if (hints.length === 0) return exact;
    if (range.sure === 'all') return `(${hints.join(' AND ')})`;
    const sure = range.sure && !empty(range.sure) ? bounds(range.sure) : undefined;
    const decided = sure && sure.length > 0 ? `(${sure.join(' AND ')} OR ${exact})` : exact;
    return `(${[...hints, decided].join(' AND ')})`;
}

/** The range for a column whose stored days may be a day off (offsets), or not decided by their text (unreadable values). */
function widened(range: DayRange, offsets: boolean, unreadable: boolean): DayRange {
    const wide = (days: Days): Days => ({
        ...(days.from !== undefined ? { from: offsets ? previousDay(days.from) : days.from } : {}),
        ...(days.before !== undefined ? { before: offsets ? nextDay(days.before) : days.before } : {})
    });
    const narrow = (days: Days): Days => ({
        ...(days.from !== undefined ? { from: offsets ? nextDay(days.from) : days.from } : {}),
        ...(days.before !== undefined ? { before: offsets ? previousDay(days.before) : days.before } : {})
    });
    const sure = unreadable || range.sure === undefined ? undefined : narrow(range.sure === 'all' ? range : range.sure);
    return { ...wide(range), ...(sure ? { sure } : {}) };
}

const empty = (days: Days): boolean => days.from !== undefined && days.before !== undefined && days.from >= days.before;
