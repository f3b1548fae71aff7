import type { ColumnStorage } from '../storage.js';
import { quoteString } from './dialect.js';

/**
 * Readings of stored values in every form the reference accepts (section 2) for engines with
 * regular expressions (PostgreSQL, DuckDB), for columns that are not plain. A value that fits
 * no form reads as NULL.
 */
export interface RegexEngine {
    /** `text` as a whole matches the regular expression `pattern`. */
    matches(text: string, pattern: string): string;
    /** The text of a value of any type. */
    asText(column: string): string;
    /**
     * The exact type numbers stored as text are read as: decimal text is exact, integers up to
     * 64 bits included (a double would round `9007199254740993`).
     */
    readonly number: string;
}

export const NUMBER_FORM = '^[+-]?[0-9]+([.][0-9]+)?$';
export const DATETIME_FORM = '^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])'
    + '([ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$';
/** The offset at the end of a datetime, when it has one other than `Z`. */
export const ZONE_FORM = '[+-][0-9]{2}(:?[0-9]{2})?$';

export function regexNumber(e: RegexEngine, column: string, storage: ColumnStorage): string {
    if (storage.plain) return column;
    const t = `trim(${e.asText(column)})`;
    return `(CASE WHEN ${e.matches(t, NUMBER_FORM)} THEN CAST(${t} AS ${e.number}) END)`;
}

export function regexText(e: RegexEngine, column: string, storage: ColumnStorage): string {
    return storage.plain ? column : e.asText(column);
}

export function regexKey(e: RegexEngine, column: string, type: 'number' | 'text', storage: ColumnStorage): string {
    if (storage.plain) return column;
    return type === 'text' ? e.asText(column) : regexNumber(e, column, storage);
}

export function regexBoolean(e: RegexEngine, column: string, storage: ColumnStorage): string {
    if (storage.plain) return `CAST(${column} AS INTEGER)`;
    return `(CASE lower(trim(${e.asText(column)})) WHEN 'true' THEN 1 WHEN 'false' THEN 0 WHEN '1' THEN 1 WHEN '0' THEN 0 WHEN '1.0' THEN 1 WHEN '0.0' THEN 0 END)`;
}

/** The plain forms of dates and datetimes in text: what a cast to TIMESTAMP reads exactly. */
export const PLAIN_DATETIME_FORM = '^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])'
    + '([ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z?)?$';

/**
 * Whether a stored value is plain for its type (1 or 0, NULL for NULL), for text columns of an
 * engine with typed columns: dates and datetimes in their plain text forms (`validDay` checks
 * the calendar: `2026-02-30` is no day), which the dialect then reads with a plain cast. Text
 * read as numbers or booleans is never plain there (it cannot be compared as it is).
 */
export function regexPlainValue(e: RegexEngine, validDay: (text: string) => string): (column: string, type: string) => string | undefined {
    return (column, type) => {
        if (type !== 'date' && type !== 'datetime') return undefined;
        const t = e.asText(column);
        return `(CASE WHEN ${column} IS NULL THEN NULL WHEN ${e.matches(t, PLAIN_DATETIME_FORM)} THEN (CASE WHEN ${validDay(t)} THEN 1 ELSE 0 END) ELSE 0 END)`;
    };
}

/** The test that a text is one of the accepted date and datetime forms. */
export const dateTimeForm = (e: RegexEngine, text: string): string => e.matches(text, DATETIME_FORM);

export const zoneForm = (e: RegexEngine, text: string): string => e.matches(`substr(${text}, 20)`, ZONE_FORM);

export { quoteString };
