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

/** The test that a text is one of the accepted date and datetime forms. */
export const dateTimeForm = (e: RegexEngine, text: string): string => e.matches(text, DATETIME_FORM);

export const zoneForm = (e: RegexEngine, text: string): string => e.matches(`substr(${text}, 20)`, ZONE_FORM);

export { quoteString };
