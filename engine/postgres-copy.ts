import type { PoolClient } from 'pg';
import { postgresDialect } from '../compiler/sql/postgres-dialect.js';
import type { SqlValue } from './engine.js';
import { createClusterSchema, createClusterTable, onShard, type PostgresCluster } from './postgres-cluster.js';
import { coerce, describeSource, sourceRows, type CopyType, type SourceTable, type SqliteReader } from './sqlite-source.js';

const q = postgresDialect.quoteIdentifier;
const TYPES: Readonly<Record<CopyType, string>> = { integer: 'BIGINT', real: 'DOUBLE PRECISION', text: 'TEXT', blob: 'BYTEA' };
const BATCH = 20_000;

export interface PostgresCopyOptions {
    /** Recreate the SQLite file's indexes (and a unique index per primary key); default true. */
    readonly indexes?: boolean;
    /** Run ANALYZE after loading; default true. */
    readonly analyze?: boolean;
    /**
     * Copy into a sharded PostgreSQL (`postgres-cluster.ts`): every table hash-partitioned on the
     * coordinator, its rows on the shards, the indexes made on the shards.
     */
    readonly cluster?: PostgresCluster;
}

/**
 * Copies every table of a SQLite database into a (new or emptied) PostgreSQL schema: columns
 * typed from their values, rows sent as arrays through `unnest` (one statement per batch),
 * then the indexes. Values keep SQLite's storage (ISO text dates, 0/1 booleans), which the
 * PostgreSQL dialect reads. Returns the number of rows copied. On a cluster the rows are sent
 * to the coordinator, which routes each to its shard.
 */
export async function copySqliteIntoPostgres(client: PoolClient, source: SqliteReader, schema: string, options: PostgresCopyOptions = {}): Promise<number> {
    const cluster = options.cluster;
    if (cluster) {
        await createClusterSchema(client, schema, cluster.shards);
    } else {
        await client.query(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`);
        await client.query(`CREATE SCHEMA ${q(schema)}`);
    }
    let total = 0;
    for (const [number, table] of describeSource(source).entries()) {
        const name = `${q(schema)}.${q(table.name)}`;
        const columns = table.columns.map(c => `${q(c.name)} ${TYPES[c.type]}`).join(', ');
        if (cluster) await createClusterTable(client, cluster, schema, table, columns, number + 1);
        else await client.query(`CREATE TABLE ${name} (${columns})`);
        const insert = `INSERT INTO ${name} SELECT * FROM unnest(${table.columns.map((c, i) => `$${i + 1}::${TYPES[c.type]}[]`).join(', ')})`;
        let batch: SqlValue[][] = table.columns.map(() => []);
        let size = 0;
        const flush = async (): Promise<void> => {
            if (size === 0) return;
            await client.query(insert, batch);
            total += size;
            batch = table.columns.map(() => []);
            size = 0;
        };
        for (const row of sourceRows(source, table)) {
            table.columns.forEach((c, i) => batch[i].push(coerce(row[i] ?? null, c.type)));
            if (++size === BATCH) await flush();
        }
        await flush();
        // On a cluster each shard indexes and analyzes its rows; the coordinator's ANALYZE samples
        // the shards through postgres_fdw, so that its plans know each partition's size.
        const run = cluster ? (sql: string) => Promise.all(cluster.shards.map(shard => onShard(client, shard, sql))) : (sql: string) => client.query(sql);
        if (options.indexes !== false) await createIndexes(run, schema, table);
        if (options.analyze !== false) {
            if (cluster) await run(`ANALYZE ${name}`);
            await client.query(`ANALYZE ${name}`);
        }
    }
    return total;
}

async function createIndexes(run: (sql: string) => Promise<unknown>, schema: string, table: SourceTable): Promise<void> {
    const keys = table.columns.filter(c => c.primaryKey).map(c => c.name);
    const indexes = [...table.indexes];
    if (keys.length > 0 && !indexes.some(ix => ix.columns.join() === keys.join())) indexes.unshift({ columns: keys, unique: true });
    for (const ix of indexes) {
        await run(`CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ON ${q(schema)}.${q(table.name)} (${ix.columns.map(q).join(', ')})`);
    }
}
