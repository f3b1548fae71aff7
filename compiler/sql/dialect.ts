/**
 * Everything that differs between SQL databases: quoting, literals, dates, booleans, text
 * matching and set operations. SQL text is only ever assembled from these pieces.
 */
export interface Dialect {
    readonly name: DialectName;
    quoteIdentifier(name: string): string;
    stringLiteral(value: string): string;
    numberLiteral(value: number): string;
    booleanLiteral(value: boolean): string;
    /** A column holding a boolean (stored as 0/1 or as a boolean), comparable with `booleanLiteral`. */
    columnAsBoolean(column: string): string;
    /** A column holding a date or an ISO datetime (any accepted form), as a comparable date. */
    columnAsDate(column: string, stored: 'date' | 'datetime'): string;
    /** A column holding an ISO datetime (any accepted form), as a comparable datetime. */
    columnAsDateTime(column: string, stored: 'date' | 'datetime'): string;
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
     * `column` as a GROUP BY term the planner should not read in index order (reading a big
     * table through an index costs a random row lookup per row; a scan and a hash or sort do not).
     */
    groupByScan(column: string): string;
    /** `condition`, with a missing (NULL) result read as false. */
    isTrue(condition: string): string;
    /**
     * Two-valued "`outer` is not one of the values of `subquery.column`" (a NULL `outer`, or a
     * NULL among the values, never makes a match): the anti-join form the database plans best.
     */
    notAmong(outer: string, subquery: SubqueryParts): string;
    /** ASCII-case-insensitive text match. */
    textMatch(column: string, mode: 'contains' | 'starts' | 'ends', value: string): string;
    /** Left-to-right set operation between two `SELECT key` queries. */
    setOperation(left: string, operator: 'union' | 'intersect' | 'exclude', right: string, alias: string): string;
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
    return `NOT EXISTS (SELECT 1 FROM ${s.from}${whereClause([...s.where, `${s.column} = ${outer}`])})`;
}
