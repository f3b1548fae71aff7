import { randomUUID } from 'node:crypto';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Pool } from 'pg';
import { postgresDialect } from '../compiler/sql/postgres-dialect.js';
import { duckdbDialect } from '../compiler/sql/duckdb-dialect.js';
import type { TestTable } from '../compiler/test-plan.js';
import { DatabaseError, type SqlEngine } from '../engine/engine.js';
import { EngineChoiceError, openEngine, type EngineName } from '../engine/open-engine.js';
import type { SqliteReader } from '../engine/sqlite-source.js';
import { SqlJsEngine } from '../engine/sqljs-engine.js';
import { testDatabase } from './test-database.js';

/** An engine holding one copy of some data, and how to let it go. */
export interface HeldEngine {
    readonly engine: SqlEngine;
    release(): Promise<void>;
}

/**
 * The engines tests run on. The workspace database is opened once per engine: the file itself on
 * sql.js, copied into DuckDB in memory, copied into a PostgreSQL schema of its own (so every
 * engine answers on the same data). A test's own rows are a sql.js database in memory, copied into
 * DuckDB (a schema per test) or PostgreSQL (a schema per test) when those engines are asked.
 * Every PostgreSQL schema made here is dropped by `close`.
 */
export class TestEngines {
    private readonly workspaceEngines = new Map<EngineName, Promise<SqlEngine>>();
    private duckdb: Promise<DuckDBInstance> | undefined;
    private pool: Promise<Pool> | undefined;
    private readonly schemas: string[] = [];
    private readonly prefix = `segments_test_${randomUUID().slice(0, 8)}`;
    private count = 0;

    /** `databaseFile`: the workspace's SQLite file (`database "..."`), if it declares one; `postgresUrl` for PostgreSQL. */
    constructor(private readonly databaseFile: string | undefined, private readonly postgresUrl: string | undefined) {}

    /** The workspace database on `engine`, opened (or copied) once. */
    workspace(engine: EngineName): Promise<SqlEngine> {
        let opened = this.workspaceEngines.get(engine);
        if (!opened) {
            opened = this.openWorkspace(engine);
            this.workspaceEngines.set(engine, opened);
        }
        return opened;
    }

    /** A test's own rows on `engine`; release it when the test is done. */
    async withRows(engine: EngineName, tables: readonly TestTable[]): Promise<HeldEngine> {
        const source = await testDatabase(tables);
        if (engine === 'sqljs') return { engine: source, release: () => source.close() };
        try {
            return engine === 'duckdb' ? await this.duckdbCopy(source.reader()) : await this.postgresCopy(source.reader(), { indexes: false });
        } finally {
            await source.close();
        }
    }

    async close(): Promise<void> {
        for (const opened of this.workspaceEngines.values()) await (await opened.catch(() => undefined))?.close();
        this.workspaceEngines.clear();
        if (this.pool) {
            const pool = await this.pool;
            for (const schema of this.schemas.splice(0)) await pool.query(`DROP SCHEMA IF EXISTS ${postgresDialect.quoteIdentifier(schema)} CASCADE`);
            await pool.end();
            this.pool = undefined;
        }
        if (this.duckdb) (await this.duckdb).closeSync();
        this.duckdb = undefined;
    }

    private async openWorkspace(engine: EngineName): Promise<SqlEngine> {
        if (!this.databaseFile) throw new EngineChoiceError('This test has no rows of its own (`with Entity { ... }`) and the workspace has no `database "file.sqlite"` line: add rows to the test, or a database to the workspace.');
        if (engine !== 'postgres') return openEngine({ engine, file: this.databaseFile });
        const source = await SqlJsEngine.open(this.databaseFile);
        try {
            return (await this.postgresCopy(source.reader(), {})).engine;
        } finally {
            await source.close();
        }
    }

    private async duckdbCopy(reader: SqliteReader): Promise<HeldEngine> {
        const { copySqliteIntoDuckDb } = await import('../engine/duckdb-copy.js');
        const { DuckDbEngine } = await import('../engine/duckdb-engine.js');
        this.duckdb ??= import('@duckdb/node-api').then(m => m.DuckDBInstance.create(':memory:'));
        const instance = await this.duckdb;
        const schema = `t${this.count++}`;
        const setup = await DuckDbEngine.onSchema(instance, 'main');
        try {
            await copySqliteIntoDuckDb(setup.connection, reader, schema);
        } finally {
            await setup.close();
        }
        const engine = await DuckDbEngine.onSchema(instance, schema);
        return {
            engine,
            release: async () => {
                await engine.connection.run(`DROP SCHEMA ${duckdbDialect.quoteIdentifier(schema)} CASCADE`);
                await engine.close();
            }
        };
    }

    private async postgresCopy(reader: SqliteReader, options: { indexes?: boolean }): Promise<HeldEngine> {
        const url = this.postgresUrl;
        if (!url) throw new EngineChoiceError('--engine postgres needs --url postgres://user@host:port/database (or SEGMENTS_PG_URL)');
        const { copySqliteIntoPostgres } = await import('../engine/postgres-copy.js');
        const { PostgresEngine, redact } = await import('../engine/postgres-engine.js');
        this.pool ??= import('pg').then(m => new m.default.Pool({ connectionString: url, max: 2 }));
        const pool = await this.pool;
        const schema = `${this.prefix}_${this.count++}`;
        this.schemas.push(schema);
        const engine = await PostgresEngine.onPool(pool, schema);
        try {
            await engine.withClient(client => copySqliteIntoPostgres(client, reader, schema, { analyze: false, ...options }));
            await engine.loadCatalog();
        } catch (e) {
            throw new DatabaseError(redact(url), `cannot load the test's data into PostgreSQL (${(e as Error).message})`);
        }
        return {
            engine,
            release: async () => {
                await pool.query(`DROP SCHEMA IF EXISTS ${postgresDialect.quoteIdentifier(schema)} CASCADE`);
                this.schemas.splice(this.schemas.indexOf(schema), 1);
            }
        };
    }
}
