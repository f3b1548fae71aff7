import { ASCII_LOWER, ASCII_UPPER, asciiLower, finiteNumber, offsetAmount, integerDigits, likePattern, nestedSetOperation, notExistsAmong, quoteDoubled, quoteString, type Dialect } from './dialect.js';
import { dateTimeForm, regexBoolean, regexKey, regexNumber, regexPlainValue, regexText, type RegexEngine } from './regex-reads.js';

const duck: RegexEngine = {
    matches: (text, pattern) => `regexp_matches(${text}, ${quoteString(pattern)})`,
    asText: column => `CAST(${column} AS VARCHAR)`,
    // 20 digits before the point hold every 64-bit integer; 18 after it, more than a double keeps.
    number: 'DECIMAL(38, 18)'
};

/** Text columns holding dates only in their plain forms are read with a plain cast. */
export const duckdbPlainValue = regexPlainValue(duck, t => `TRY_CAST(substr(${t}, 1, 10) AS DATE) IS NOT NULL`);

/**
 * A stored value (ISO text in any accepted form) as a UTC timestamp to the millisecond; NULL
 * for anything else. DuckDB's own cast accepts more forms than the reference (`2026/06/01`)
 * and drops offsets, so the form is checked first and the fraction and offset applied here.
 */
function asTimestamp(column: string): string {
    const t = `CAST(${column} AS VARCHAR)`;
    const tail = `substr(${t}, 20)`;
    const base = `TRY_CAST(substr(${t}, 1, 10) || ' ' || (CASE WHEN length(${t}) > 10 THEN substr(${t}, 12, 8) ELSE '00:00:00' END) AS TIMESTAMP)`;
    const fraction = `regexp_extract(${tail}, '^[.]([0-9]+)', 1)`;
    const millis = `(CASE WHEN ${fraction} = '' THEN 0 ELSE CAST(round(CAST('0.' || ${fraction} AS DOUBLE) * 1000) AS BIGINT) END)`;
    const sign = `regexp_extract(${tail}, '([+-])([0-9]{2}):?([0-9]{2})?$', 1)`;
    const hours = `regexp_extract(${tail}, '([+-])([0-9]{2}):?([0-9]{2})?$', 2)`;
    const minutes = `regexp_extract(${tail}, '([+-])([0-9]{2}):?([0-9]{2})?$', 3)`;
    const offset = `(CASE WHEN ${sign} = '' THEN 0 ELSE (CASE WHEN ${sign} = '-' THEN -1 ELSE 1 END) * (CAST(${hours} AS INTEGER) * 60 + CAST(coalesce(nullif(${minutes}, ''), '0') AS INTEGER)) END)`;
    return `(CASE WHEN ${dateTimeForm(duck, t)} THEN ${base} + to_milliseconds(${millis}) - to_minutes(${offset}) END)`;
}

/**
 * DuckDB. Dates and datetimes may be date / timestamp columns (read as they are) or text in any
 * accepted form; booleans 0/1, booleans or `true`/`false` text; text matching folds ASCII only.
 */
export const duckdbDialect: Dialect = {
    name: 'duckdb',
    quoteIdentifier: quoteDoubled,
    stringLiteral: quoteString,
    numberLiteral: finiteNumber,
    integerLiteral: integerDigits,
    booleanLiteral: value => (value ? '1' : '0'),
    readNumber: (column, storage) => regexNumber(duck, column, storage),
    readText: (column, storage) => regexText(duck, column, storage),
    readKey: (column, type, storage) => regexKey(duck, column, type, storage),
    columnAsBoolean: (column, storage) => regexBoolean(duck, column, storage),
    columnAsDate: (column, _stored, storage) => `CAST(${storage.plain ? `CAST(${column} AS TIMESTAMP)` : asTimestamp(column)} AS DATE)`,
    columnAsDateTime: (column, _stored, storage) => (storage.plain ? `CAST(${column} AS TIMESTAMP)` : asTimestamp(column)),
    decimalUnits: n => decimalUnits(n),
    decimalAverage: (sum, count) => {
        const r = `(${sum}) % (${count})`;
        return `(CASE WHEN (${count}) > 0 THEN (${sum}) // (${count}) + (CASE WHEN 2 * abs(${r}) >= (${count}) THEN sign(${sum}) ELSE 0 END) END)`;
    },
    shiftTime: (value, type, offset) => {
        const amount = offsetAmount(offset);
        // Month steps clamp to the month's last day; a date plus an interval is a timestamp.
        const moved = 'months' in amount ? `${value} + to_months(${amount.months})` : `CAST(${value} AS TIMESTAMP) + to_milliseconds(${amount.milliseconds})`;
        return type === 'date' ? `CAST(${moved} AS DATE)` : `(${moved})`;
    },
    dateLiteral: value => `DATE ${quoteString(value)}`,
    dateTimeLiteral: value => `TIMESTAMP ${quoteString(value)}`,
    storedDayBound: () => undefined,
    storedTimeBound: () => undefined,
    sequenceLink: 'join',
    groupByScan: column => column,
    correlatedAggregates: false,
    isTrue: condition => `((${condition}) IS TRUE)`,
    notAmong: notExistsAmong,
    // Binary is DuckDB's default, unless `default_collation` says otherwise.
    codePointOrder: text => `${text} COLLATE "binary"`,
    textMatch: (column, mode, value) => textMatch(column, likePattern(mode, asciiLower(value))),
    setOperation: nestedSetOperation,
    countDistinctWhere: (value, condition) => `COUNT(DISTINCT ${value}) FILTER (WHERE ${condition})`
};

/**
 * Text matching that folds ASCII letters only (reference 4). DuckDB's ILIKE folds every letter
 * (`É` matches `é`) and maps some letters outside ASCII onto ASCII ones (the Kelvin sign `K`
 * and `İ` match `k` and `i`), so alone it would find more. It finds a superset, though (folding
 * one letter at a time, whatever ASCII folding matches it matches), and is about twice as fast
 * as folding with translate(): so ILIKE narrows the rows and translate() decides on those only
 * (DuckDB's filters evaluate `AND` on the rows its first side keeps). A pattern without ASCII
 * letters needs no folding: plain LIKE.
 */
function textMatch(column: string, pattern: string): string {
    const like = `LIKE ${quoteString(pattern)} ESCAPE '\\'`;
    if (!/[a-z]/.test(pattern)) return `${column} ${like}`;
    return `(${column} I${like} AND translate(${column}, ${quoteString(ASCII_UPPER)}, ${quoteString(ASCII_LOWER)}) ${like})`;
}

/**
 * A number in units of 10^-10 as a HUGEINT: integers and decimals exactly, doubles to 15
 * significant digits by scaling with the power of ten that keeps the product under 10^15.
 */
function decimalUnits(n: string): string {
    const x = `CAST(${n} AS DOUBLE)`;
    const steps = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map(k => `WHEN abs(${x}) < 1e${k} THEN CAST(round(${x} * 1e${15 - k}) AS HUGEINT) * ${10 ** (k - 5)}`);
    return `(CASE WHEN ${n} IS NULL THEN NULL WHEN typeof(${n}) IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT') THEN CAST(${n} AS HUGEINT) * 10000000000 `
        // A decimal's whole part and fraction apart: their product with 10^10 at once may not fit DECIMAL(38).
        + `WHEN typeof(${n}) LIKE 'DECIMAL%' THEN CAST(trunc(${n}) AS HUGEINT) * 10000000000 + CAST(round((${n} - trunc(${n})) * 10000000000) AS HUGEINT) `
        + `WHEN abs(${x}) < 1e5 THEN CAST(round(${x} * 1e10) AS HUGEINT) ${steps.slice(1).join(' ')} ELSE CAST(round(${x}) AS HUGEINT) * 10000000000 END)`;
}
