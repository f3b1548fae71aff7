import type { PoolClient } from 'pg';
import { postgresDialect } from '../compiler/sql/postgres-dialect.js';
import type { Schema } from '../compiler/schema.js';
import type { SourceTable } from './sqlite-source.js';

const q = postgresDialect.quoteIdentifier;
const lit = postgresDialect.stringLiteral;

/**
 * A sharded PostgreSQL made of PostgreSQL's own features (scripts/start-postgres-cluster.sh): a
 * coordinator whose tables are hash-partitioned, one partition per shard, each partition a
 * `postgres_fdw` foreign table whose rows live on a shard server.
 */
export interface PostgresCluster {
    /** The coordinator's postgres_fdw servers, one per shard: partition `i` lives on `shards[i]`. */
    readonly shards: readonly string[];
    /**
     * The column each table is partitioned by (SQLite table name → column, matched without
     * regard to case); a table not named here is partitioned by its primary key, or its first column.
     */
    readonly distribution: ReadonlyMap<string, string>;
}

/** The coordinator's shards: its postgres_fdw foreign servers, by name. Empty on a single server. */
export async function clusterShards(client: PoolClient): Promise<string[]> {
    const result = await client.query<{ srvname: string }>(
        "SELECT s.srvname FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE w.fdwname = 'postgres_fdw' ORDER BY s.srvname");
    return result.rows.map(r => r.srvname);
}

/**
 * Which column each table is partitioned by, read from the workspace's schema, so that the joins
 * and aggregates a segment makes stay on the shards. The hub is the entity that segments are
 * about (of `audiences`, one entry per segment, the most frequent that other entities refer to;
 * else the entity most referred to): it is partitioned by its key, and each entity with a relationship to it by that
 * relationship's column. A customer and their purchases and interactions then live on the same
 * shard, the join of a customer with their records is a join of partition `i` with partition `i`
 * (partitionwise join, done by the shard that holds both), and a count per customer is a GROUP
 * BY of each shard's rows. Every other entity is partitioned by its key: a join with it (a
 * product of a purchase) is done on the coordinator, with its rows fetched from the shards.
 */
export function clusterDistribution(schema: Schema, audiences: readonly string[] = []): Map<string, string> {
    const referred = new Map<string, number>();
    for (const r of schema.relationships) if (r.from !== r.to) referred.set(r.to, (referred.get(r.to) ?? 0) + 1);
    const uses = new Map<string, number>();
    for (const a of audiences) uses.set(a, (uses.get(a) ?? 0) + 1);
    const byUse = [...uses.entries()].sort((a, b) => b[1] - a[1]).map(([a]) => a);
    const hub = byUse.find(a => referred.has(a))
        ?? [...referred.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]
        ?? byUse.find(a => schema.entities.has(a));
    const distribution = new Map<string, string>();
    const put = (table: string, column: string): void => {
        if (!distribution.has(table.toLowerCase())) distribution.set(table.toLowerCase(), column);
    };
    const hubEntity = hub === undefined ? undefined : schema.entities.get(hub);
    if (hubEntity) {
        put(hubEntity.table, hubEntity.key.column);
        for (const r of schema.relationships) {
            const from = schema.entities.get(r.from);
            if (r.to === hubEntity.name && from && from.table.toLowerCase() !== hubEntity.table.toLowerCase()) put(from.table, r.attribute.column);
        }
    }
    for (const entity of schema.entities.values()) put(entity.table, entity.key.column);
    return distribution;
}

/** The column a copied table is partitioned by: the cluster's choice when the table has that column, else its key, else its first column. */
export function partitionColumn(cluster: PostgresCluster, table: SourceTable): string {
    const wanted = cluster.distribution.get(table.name.toLowerCase());
    const named = wanted === undefined ? undefined : table.columns.find(c => c.name.toLowerCase() === wanted.toLowerCase());
    const keys = table.columns.filter(c => c.primaryKey);
    return (named ?? (keys.length === 1 ? keys[0] : table.columns[0])).name;
}

/** The schema on the coordinator that holds the foreign partitions of `schema`'s tables (off the search path). */
export function partitionSchema(schema: string): string {
    return `${schema}__shards`;
}

/**
 * Runs statements on a shard, through the coordinator: dblink over the shard's foreign server,
 * on a connection the coordinator's session keeps (named for the shard), so a copy of many
 * tables opens one connection per shard.
 */
export async function onShard(client: PoolClient, shard: string, sql: string): Promise<void> {
    const name = lit(`segments_${shard}`);
    await client.query(`SELECT CASE WHEN ${name} = ANY (coalesce(dblink_get_connections(), '{}')) THEN 'OK' ELSE dblink_connect(${name}, ${lit(shard)}) END`);
    await client.query(`SELECT dblink_exec(${name}, ${lit(sql)})`);
}

/** Drops a copy everywhere: the schema on the coordinator, its partitions' schema, and the tables on each shard. */
export async function dropClusterCopy(client: PoolClient, schema: string, shards: readonly string[]): Promise<void> {
    await client.query(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE; DROP SCHEMA IF EXISTS ${q(partitionSchema(schema))} CASCADE`);
    for (const shard of shards) await onShard(client, shard, `DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`);
}

/**
 * Makes an empty copy of `schema` on the cluster: the schema on every shard, and the
 * coordinator's partitioned tables are made by `createClusterTable`.
 */
export async function createClusterSchema(client: PoolClient, schema: string, shards: readonly string[]): Promise<void> {
    if (Buffer.byteLength(partitionSchema(schema)) > 63) throw new Error(`the schema name ${schema} is too long for a cluster copy (at most ${63 - partitionSchema('').length} characters)`);
    await client.query(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE; DROP SCHEMA IF EXISTS ${q(partitionSchema(schema))} CASCADE; CREATE SCHEMA ${q(schema)}; CREATE SCHEMA ${q(partitionSchema(schema))}`);
    for (const shard of shards) await onShard(client, shard, `DROP SCHEMA IF EXISTS ${q(schema)} CASCADE; CREATE SCHEMA ${q(schema)}`);
}

/**
 * Creates a table on the cluster: on the coordinator partitioned by hash of its partition
 * column, partition `i` a foreign table over the same table on shard `i`.
 */
export async function createClusterTable(client: PoolClient, cluster: PostgresCluster, schema: string, table: SourceTable, columns: string, number: number): Promise<void> {
    const name = `${q(schema)}.${q(table.name)}`;
    // PostgreSQL cuts names at 63 bytes: a long table name gets a numbered partition name.
    const part = (i: number): string => Buffer.byteLength(`${table.name}_${i}`) <= 63 ? `${table.name}_${i}` : `table${number}_${i}`;
    await client.query(`CREATE TABLE ${name} (${columns}) PARTITION BY HASH (${q(partitionColumn(cluster, table))})`);
    const n = cluster.shards.length;
    for (const [i, shard] of cluster.shards.entries()) {
        await onShard(client, shard, `CREATE TABLE ${name} (${columns})`);
        await client.query(`CREATE FOREIGN TABLE ${q(partitionSchema(schema))}.${q(part(i + 1))} PARTITION OF ${name} `
            + `FOR VALUES WITH (MODULUS ${n}, REMAINDER ${i}) SERVER ${q(shard)} OPTIONS (schema_name ${lit(schema)}, table_name ${lit(table.name)})`);
    }
}
