import { finiteNumber, inSubquery, integerDigits, likePattern, nestedSetOperation, notExistsAmong, quoteDoubled, quoteString, type Dialect } from './dialect.js';
import { sqliteBoolean, sqliteDate, sqliteDateTime, sqliteDecimalAverage, sqliteDecimalUnits, sqliteKey, sqliteNumber, sqliteStoredDayBound, sqliteText } from './sqlite-reads.js';

/**
 * SQLite (and sql.js): booleans are 0/1, dates and datetimes ISO text. Plain columns are
 * compared after `date()` / `datetime()`; others are read form by form (`sqlite-reads.ts`).
 * LIKE ignores ASCII case.
 */
export const sqliteDialect: Dialect = {
    name: 'sqlite',
    quoteIdentifier: quoteDoubled,
    stringLiteral: quoteString,
    numberLiteral: finiteNumber,
    integerLiteral: integerDigits,
    booleanLiteral: value => (value ? '1' : '0'),
    readNumber: sqliteNumber,
    readText: sqliteText,
    readKey: sqliteKey,
    columnAsBoolean: sqliteBoolean,
    columnAsDate: (column, _stored, storage) => (storage.plain ? `date(${column})` : sqliteDate(column)),
    columnAsDateTime: (column, _stored, storage) => (storage.plain ? `datetime(${column})` : sqliteDateTime(column)),
    decimalUnits: sqliteDecimalUnits,
    decimalAverage: sqliteDecimalAverage,
    dateLiteral: quoteString,
    dateTimeLiteral: quoteString,
    // Every accepted form starts with `YYYY-MM-DD`, and SQLite compares text by bytes.
    storedDayBound: sqliteStoredDayBound,
    // SQLite's unary plus keeps a term from using an index.
    groupByScan: column => `+${column}`,
    isTrue: condition => `((${condition}) IS TRUE)`,
    // SQLite does not decorrelate: either the subquery's values are listed once into an index
    // probed per row, or the subquery runs per row (when its values would be most of a table).
    notAmong: (outer, subquery) => (subquery.probe ? notExistsAmong(outer, subquery) : `NOT ((${inSubquery(outer, subquery)}) IS TRUE)`),
    textMatch: (column, mode, value) => `${column} LIKE ${quoteString(likePattern(mode, value))} ESCAPE '\\'`,
    setOperation: nestedSetOperation
};
