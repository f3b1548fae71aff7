/**
 * Everything that differs between SQL databases: quoting, literals, dates, booleans, text
 * matching and set operations. SQL text is only ever assembled from these pieces.
 */
export interface Dialect {
    readonly name: string;
    quoteIdentifier(name: string): string;
    stringLiteral(value: string): string;
    numberLiteral(value: number): string;
    booleanLiteral(value: boolean): string;
    /** A column holding a date or an ISO datetime (any accepted form), as a comparable date. */
    columnAsDate(column: string, stored: 'date' | 'datetime'): string;
    /** A column holding an ISO datetime (any accepted form), as a comparable datetime. */
    columnAsDateTime(column: string, stored: 'date' | 'datetime'): string;
    dateLiteral(value: string): string;
    /** `value` is `YYYY-MM-DD HH:MM:SS`. */
    dateTimeLiteral(value: string): string;
    /** `condition`, with a missing (NULL) result read as false. */
    isTrue(condition: string): string;
    /** ASCII-case-insensitive text match. */
    textMatch(column: string, mode: 'contains' | 'starts' | 'ends', value: string): string;
    /** Left-to-right set operation between two `SELECT key` queries. */
    setOperation(left: string, operator: 'union' | 'intersect' | 'exclude', right: string, alias: string): string;
}

/** Escapes `%`, `_` and the escape character itself for a LIKE pattern with `ESCAPE '\'`. */
export function escapeLikePattern(value: string): string {
    return value.replace(/[\\%_]/g, c => `\\${c}`);
}
