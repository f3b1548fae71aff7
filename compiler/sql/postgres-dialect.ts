import { asciiLower, finiteNumber, offsetAmount, integerDigits, likePattern, nestedSetOperation, notExistsAmong, quoteDoubled, quoteString, type Dialect } from './dialect.js';
import { dateTimeForm, regexBoolean, regexKey, regexNumber, regexPlainValue, regexText, type RegexEngine } from './regex-reads.js';

const pg: RegexEngine = {
    matches: (text, pattern) => `${text} ~ ${quoteString(pattern)}`,
    asText: column => `CAST(${column} AS TEXT)`,
    number: 'NUMERIC'
};

/**
 * A stored value (text, date or timestamp) as a UTC timestamp to the millisecond; NULL when it
 * is none of the accepted forms. The day is checked before the cast (PostgreSQL's cast fails
 * on `2026-02-30` instead of giving NULL); a value without an offset is UTC.
 */
/** The day of a text in an accepted form is a day of its month (asked only after the form matched). */
function validDay(t: string): string {
    const year = `CAST(substr(${t}, 1, 4) AS INTEGER)`;
    const month = `CAST(substr(${t}, 6, 2) AS INTEGER)`;
    return `CAST(substr(${t}, 9, 2) AS INTEGER) <= EXTRACT(DAY FROM make_date(${year}, ${month}, 1) + INTERVAL '1 month' - INTERVAL '1 day')`;
}

/**
 * A number in units of 10^-10: below 922,337,203 by the double scaled with the power of ten that
 * keeps the product under 10^15 (as on SQLite: cheap, and exact for 15 significant digits);
 * beyond, through PostgreSQL's float to numeric cast, which keeps 15 significant digits.
 */
function decimalUnits(n: string): string {
    const x = `CAST(${n} AS DOUBLE PRECISION)`;
    const steps = [5, 6, 7, 8].map(k => `WHEN abs(${x}) < 1e${k} THEN CAST(round(${x} * 1e${15 - k}) AS BIGINT) * ${10 ** (k - 5)}`);
    return `(CASE ${steps.join(' ')} WHEN abs(${x}) < 922337203 THEN CAST(round(${x} * 1e6) AS BIGINT) * 10000 ELSE round(CAST(${n} AS NUMERIC) * 10000000000) END)`;
}

/** Text columns holding dates only in their plain forms are read with a plain cast. */
export const postgresPlainValue = regexPlainValue(pg, validDay);

function asTimestamp(column: string): string {
    const t = `CAST(${column} AS TEXT)`;
    const zoned = `(CASE WHEN length(${t}) = 10 THEN ${t} || ' 00:00:00+00' WHEN substr(${t}, 20) ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN ${t} ELSE ${t} || '+00' END)`;
    const instant = `date_trunc('milliseconds', (CAST(${zoned} AS TIMESTAMPTZ) AT TIME ZONE 'UTC') + INTERVAL '500 microseconds')`;
    return `(CASE WHEN ${dateTimeForm(pg, t)} THEN (CASE WHEN ${validDay(t)} THEN ${instant} END) END)`;
}

/**
 * PostgreSQL. Dates and datetimes may be stored as date / timestamp columns (read as they are)
 * or as text in any accepted form, offsets converted to UTC. Booleans may be 0/1 integers,
 * booleans or `true`/`false` text. Text matching folds ASCII letters only, as SQLite's LIKE
 * does; INTERSECT's higher precedence is avoided by nesting every set operation in subqueries.
 */
export const postgresDialect: Dialect = {
    name: 'postgres',
    quoteIdentifier: quoteDoubled,
    stringLiteral: quoteString,
    numberLiteral: finiteNumber,
    integerLiteral: integerDigits,
    booleanLiteral: value => (value ? '1' : '0'),
    readNumber: (column, storage) => regexNumber(pg, column, storage),
    readText: (column, storage) => regexText(pg, column, storage),
    readKey: (column, type, storage) => regexKey(pg, column, type, storage),
    columnAsBoolean: (column, storage) => regexBoolean(pg, column, storage),
    columnAsDate: (column, _stored, storage) => `CAST(${storage.plain ? `CAST(${column} AS TIMESTAMP)` : asTimestamp(column)} AS DATE)`,
    columnAsDateTime: (column, _stored, storage) => (storage.plain ? `CAST(${column} AS TIMESTAMP)` : asTimestamp(column)),
    decimalUnits: n => decimalUnits(n),
    decimalAverage: (sum, count) => `round((${sum}) / NULLIF(${count}, 0))`,
    shiftTime: (value, type, offset) => {
        const amount = offsetAmount(offset);
        // Month steps clamp to the month's last day; a date plus an interval is a timestamp.
        const moved = 'months' in amount ? `${value} + INTERVAL '${amount.months} months'` : `${value} + INTERVAL '${amount.milliseconds} milliseconds'`;
        return type === 'date' ? `CAST(${moved} AS DATE)` : `(${moved})`;
    },
    dateLiteral: value => `DATE ${quoteString(value)}`,
    dateTimeLiteral: value => `TIMESTAMP ${quoteString(value)}`,
    // Every accepted form, and a date or timestamp column's text, starts with `YYYY-MM-DD`;
    // compared by bytes (collation "C"), whatever the column's own collation.
    storedDayBound: (column, bound, day) => `CAST(${column} AS TEXT) COLLATE "C" ${bound === 'from' ? '>=' : '<'} ${quoteString(day)}`,
    storedTimeBound: () => undefined,
    sequenceLink: 'join',
    groupByScan: column => column,
    correlatedAggregates: false,
    isTrue: condition => `((${condition}) IS TRUE)`,
    notAmong: notExistsAmong,
    // The database's collation (en_US.UTF-8, ...) orders by language rules; "C" by bytes.
    codePointOrder: text => `${text} COLLATE "C"`,
    // Under the "C" collation ILIKE folds ASCII letters only (and is several times faster than
    // folding with translate()).
    textMatch: (column, mode, value) => `${column} COLLATE "C" ILIKE ${quoteString(likePattern(mode, asciiLower(value)))} ESCAPE '\\'`,
    setOperation: nestedSetOperation,
    countDistinctWhere: (value, condition) => `COUNT(DISTINCT ${value}) FILTER (WHERE ${condition})`
};

/**
 * The PostgreSQL dialect for one database: SQLite matches names regardless of case, PostgreSQL
 * only when they are unquoted (folded to lower case). A name of the schema that is not in the
 * database's catalog as written, but is there under exactly one other casing (`Birthday` for
 * a column `birthday`), is written as the catalog spells it.
 */
export function postgresDialectFor(catalogNames: Iterable<string>): Dialect {
    const exact = new Set<string>();
    const folded = new Map<string, string | null>();
    for (const name of catalogNames) {
        exact.add(name);
        const key = name.toLowerCase();
        folded.set(key, folded.has(key) && folded.get(key) !== name ? null : name);
    }
    const resolve = (name: string): string => (exact.has(name) ? name : folded.get(name.toLowerCase()) ?? name);
    return { ...postgresDialect, quoteIdentifier: name => quoteDoubled(resolve(name)) };
}
