import { asciiLower, finiteNumber, likePattern, nestedSetOperation, notExistsAmong, quoteDoubled, quoteString, type Dialect } from './dialect.js';

/** The accepted stored forms: `YYYY-MM-DD`, then ` HH:MM:SS` or `THH:MM:SS`, fractions, `Z`. */
const ISO_FORM = quoteString('^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?)?Z?$');

/** A stored value (text, date or timestamp) as a timestamp at second precision; NULL when not a date. */
function asTimestamp(column: string): string {
    const text = `CAST(${column} AS TEXT)`;
    return `date_trunc('second', CASE WHEN ${text} ~ ${ISO_FORM} THEN CAST(${text} AS TIMESTAMP) END)`;
}

/**
 * PostgreSQL. Dates and datetimes may be stored as ISO text (a copied SQLite file) or as
 * date / timestamp columns: both are parsed through text, and a time zone suffix (`Z`) is
 * ignored, as all values are UTC. Booleans may be 0/1 integers or booleans. Text matching
 * folds ASCII letters only, as SQLite's LIKE does; INTERSECT's higher precedence is avoided by
 * nesting every set operation in subqueries.
 */
export const postgresDialect: Dialect = {
    name: 'postgres',
    quoteIdentifier: quoteDoubled,
    stringLiteral: quoteString,
    numberLiteral: finiteNumber,
    booleanLiteral: value => (value ? '1' : '0'),
    columnAsBoolean: column => `CAST(${column} AS INTEGER)`,
    columnAsDate: column => `CAST(${asTimestamp(column)} AS DATE)`,
    columnAsDateTime: column => asTimestamp(column),
    dateLiteral: value => `DATE ${quoteString(value)}`,
    dateTimeLiteral: value => `TIMESTAMP ${quoteString(value)}`,
    // Every accepted form, and a date or timestamp column's text, starts with `YYYY-MM-DD`;
    // compared by bytes (collation "C"), whatever the column's own collation.
    storedDayBound: (column, bound, day) => `CAST(${column} AS TEXT) COLLATE "C" ${bound === 'from' ? '>=' : '<'} ${quoteString(day)}`,
    groupByScan: column => column,
    isTrue: condition => `((${condition}) IS TRUE)`,
    notAmong: notExistsAmong,
    // Under the "C" collation ILIKE folds ASCII letters only (and is several times faster than
    // folding with translate()).
    textMatch: (column, mode, value) => `${column} COLLATE "C" ILIKE ${quoteString(likePattern(mode, asciiLower(value)))} ESCAPE '\\'`,
    setOperation: nestedSetOperation
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
