import { sqliteDialect } from '../compiler/sql/sqlite-dialect.js';
import type { TestTable } from '../compiler/test-plan.js';
import type { AttributeType } from '../compiler/schema.js';
import { SqlJsEngine } from '../engine/sqljs-engine.js';

/** How each attribute type is declared in the test database (SQLite's affinities). */
const COLUMN_TYPES: Readonly<Record<AttributeType, string>> = { text: 'TEXT', number: 'NUMERIC', boolean: 'INTEGER', date: 'TEXT', datetime: 'TEXT' };

/**
 * A test's rows as a real SQLite database in memory: every table of the schema, with the
 * columns its entities declare, holding the rows the test writes (values bound as parameters).
 * Stored as the reference says a SQLite database stores them: booleans 0/1, dates
 * `YYYY-MM-DD`, datetimes `YYYY-MM-DD HH:MM:SS` (UTC).
 */
export async function testDatabase(tables: readonly TestTable[]): Promise<SqlJsEngine> {
    const engine = await SqlJsEngine.fromBytes(new Uint8Array(), ':test:');
    const q = sqliteDialect.quoteIdentifier;
    for (const table of tables) {
        engine.querySync(`CREATE TABLE ${q(table.name)} (${table.columns.map(c => `${q(c.name)} ${COLUMN_TYPES[c.type]}`).join(', ')})`);
        if (table.rows.length === 0) continue;
        engine.insertRows(`INSERT INTO ${q(table.name)} VALUES (${table.columns.map(() => '?').join(', ')})`, table.rows);
    }
    return engine;
}
