import { DIALECTS } from '../compiler/sql/dialects.js';
import type { DuckDbEngine } from '../engine/duckdb-engine.js';
import type { SqlEngine } from '../engine/engine.js';
import type { PostgresEngine } from '../engine/postgres-engine.js';
import type { HistoryStore } from '../history/history-store.js';
import type { TableDatabase } from './table-destination.js';

/**
 * Where a segment's table destination is written (reference, section 7): the engine's database
 * when it is one a user keeps (a PostgreSQL server, a DuckDB database file), else the history
 * store's file (sql.js, and DuckDB on a copy of a SQLite file or on Parquet or CSV files): the
 * user's SQLite file is never written. A string when it cannot be written: why.
 */
export function tableDatabaseFor(engine: SqlEngine, store: HistoryStore): TableDatabase | string {
    if (isPostgres(engine)) return postgresTables(engine);
    if (isDuckDb(engine) && engine.databaseFile !== undefined) {
        return engine.writable ? duckdbTables(engine, engine.databaseFile)
            : `the DuckDB file ${engine.databaseFile} is open read-only here (VS Code reads it so that \`segments refresh\` can write): \`segments refresh\` writes this table`;
    }
    return historyTables(store);
}

/**
 * Whether a table destination's table is there to be kept as it is (a refresh with nothing
 * changed writes nothing): false when it was dropped by hand, so the segment is sent again. A
 * table that cannot be written here counts as there (the failure is said when it is sent).
 */
export async function memberTableThere(engine: SqlEngine, store: HistoryStore, table: string): Promise<boolean> {
    const db = tableDatabaseFor(engine, store);
    try {
        return typeof db === 'string' || (await db.columns(table)).length > 0;
    } catch {
        // The catalog cannot be read: send again, and the send says what is wrong.
        return false;
    }
}

function isPostgres(engine: SqlEngine): engine is PostgresEngine {
    return engine.name === 'postgres';
}

function isDuckDb(engine: SqlEngine): engine is DuckDbEngine {
    return engine.name === 'duckdb';
}

/** The engine's current schema (its `--schema`, else `public`); writers of one table take turns (an advisory lock on its name). */
function postgresTables(engine: PostgresEngine): TableDatabase {
    const d = DIALECTS.postgres;
    let schema = '';
    return {
        dialect: d,
        get where() {
            return `the PostgreSQL schema ${schema || 'of the connection'}`;
        },
        async columns(table) {
            schema = String((await engine.query('SELECT current_schema()'))[0]?.[0] ?? '');
            const rows = await engine.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${d.stringLiteral(table)} ORDER BY ordinal_position`);
            return rows.map(r => ({ name: String(r[0]), type: String(r[1]) }));
        },
        transaction: (table, statements) => engine.withClient(async client => {
            await client.query('BEGIN');
            try {
                await client.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.' || ${d.stringLiteral(table)}))`);
                for (const sql of statements) await client.query(sql);
                await client.query('COMMIT');
            } catch (e) {
                await client.query('ROLLBACK').catch(() => undefined);
                throw e;
            }
        })
    };
}

/** The DuckDB database file, opened for writing by `segments refresh`. */
function duckdbTables(engine: DuckDbEngine, file: string): TableDatabase {
    const d = DIALECTS.duckdb;
    return {
        dialect: d,
        where: `the DuckDB file ${file}`,
        async columns(table) {
            const rows = await engine.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${d.stringLiteral(table)} ORDER BY ordinal_position`);
            return rows.map(r => ({ name: String(r[0]), type: String(r[1]) }));
        },
        async transaction(_table, statements) {
            const conn = engine.connection;
            await conn.run('BEGIN TRANSACTION');
            try {
                for (const sql of statements) await conn.run(sql);
                await conn.run('COMMIT');
            } catch (e) {
                await conn.run('ROLLBACK').catch(() => undefined);
                throw e;
            }
        }
    };
}

/** The history store's file: run now in memory and again under the store's lock at its save (one atomic replacement of the file). */
function historyTables(store: HistoryStore): TableDatabase {
    return {
        dialect: DIALECTS.sqlite,
        where: `the history store ${store.file}`,
        columns: async table => store.tableColumns(table),
        transaction: async (_table, statements) => store.runStatements(statements)
    };
}
