import type { ColumnStorage } from '../storage.js';
import { quoteString } from './dialect.js';

/**
 * SQLite readings of stored values in every form the reference accepts (section 2), for
 * columns that are not plain. SQLite has no regular expressions: forms are checked with GLOB.
 * A value that fits no form reads as NULL.
 */

const DAY = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]';
const CLOCK = '[0-2][0-9]:[0-5][0-9]:[0-5][0-9]';

/** `[+-]?digits[.digits]` once spaces around it are gone. */
function numberText(t: string): string {
    const unsigned = `(CASE WHEN substr(${t}, 1, 1) IN ('+', '-') THEN substr(${t}, 2) ELSE ${t} END)`;
    return `(${unsigned} GLOB '[0-9]*' AND ${unsigned} GLOB '*[0-9]' AND ${unsigned} NOT GLOB '*[^0-9.]*' AND ${unsigned} NOT GLOB '*.*.*')`;
}

export function sqliteNumber(column: string, storage: ColumnStorage): string {
    if (storage.plain) return column;
    const t = `trim(${column})`;
    // `9007199254740993.0` is the integer it writes: SQLite would read any text with a point as a double.
    const point = `instr(${t}, '.')`;
    const whole = `(CASE WHEN ${point} > 0 AND rtrim(substr(${t}, ${point} + 1), '0') = '' THEN substr(${t}, 1, ${point} - 1) ELSE ${t} END)`;
    return `(CASE WHEN typeof(${column}) IN ('integer', 'real') THEN ${column} WHEN typeof(${column}) = 'text' AND ${numberText(t)} THEN CAST(${whole} AS NUMERIC) END)`;
}

export function sqliteText(column: string, storage: ColumnStorage): string {
    if (storage.plain) return column;
    return `(CASE WHEN typeof(${column}) = 'text' THEN ${column} WHEN typeof(${column}) IN ('integer', 'real') THEN CAST(${column} AS TEXT) END)`;
}

export function sqliteKey(column: string, type: 'number' | 'text', storage: ColumnStorage): string {
    if (storage.plain) return column;
    if (type === 'text') return sqliteText(column, storage);
    // Integral reals and numeric text read as the integer they are (`7.0` and `"7"` are 7).
    const n = sqliteNumber(column, storage);
    return `(CASE WHEN typeof(${column}) = 'integer' THEN ${column} ELSE (CASE WHEN ${n} = CAST(${n} AS INTEGER) THEN CAST(${n} AS INTEGER) ELSE ${n} END) END)`;
}

export function sqliteBoolean(column: string, storage: ColumnStorage): string {
    if (storage.plain) return column;
    return `(CASE WHEN typeof(${column}) IN ('integer', 'real') THEN (CASE ${column} WHEN 1 THEN 1 WHEN 0 THEN 0 END) `
        + `WHEN typeof(${column}) = 'text' THEN (CASE lower(trim(${column})) WHEN 'true' THEN 1 WHEN 'false' THEN 0 WHEN '1' THEN 1 WHEN '0' THEN 0 END) END)`;
}

/**
 * An ISO date or datetime in any accepted form (`T` or space, fraction, `Z`, `+HH:MM`,
 * `-HHMM`) as UTC text `YYYY-MM-DD HH:MM:SS` with the fraction of a second when it is not
 * zero (`.25`), which compares correctly with datetime literals; NULL for anything else,
 * impossible days (`2026-02-30`) included.
 */
export function sqliteDateTime(column: string): string {
    const c = column;
    const tail = `substr(${c}, 20)`;
    const zone = `(CASE WHEN substr(${tail}, 1, 1) = '.' THEN ltrim(substr(${tail}, 2), '0123456789') ELSE ${tail} END)`;
    const fractionOk = `(substr(${tail}, 1, 1) <> '.' OR substr(${tail}, 2, 1) GLOB '[0-9]')`;
    const zoneOk = `(${zone} IN ('', 'Z') OR ${zone} GLOB '[+-][0-2][0-9]:[0-5][0-9]' OR ${zone} GLOB '[+-][0-2][0-9][0-5][0-9]' OR ${zone} GLOB '[+-][0-2][0-9]')`;
    const form = `(typeof(${c}) = 'text' AND substr(${c}, 1, 10) GLOB '${DAY}' AND substr(${c}, 1, 4) <> '0000' AND date(substr(${c}, 1, 10)) = substr(${c}, 1, 10) AND (length(${c}) = 10 OR `
        + `(substr(${c}, 11, 1) IN (' ', 'T') AND substr(${c}, 12, 8) GLOB '${CLOCK}' AND substr(${c}, 12, 2) < '24' AND ${fractionOk} AND ${zoneOk})))`;
    // SQLite reads `+HH:MM` but not `+HHMM` or `+HH`: put the minutes in.
    const normal = `(CASE WHEN ${zone} GLOB '[+-][0-9][0-9][0-9][0-9]' THEN substr(${c}, 1, length(${c}) - 2) || ':' || substr(${c}, -2) `
        + `WHEN ${zone} GLOB '[+-][0-9][0-9]' THEN ${c} || ':00' ELSE ${c} END)`;
    return `(CASE WHEN ${form} THEN rtrim(rtrim(strftime('%Y-%m-%d %H:%M:%f', ${normal}), '0'), '.') END)`;
}

export function sqliteDate(column: string): string {
    return `substr(${sqliteDateTime(column)}, 1, 10)`;
}

/** The integer that makes the query fail with "integer overflow": SQLite's only way to stop a query from SQL. */
const OVERFLOW = 'abs(-9223372036854775807 - 1)';

/**
 * A number in units of 10^-10 (see `Dialect.decimalUnits`): integers exactly; reals to 15
 * significant digits by scaling with the power of ten that keeps the product under 10^15,
 * where a double is exact to less than half a unit. Beyond 64-bit units the query fails.
 */
export function sqliteDecimalUnits(n: string): string {
    const steps = [6, 7, 8].map(k => `WHEN abs(${n}) < 1e${k} THEN CAST(round(${n} * 1e${15 - k}) AS INTEGER) * ${10 ** (k - 5)}`);
    // The usual case first: below 10^5 a product with 10^10 is exact enough for integers and reals alike.
    return `(CASE WHEN abs(${n}) < 100000 THEN CAST(round(${n} * 1e10) AS INTEGER) WHEN ${n} IS NULL THEN NULL `
        + `WHEN typeof(${n}) = 'integer' THEN (CASE WHEN abs(${n}) <= 922337203 THEN ${n} * 10000000000 ELSE ${OVERFLOW} END) `
        + `${steps.join(' ')} WHEN abs(${n}) < 922337203 THEN CAST(round(${n} * 1e6) AS INTEGER) * 10000 ELSE ${OVERFLOW} END)`;
}

export function sqliteDecimalAverage(sum: string, count: string): string {
    const r = `(${sum}) % (${count})`;
    return `(CASE WHEN (${count}) > 0 THEN (${sum}) / (${count}) + (CASE WHEN 2 * abs(${r}) >= (${count}) THEN (CASE WHEN (${sum}) < 0 THEN -1 ELSE 1 END) ELSE 0 END) END)`;
}

/** Kept for symmetry with the other readings: text bounds on the raw column. */
export function sqliteStoredDayBound(column: string, bound: 'from' | 'before', day: string): string {
    return `${column} ${bound === 'from' ? '>=' : '<'} ${quoteString(day)}`;
}

/**
 * Whether a stored value is in its type's plain form, which `date()`, `datetime()` and plain
 * comparisons read exactly: 1 or 0 (NULL for NULL). Written to cost little per row, as it is
 * asked of every row once per copy of the data: comparisons with `''` (numbers sort before
 * text), and for dates one GLOB for the usual shape, the calendar asked only about days past
 * the 28th (conditions of CASE are tested in turn; those of OR are not).
 */
export function sqlitePlainValue(column: string, type: 'text' | 'number' | 'boolean' | 'date' | 'datetime'): string {
    const c = column;
    switch (type) {
        case 'number': return `(${c} < '')`;
        case 'text': return `(${c} >= '' AND ${c} < x'')`;
        case 'boolean': return `(${c} < '' AND ${c} IN (0, 1))`;
        case 'date':
        case 'datetime': {
            const stamp = `${DAY}[ T]${CLOCK}`;
            const shape = `(CASE WHEN ${c} GLOB '${stamp}' THEN 1 WHEN ${c} GLOB '${DAY}' THEN 1 WHEN ${c} GLOB '${stamp}Z' THEN 1 ELSE 0 END)`;
            const calendar = `(CASE WHEN substr(${c}, 9, 2) <= '28' THEN 1 WHEN date(substr(${c}, 1, 10)) = substr(${c}, 1, 10) THEN 1 ELSE 0 END)`;
            return `(CASE WHEN ${c} IS NULL THEN NULL WHEN ${shape} = 0 THEN 0 WHEN substr(${c}, 6, 2) NOT BETWEEN '01' AND '12' OR substr(${c}, 1, 4) = '0000' THEN 0 `
                + `WHEN length(${c}) > 10 AND substr(${c}, 12, 2) >= '24' THEN 0 ELSE ${calendar} END)`;
        }
    }
}
