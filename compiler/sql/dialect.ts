import type { KeyValue } from '../keys.js';
import type { ColumnStorage } from '../storage.js';
import type { TimeOffset } from '../time.js';

/**
 * Everything that differs between SQL databases: quoting, literals, reading stored values,
 * dates, booleans, text matching and set operations. SQL text is only ever assembled from
 * these pieces.
 *
 * Stored values are read as the reference's section 2 says: a column the engine knows to be
 * plain (`ColumnStorage.plain`) is read as it is; any other through a reading of every
 * accepted form, a value that fits none being NULL (missing).
 */
export interface Dialect {
    readonly name: DialectName;
    quoteIdentifier(name: string): string;
    stringLiteral(value: string): string;
    numberLiteral(value: number): string;
    /** An integer literal, exact at any size. */
    integerLiteral(value: bigint): string;
    booleanLiteral(value: boolean): string;
    /** A number column as a number: numbers, and text in decimal notation with spaces around it. */
    readNumber(column: string, storage: ColumnStorage): string;
    /** A text column as text (numbers stored in it as their text). */
    readText(column: string, storage: ColumnStorage): string;
    /** A key or foreign key column as a comparable key: `5` and `"5"` one key. */
    readKey(column: string, type: 'number' | 'text', storage: ColumnStorage): string;
    /** A column holding a boolean (0/1, a boolean, or `true`/`false` text), comparable with `booleanLiteral`. */
    columnAsBoolean(column: string, storage: ColumnStorage): string;
    /** A column holding a date or an ISO datetime (any accepted form), as a comparable date (UTC). */
    columnAsDate(column: string, stored: 'date' | 'datetime', storage: ColumnStorage): string;
    /** A column holding an ISO datetime (any accepted form), as a comparable datetime (UTC, fractions counted). */
    columnAsDateTime(column: string, stored: 'date' | 'datetime', storage: ColumnStorage): string;
    /**
     * A number (already read) in exact decimal units of 10^-10, as an integer: the number to
     * 15 significant digits, then 10 decimal places (section 4.2). Where the engine's integers
     * cannot hold it, the query fails rather than give a rounded result.
     */
    decimalUnits(number: string): string;
    /** `sum / count` of decimal units, rounded half away from zero; NULL for no values. */
    decimalAverage(sum: string, count: string): string;
    /**
     * A date or datetime value (as `columnAsDate` / `columnAsDateTime` give it) moved by an
     * offset, staying of its type: months and years keep the day of the month (and a
     * datetime's time of day), clamped to the month's last day (reference, 4.1). `readFrom`: the
     * storage of the column `value` is this dialect's reading of (`columnAsDateTime`), when it is
     * one, so the shift can use what that reading guarantees (SQLite: a plain column's reading
     * has no fraction of a second, so none need be kept).
     */
    shiftTime(value: string, type: 'date' | 'datetime', offset: TimeOffset, readFrom?: ColumnStorage): string;
    dateLiteral(value: string): string;
    /** `value` is `YYYY-MM-DD HH:MM:SS`. */
    dateTimeLiteral(value: string): string;
    /**
     * A necessary (not sufficient) condition on the raw stored column for its calendar date to
     * be `>= day` (`bound` 'from') or `< day` ('before'), written so an index on the column can
     * serve it; `undefined` when the dialect cannot say so cheaply and safely.
     */
    storedDayBound(column: string, bound: 'from' | 'before', day: string): string | undefined;
    /**
     * Like `storedDayBound`, against a time computed in the query (as `columnAsDateTime` reads
     * it) rather than a literal day: a value `v` of the raw stored column's form such that
     * `column >= v` ('from') is a necessary condition for its time to be on or after the UTC
     * day of `time`, or `column < v` ('through') for it to be on or before it, widened by a day
     * when some stored values carry an offset; `undefined` when the dialect cannot say so
     * cheaply. (The caller computes `v` once, in a subquery: not per row.)
     */
    storedTimeBound(bound: 'from' | 'through', time: string, storage: ColumnStorage): string | undefined;
    /**
     * How a sequence's chain ends meet the next step's records (compiler/sql/sequence-sql.ts):
     * `join` on the profile, or `window`: sorted together per profile and read in one pass.
     */
    readonly sequenceLink: 'join' | 'window';
    /**
     * A sequence's times as whole seconds since 1970-01-01 UTC (integers), for the sorted pass
     * of `sequenceLink` 'window', where sorting and comparing integers is cheaper than text:
     * `read` gives a date or datetime column's time as such a number when its storage
     * guarantees whole seconds (`undefined` otherwise: the text reading is used), `asDateTime`
     * gives such a number back as `columnAsDateTime` would give the time. Absent: never.
     */
    readonly wholeSeconds?: {
        read(column: string, storage: ColumnStorage): string | undefined;
        asDateTime(seconds: string): string;
    };
    /**
     * `column` as a term the planner should not read through an index on it (reading a big
     * table through an index costs a random row lookup per row; a scan and a hash or sort do
     * not): in GROUP BY, in a join to the record a foreign key names, and in a semi-join's link
     * that nothing else filters.
     */
    groupByScan(column: string): string;
    /**
     * Whether an aggregate for each of many records is best a correlated subquery per record (an
     * index on the foreign key answers each: SQLite), rather than one grouped pass over the
     * related records joined to them (PostgreSQL runs a correlated subquery once per row; DuckDB
     * decorrelates it into that join itself).
     */
    readonly correlatedAggregates: boolean;
    /**
     * Where a correlated `EXISTS` runs as a probe through an index per outer record (SQLite,
     * which does not decorrelate), the queries of the figures that choose between it and a
     * semi-join that lists the related records once (compiler/sql/semi-join-shape.ts); absent
     * where the database plans both alike (DuckDB and PostgreSQL decorrelate into a join).
     */
    readonly rowProbes?: RowProbes;
    /** `condition`, with a missing (NULL) result read as false. */
    isTrue(condition: string): string;
    /**
     * Two-valued "`outer` is not one of the values of `subquery.column`" (a NULL `outer`, or a
     * NULL among the values, never makes a match): the anti-join form the database plans best.
     */
    notAmong(outer: string, subquery: SubqueryParts): string;
    /**
     * Text as a term ordered by Unicode code point, whatever the column's or database's
     * collation (`ORDER BY`, `MIN`, `MAX`): UTF-8 bytes compared as they are.
     */
    codePointOrder(text: string): string;
    /** ASCII-case-insensitive text match. */
    textMatch(column: string, mode: 'contains' | 'starts' | 'ends', value: string): string;
    /** Left-to-right set operation between two `SELECT key` queries. */
    setOperation(left: string, operator: 'union' | 'intersect' | 'exclude', right: string, alias: string): string;
    /** The aggregate counting the distinct non-NULL values of `value` on the rows where `condition` holds (NULL read as false). */
    countDistinctWhere(value: string, condition: string): string;
}

/** Queries of one number each about a table, for choosing a query's shape (`Dialect.rowProbes`). */
export interface RowProbes {
    /** More than 0 when an index of `table` starts with `column` (or `column` is its integer primary key). */
    indexLeading(table: string, column: string): string;
    /** The table's largest row number. */
    lastRow(table: string): string;
    /** A condition on the record `alias` keeping the rows numbered `step`, `2 * step`, ... up to `last`: a sample spread over the table. */
    everyNth(alias: string, step: number, last: number): string;
}

/** `SELECT column FROM from WHERE where...`, kept apart so a dialect can write it as IN or EXISTS. */
export interface SubqueryParts {
    readonly column: string;
    readonly from: string;
    readonly where: readonly string[];
    /**
     * Nothing filters the subquery's first record on its own columns: listing its values means
     * reading a large share of the table, while probing it through `column` (a foreign key,
     * usually indexed) for each outer record stops at the first match.
     */
    readonly probe?: boolean;
}

export type DialectName = 'sqlite' | 'postgres' | 'duckdb';

/** A key as a literal of the dialect. */
export function keyLiteral(dialect: Dialect, key: KeyValue): string {
    return typeof key === 'string' ? dialect.stringLiteral(key) : typeof key === 'bigint' ? dialect.integerLiteral(key) : dialect.numberLiteral(key);
}

/** A number literal in decimal units of 10^-10 (see `Dialect.decimalUnits`), exact. */
export function decimalUnitsLiteral(value: number): bigint {
    return decimalUnitsOf(String(value));
}

/** Decimal text (`-12.5`, `1e-7`) in units of 10^-10, rounded half away from zero. */
export function decimalUnitsOf(text: string): bigint {
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text);
    if (!m) throw new RangeError(`not a decimal number: ${text}`);
    const [, sign, whole, fraction = '', exp = '0'] = m;
    const digits = whole + fraction;
    const point = whole.length + Number(exp) + 10;
    const padded = point >= digits.length ? digits + '0'.repeat(point - digits.length) : digits;
    const kept = point <= 0 ? 0n : BigInt(padded.slice(0, Math.max(point, 0)) || '0');
    const next = point < 0 ? 0 : Number(padded[point] ?? '0');
    const units = kept + (next >= 5 ? 1n : 0n);
    return sign === '-' ? -units : units;
}

/** Escapes `%`, `_` and the escape character itself for a LIKE pattern with `ESCAPE '\'`. */
export function escapeLikePattern(value: string): string {
    return value.replace(/[\\%_]/g, c => `\\${c}`);
}

/** The LIKE pattern (escape `\`) for a match mode. */
export function likePattern(mode: 'contains' | 'starts' | 'ends', value: string): string {
    const escaped = escapeLikePattern(value);
    return mode === 'contains' ? `%${escaped}%` : mode === 'starts' ? `${escaped}%` : `%${escaped}`;
}

/** Lower-cases ASCII letters only, as the language's text matching does. */
export function asciiLower(value: string): string {
    return value.replace(/[A-Z]/g, c => c.toLowerCase());
}

export const ASCII_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const ASCII_LOWER = 'abcdefghijklmnopqrstuvwxyz';

/** SQL-standard quoting shared by the three dialects. */
export function quoteDoubled(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

export function quoteString(value: string): string {
    return `'${value.replace(/'/g, "''").replace(/\u0000/g, '')}'`;
}

export function finiteNumber(value: number): string {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    return String(value);
}

export function integerDigits(value: bigint): string {
    return value.toString();
}

/**
 * `SELECT key FROM (left) op SELECT key FROM (right)`: both sides are subqueries, so the
 * operations nest strictly left to right whatever precedence the database gives INTERSECT.
 */
export function nestedSetOperation(left: string, operator: 'union' | 'intersect' | 'exclude', right: string, alias: string): string {
    const op = operator === 'union' ? 'UNION' : operator === 'intersect' ? 'INTERSECT' : 'EXCEPT';
    return `SELECT key FROM (\n${left}\n) AS ${alias}\n${op}\nSELECT key FROM (\n${right}\n) AS ${alias}r`;
}

const whereClause = (items: readonly string[]): string => (items.length ? ` WHERE ${items.join(' AND ')}` : '');

/** `outer IN (SELECT column ...)`. */
export function inSubquery(outer: string, s: SubqueryParts): string {
    return `${outer} IN (SELECT ${s.column} FROM ${s.from}${whereClause(s.where)})`;
}

/**
 * `NOT EXISTS (SELECT 1 ... AND column = outer)`: planned as an anti-join by PostgreSQL and
 * DuckDB, where `NOT (x IN (subquery))` is a per-row subplan once the subquery outgrows memory.
 */
export function notExistsAmong(outer: string, s: SubqueryParts): string {
    return `NOT ${existsAmong(outer, s)}`;
}

/** `outer` among the subquery's values as a correlated `EXISTS` (false, never NULL, for no match: for positive tests only, where both filter alike). */
export function existsAmong(outer: string, s: SubqueryParts): string {
    return `EXISTS (SELECT 1 FROM ${s.from}${whereClause([...s.where, `${s.column} = ${outer}`])})`;
}

const UNIT_MILLISECONDS = { week: 7 * 86_400_000, day: 86_400_000, hour: 3_600_000, minute: 60_000 } as const;

/** An offset as a signed number of months (months and years), or of milliseconds (the other units). */
export function offsetAmount(offset: TimeOffset): { readonly months: number } | { readonly milliseconds: number } {
    const n = offset.sign * offset.amount;
    if (offset.unit === 'month' || offset.unit === 'year') return { months: offset.unit === 'year' ? 12 * n : n };
    return { milliseconds: Math.round(n * UNIT_MILLISECONDS[offset.unit]) };
}
