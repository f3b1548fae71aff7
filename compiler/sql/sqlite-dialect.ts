import { escapeLikePattern, type Dialect } from './dialect.js';

/** SQLite (and sql.js): booleans are 0/1, dates and datetimes ISO text. */
export const sqliteDialect: Dialect = {
    name: 'sqlite',
    quoteIdentifier: name => `"${name.replace(/"/g, '""')}"`,
    stringLiteral: value => `'${value.replace(/'/g, "''").replace(/\u0000/g, '')}'`,
    numberLiteral: value => {
        if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
        return String(value);
    },
    booleanLiteral: value => (value ? '1' : '0'),
    columnAsDate: column => `date(${column})`,
    columnAsDateTime: column => `datetime(${column})`,
    dateLiteral: value => sqliteDialect.stringLiteral(value),
    dateTimeLiteral: value => sqliteDialect.stringLiteral(value),
    isTrue: condition => `((${condition}) IS TRUE)`,
    textMatch(column, mode, value) {
        const escaped = escapeLikePattern(value);
        const pattern = mode === 'contains' ? `%${escaped}%` : mode === 'starts' ? `${escaped}%` : `%${escaped}`;
        return `${column} LIKE ${this.stringLiteral(pattern)} ESCAPE '\\'`;
    },
    setOperation(left, operator, right, alias) {
        const op = operator === 'union' ? 'UNION' : operator === 'intersect' ? 'INTERSECT' : 'EXCEPT';
        return `SELECT key FROM (\n${left}\n) AS ${alias}\n${op}\nSELECT key FROM (\n${right}\n) AS ${alias}r`;
    }
};
