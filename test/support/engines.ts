import { randomUUID } from 'node:crypto';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Pool } from 'pg';
import { afterAll } from 'vitest';
import type { KeyValue } from '../../compiler/ir.js';
import { stringifyJson } from '../../compiler/keys.js';
import { copySqliteIntoDuckDb } from '../../engine/duckdb-copy.js';
import { DuckDbEngine } from '../../engine/duckdb-engine.js';
import type { SqlEngine } from '../../engine/engine.js';
import { copySqliteIntoPostgres } from '../../engine/postgres-copy.js';
import { PostgresEngine } from '../../engine/postgres-engine.js';
import type { SegmentRunner } from '../../engine/runner.js';
import type { SqlJsEngine } from '../../engine/sqljs-engine.js';

/**
 * The engines every language test also runs on: one DuckDB instance and one PostgreSQL pool per
 * test file, a fresh schema per `run`, dropped when the file's tests are done.
 */
let duckdb: Promise<DuckDBInstance> | undefined;
let postgres: Pool | undefined;
const opened: SqlEngine[] = [];
const pgSchemas: string[] = [];
const prefix = `h_${randomUUID().slice(0, 8)}`;
let count = 0;

async function duckdbInstance(): Promise<DuckDBInstance> {
    duckdb ??= import('@duckdb/node-api').then(m => m.DuckDBInstance.create(':memory:'));
    return duckdb;
}

async function postgresPool(url: string): Promise<Pool> {
    if (!postgres) {
        const pg = (await import('pg')).default;
        postgres = new pg.Pool({ connectionString: url, max: 2 });
    }
    return postgres;
}

/** Copies of the sql.js database on DuckDB and (when SEGMENTS_PG_URL is set) PostgreSQL. */
export async function otherEngines(source: SqlJsEngine): Promise<SqlEngine[]> {
    const schema = `${prefix}_${count++}`;
    const engines: SqlEngine[] = [];
    const instance = await duckdbInstance();
    const duck = await DuckDbEngine.onSchema(instance, 'main');
    await copySqliteIntoDuckDb(duck.connection, source.reader(), schema);
    await duck.connection.run(`SET search_path = '${schema}'`);
    engines.push(duck);
    const url = process.env.SEGMENTS_PG_URL;
    if (url) {
        const pg = await PostgresEngine.onPool(await postgresPool(url), schema);
        await pg.withClient(client => copySqliteIntoPostgres(client, source.reader(), schema, { indexes: false, analyze: false }));
        await pg.loadCatalog();
        pgSchemas.push(schema);
        engines.push(pg);
    }
    opened.push(...engines);
    return engines;
}

/** Fails, with the engine's SQL, when `other` does not give `expected` for the segment. */
export async function expectSameKeys(name: string, expected: readonly KeyValue[], other: SegmentRunner): Promise<void> {
    let keys: readonly KeyValue[];
    try {
        keys = await other.keys(name);
    } catch (e) {
        throw new Error(`${name} failed on ${other.engineName}: ${(e as Error).message}\n${await other.sql(name)}`);
    }
    if (stringifyJson(keys) !== stringifyJson(expected)) {
        throw new Error(`${name}: ${other.engineName} gives ${stringifyJson(keys)}, sql.js gives ${stringifyJson(expected)}\n${await other.sql(name)}`);
    }
}

afterAll(async () => {
    for (const e of opened.splice(0)) await e.close();
    if (postgres) {
        const pool = postgres;
        postgres = undefined;
        for (const schema of pgSchemas.splice(0)) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pool.end();
    }
    if (duckdb) (await duckdb).closeSync();
    duckdb = undefined;
});
