import { randomUUID } from 'node:crypto';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Pool } from 'pg';
import { afterAll } from 'vitest';
import type { KeyValue } from '../../compiler/ir.js';
import { stringifyJson } from '../../compiler/keys.js';
import type { Schema } from '../../compiler/schema.js';
import { copySqliteIntoDuckDb } from '../../engine/duckdb-copy.js';
import { DuckDbEngine } from '../../engine/duckdb-engine.js';
import type { SqlEngine } from '../../engine/engine.js';
import { clusterDistribution, clusterShards, dropClusterCopy, type PostgresCluster } from '../../engine/postgres-cluster.js';
import { copySqliteIntoPostgres } from '../../engine/postgres-copy.js';
import { PostgresEngine } from '../../engine/postgres-engine.js';
import type { SegmentRunner } from '../../engine/runner.js';
import type { SqlJsEngine } from '../../engine/sqljs-engine.js';

/**
 * The engines every language test also runs on: one DuckDB instance and one PostgreSQL pool per
 * test file (and one for the cluster's coordinator when SEGMENTS_PG_CLUSTER_URL is set), a fresh
 * schema per `run`, dropped when the file's tests are done.
 */
let duckdb: Promise<DuckDBInstance> | undefined;
let postgres: Pool | undefined;
let cluster: { readonly pool: Pool; readonly shards: readonly string[] } | undefined;
const opened: SqlEngine[] = [];
const pgSchemas: string[] = [];
const clusterSchemas: string[] = [];
/** How the engines are named in a failure: the cluster is `postgres` to the runner. */
const labels = new WeakMap<SqlEngine, string>();
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

async function clusterCoordinator(url: string): Promise<{ readonly pool: Pool; readonly shards: readonly string[] }> {
    if (!cluster) {
        const pg = (await import('pg')).default;
        const pool = new pg.Pool({ connectionString: url, max: 2 });
        const client = await pool.connect();
        try {
            const shards = await clusterShards(client);
            if (shards.length === 0) throw new Error(`SEGMENTS_PG_CLUSTER_URL names a server without shards (no postgres_fdw server): start one with scripts/start-postgres-cluster.sh`);
            cluster = { pool, shards };
        } finally {
            client.release();
        }
    }
    return cluster;
}

/** The name of an engine in a failure message. */
export function engineLabel(engine: SqlEngine): string {
    return labels.get(engine) ?? engine.name;
}

/**
 * Copies of the sql.js database on DuckDB, on PostgreSQL (when SEGMENTS_PG_URL is set) and on
 * the sharded PostgreSQL (when SEGMENTS_PG_CLUSTER_URL is set; partitioned as the workspace's
 * `schema` says, `audiences` first: `clusterDistribution`).
 */
export async function otherEngines(source: SqlJsEngine, layout?: { readonly schema: Schema; readonly audiences: readonly string[] }): Promise<SqlEngine[]> {
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
    const clusterUrl = process.env.SEGMENTS_PG_CLUSTER_URL;
    if (clusterUrl) {
        const { pool, shards } = await clusterCoordinator(clusterUrl);
        const on: PostgresCluster = { shards, distribution: layout ? clusterDistribution(layout.schema, layout.audiences) : new Map() };
        const pg = await PostgresEngine.onPool(pool, schema);
        clusterSchemas.push(schema);
        await pg.withClient(client => copySqliteIntoPostgres(client, source.reader(), schema, { indexes: false, analyze: false, cluster: on }));
        await pg.loadCatalog();
        labels.set(pg, `postgres cluster (${shards.length} shards)`);
        engines.push(pg);
    }
    opened.push(...engines);
    return engines;
}

/** Fails, with the engine's SQL, when `other` does not give `expected` for the segment. */
export async function expectSameKeys(name: string, expected: readonly KeyValue[], other: SegmentRunner, label = other.engineName): Promise<void> {
    let keys: readonly KeyValue[];
    try {
        keys = await other.keys(name);
    } catch (e) {
        throw new Error(`${name} failed on ${label}: ${(e as Error).message}\n${await other.sql(name)}`);
    }
    if (stringifyJson(keys) !== stringifyJson(expected)) {
        throw new Error(`${name}: ${label} gives ${stringifyJson(keys)}, sql.js gives ${stringifyJson(expected)}\n${await other.sql(name)}`);
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
    if (cluster) {
        const { pool, shards } = cluster;
        cluster = undefined;
        const client = await pool.connect();
        try {
            for (const schema of clusterSchemas.splice(0)) await dropClusterCopy(client, schema, shards);
        } finally {
            client.release();
        }
        await pool.end();
    }
    if (duckdb) (await duckdb).closeSync();
    duckdb = undefined;
});
