import { finiteNumber, inSubquery, likePattern, nestedSetOperation, notExistsAmong, quoteDoubled, quoteString, type Dialect } from './dialect.js';

/**
 * SQLite (and sql.js): booleans are 0/1, dates and datetimes ISO text, compared after
 * `date()` / `datetime()` normalise the accepted forms. LIKE ignores ASCII case.
 */
export const sqliteDialect: Dialect = {
    name: 'sqlite',
    quoteIdentifier: quoteDoubled,
    stringLiteral: quoteString,
    numberLiteral: finiteNumber,
    booleanLiteral: value => (value ? '1' : '0'),
    columnAsBoolean: column => column,
    columnAsDate: column => `date(${column})`,
    columnAsDateTime: column => `datetime(${column})`,
    dateLiteral: quoteString,
    dateTimeLiteral: quoteString,
    // Every accepted form starts with `YYYY-MM-DD`, and SQLite compares text by bytes.
    storedDayBound: (column, bound, day) => `${column} ${bound === 'from' ? '>=' : '<'} ${quoteString(day)}`,
    // SQLite's unary plus keeps a term from using an index.
    groupByScan: column => `+${column}`,
    isTrue: condition => `((${condition}) IS TRUE)`,
    // SQLite does not decorrelate: either the subquery's values are listed once into an index
    // probed per row, or the subquery runs per row (when its values would be most of a table).
    notAmong: (outer, subquery) => (subquery.probe ? notExistsAmong(outer, subquery) : `NOT ((${inSubquery(outer, subquery)}) IS TRUE)`),
    textMatch: (column, mode, value) => `${column} LIKE ${quoteString(likePattern(mode, value))} ESCAPE '\\'`,
    setOperation: nestedSetOperation
};
