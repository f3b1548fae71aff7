import { ASCII_LOWER, ASCII_UPPER, asciiLower, finiteNumber, likePattern, nestedSetOperation, notExistsAmong, quoteDoubled, quoteString, type Dialect } from './dialect.js';

/** A stored value (ISO text in any accepted form, date or timestamp) as a timestamp at second precision. */
function asTimestamp(column: string): string {
    return `date_trunc('second', TRY_CAST(${column} AS TIMESTAMP))`;
}

/**
 * DuckDB. `TRY_CAST` parses every accepted datetime form (space or `T`, optional `Z`) and gives
 * NULL for anything else; booleans may be 0/1 or booleans; text matching folds ASCII only.
 */
export const duckdbDialect: Dialect = {
    name: 'duckdb',
    quoteIdentifier: quoteDoubled,
    stringLiteral: quoteString,
    numberLiteral: finiteNumber,
    booleanLiteral: value => (value ? '1' : '0'),
    columnAsBoolean: column => `CAST(${column} AS INTEGER)`,
    columnAsDate: column => `CAST(${asTimestamp(column)} AS DATE)`,
    columnAsDateTime: column => asTimestamp(column),
    dateLiteral: value => `DATE ${quoteString(value)}`,
    dateTimeLiteral: value => `TIMESTAMP ${quoteString(value)}`,
    storedDayBound: () => undefined,
    groupByScan: column => column,
    isTrue: condition => `((${condition}) IS TRUE)`,
    notAmong: notExistsAmong,
    textMatch: (column, mode, value) =>
        `translate(${column}, ${quoteString(ASCII_UPPER)}, ${quoteString(ASCII_LOWER)}) LIKE ${quoteString(likePattern(mode, asciiLower(value)))} ESCAPE '\\'`,
    setOperation: nestedSetOperation
};
