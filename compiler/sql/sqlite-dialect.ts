import { finiteNumber, inSubquery, offsetAmount, integerDigits, likePattern, nestedSetOperation, notExistsAmong, quoteDoubled, quoteString, type Dialect } from './dialect.js';
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
    shiftTime: (value, type, offset, readFrom) => {
        const amount = offsetAmount(offset);
        if ('months' in amount) {
            // The first day of the target month, then the day of the month clamped to its last day.
            const first = `date(${value}, 'start of month', '${amount.months >= 0 ? '+' : ''}${amount.months} months')`;
            const last = `CAST(strftime('%d', ${first}, '+1 month', '-1 day') AS INTEGER)`;
            const day = `date(${first}, '+' || (min(CAST(strftime('%d', ${value}) AS INTEGER), ${last}) - 1) || ' days')`;
            return type === 'date' ? day : `(${day} || substr(${value}, 11))`;
        }
        const modifier = quoteString(`${amount.milliseconds >= 0 ? '+' : ''}${amount.milliseconds / 1000} seconds`);
        if (type === 'date') return `date(${value}, ${modifier})`;
        // `datetime()` of a plain column has whole seconds, and so has the shift by whole seconds:
        // `datetime()` writes it (about four times cheaper than `strftime` and two `rtrim`s).
        if (readFrom?.plain && amount.milliseconds % 1000 === 0) return `datetime(${value}, ${modifier})`;
        // The form the readings give (`sqlite-reads.ts`): no fraction when it is zero.
        return `rtrim(rtrim(strftime('%Y-%m-%d %H:%M:%f', ${value}, ${modifier}), '0'), '.')`;
    },
    dateLiteral: quoteString,
    dateTimeLiteral: quoteString,
    // Every accepted form starts with `YYYY-MM-DD`, and SQLite compares text by bytes.
    storedDayBound: sqliteStoredDayBound,
    // Every accepted form starts with the day; with offsets a stored day may be a day off its UTC day.
    storedTimeBound: (bound, time, storage) => (bound === 'from'
        ? storage.offsets ? `date(${time}, '-1 day')` : `substr(${time}, 1, 10)`
        : `date(${time}, '${storage.offsets ? '+2 days' : '+1 day'}')`),
    sequenceLink: 'window',
    // A plain column is ISO text without fraction or offset: `unixepoch()` reads it exactly.
    wholeSeconds: {
        read: (column, storage) => (storage.plain ? `unixepoch(${column})` : undefined),
        asDateTime: seconds => `datetime(${seconds}, 'unixepoch')`
    },
    // SQLite's unary plus keeps a term from using an index.
    groupByScan: column => `+${column}`,
    correlatedAggregates: true,
    rowProbes: {
        indexLeading: (table, column) => `SELECT (SELECT count(*) FROM pragma_index_list(${quoteString(table)}) AS l, pragma_index_info(l.name) AS i WHERE i.seqno = 0 AND i.name = ${quoteString(column)})`
            + ` + (SELECT count(*) FROM pragma_table_info(${quoteString(table)}) WHERE pk = 1 AND name = ${quoteString(column)} AND upper(type) = 'INTEGER')`,
        lastRow: table => `SELECT max(rowid) FROM ${quoteDoubled(table)}`,
        everyNth: (alias, step, last) => `${alias}.rowid IN (WITH RECURSIVE s(r) AS (SELECT ${step} UNION ALL SELECT r + ${step} FROM s WHERE r + ${step} <= ${last}) SELECT r FROM s)`
    },
    isTrue: condition => `((${condition}) IS TRUE)`,
    // SQLite does not decorrelate: either the subquery's values are listed once into an index
    // probed per row, or the subquery runs per row (when its values would be most of a table).
    notAmong: (outer, subquery) => (subquery.probe ? notExistsAmong(outer, subquery) : `NOT ((${inSubquery(outer, subquery)}) IS TRUE)`),
    // A column declared with another collation (NOCASE) would order by it.
    codePointOrder: text => `${text} COLLATE BINARY`,
    textMatch: (column, mode, value) => `${column} LIKE ${quoteString(likePattern(mode, value))} ESCAPE '\\'`,
    setOperation: nestedSetOperation,
    countDistinctWhere: (value, condition) => `COUNT(DISTINCT CASE WHEN ${condition} THEN ${value} END)`
};
