import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clockAsOf } from '../../compiler/time.js';
import { clusterDistribution, clusterShards, dropClusterCopy, partitionSchema } from '../../engine/postgres-cluster.js';
import { copySqliteIntoPostgres } from '../../engine/postgres-copy.js';
import { PostgresEngine } from '../../engine/postgres-engine.js';
import { readPushdown, type Pushdown } from '../../engine/postgres-explain.js';
import { SegmentRunner } from '../../engine/runner.js';
import { build, database } from '../support/harness.js';
import { customers, dynamic, TABLES, withSegments } from '../support/shop.js';

// The sharded PostgreSQL (scripts/start-postgres-cluster.sh): how the copy partitions a
// workspace's tables, where the rows land, and which work the coordinator sends to the shards.

describe('the partition column of each table, from the workspace schema', () => {
    test('the audience by its key, the entities that refer to it by that relationship, the others by their key', async () => {
        const built = await build(withSegments(dynamic('count(Purchase) >= 1')));
        expect([...clusterDistribution(built.model.schema, ['Customer'])]).toEqual([
            ['customers', 'customer_id'], ['purchases', 'customer_id'], ['gifts', 'sender_id'], ['products', 'product_id']
        ]);
    });

    test('segments about products make Product the hub: purchases go with their product', async () => {
        const built = await build(withSegments(dynamic('count(Purchase) >= 1')));
        expect([...clusterDistribution(built.model.schema, ['Product', 'Product', 'Customer'])]).toEqual([
            ['products', 'product_id'], ['purchases', 'product_id'], ['customers', 'customer_id'], ['gifts', 'gift_id']
        ]);
    });

    test('without segments, the entity most referred to is the hub', async () => {
        const built = await build(withSegments(''));
        expect(clusterDistribution(built.model.schema).get('purchases')).toBe('customer_id');
    });
});

const url = process.env.SEGMENTS_PG_CLUSTER_URL;

const SHOP = TABLES + customers(Array.from({ length: 40 }, (_, i) => [i + 1, `C${i + 1}`, 50, 0, null, '2026-01-01 10:00:00'] as const)) + `
insert into products values (10, 'Security'), (11, 'Gifts');
insert into purchases with recursive n(i) as (select 0 union all select i + 1 from n where i < 2999)
  select 1000 + i, (i * 7) % 37 + 1, 10 + i % 2, '2027-0' || (1 + i % 2) || '-1' || (i % 10) || ' 10:00:00', (i * i % 11) * 25 from n;
`;

// The cluster needs its servers: CI starts them (SEGMENTS_PG_CLUSTER_URL), as it does PostgreSQL.
if (url) describe('a copy on the cluster (SEGMENTS_PG_CLUSTER_URL)', () => {
    const schema = `cl_${randomUUID().slice(0, 8)}`;
    let pool: Pool;
    let engine: PostgresEngine;
    let shards: string[];
    const segments = withSegments([
        dynamic('sum(Purchase.Amount) > 8100', 'BigSpenders'),
        dynamic('count(Purchase) = 0', 'NeverPurchased'),
        dynamic('count(Purchase where Product.Category = "Security") >= 2', 'SecurityBuyers')
    ].join('\n'));

    beforeAll(async () => {
        const pg = (await import('pg')).default;
        pool = new pg.Pool({ connectionString: url, max: 2 });
        engine = await PostgresEngine.onPool(pool, schema);
        const built = await build(segments);
        const source = await database(SHOP);
        await engine.withClient(async client => {
            shards = await clusterShards(client);
            const distribution = clusterDistribution(built.model.schema, ['Customer']);
            await copySqliteIntoPostgres(client, source.reader(), schema, { cluster: { shards, distribution } });
        });
        await engine.loadCatalog();
    });

    afterAll(async () => {
        await engine.withClient(client => dropClusterCopy(client, schema, shards));
        await pool.end();
    });

    async function rows(sql: string): Promise<string[][]> {
        return (await engine.query(sql)).map(r => r.map(String));
    }

    test('each table is hash-partitioned, one foreign partition per shard, and every row is on one shard', async () => {
        expect(shards.length).toBeGreaterThanOrEqual(2);
        const parts = await rows(`SELECT c.relname, s.srvname FROM pg_foreign_table f JOIN pg_class c ON c.oid = f.ftrelid JOIN pg_foreign_server s ON s.oid = f.ftserver
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${partitionSchema(schema)}' ORDER BY 1`);
        expect(parts).toEqual(['customers', 'gifts', 'products', 'purchases'].flatMap(t => shards.map((s, i) => [`${t}_${i + 1}`, s])));
        const counts = await rows(`SELECT (SELECT count(*) FROM "${partitionSchema(schema)}".purchases_1), (SELECT count(*) FROM "${partitionSchema(schema)}".purchases_2), (SELECT count(*) FROM purchases)`);
        const [first, second, total] = counts[0].map(Number);
        expect([first > 0, second > 0, first + second]).toEqual([true, true, total]);
        expect(total).toBe(3000);
    });

    test('a customer and their purchases are on the same shard', async () => {
        const strays = await rows(`SELECT count(*) FROM "${partitionSchema(schema)}".purchases_1 p WHERE NOT EXISTS (SELECT 1 FROM "${partitionSchema(schema)}".customers_1 c WHERE c.customer_id = p.customer_id)
            UNION ALL SELECT count(*) FROM "${partitionSchema(schema)}".purchases_2 p WHERE NOT EXISTS (SELECT 1 FROM "${partitionSchema(schema)}".customers_2 c WHERE c.customer_id = p.customer_id)`);
        expect(strays).toEqual([['0'], ['0']]);
    });

    async function plan(name: string): Promise<{ pushdown: Pushdown; keys: unknown; expected: unknown }> {
        const built = await build(segments);
        const clock = clockAsOf('2027-02-11');
        const runner = new SegmentRunner(engine, built.plans.plans, clock);
        const sql = await runner.sql(name);
        const explained = await engine.query(`EXPLAIN (VERBOSE, COSTS OFF, FORMAT JSON) ${sql}`);
        const expected = await new SegmentRunner(await database(SHOP), built.plans.plans, clock).keys(name);
        return { pushdown: readPushdown(explained[0][0]), keys: await runner.keys(name), expected };
    }

    test('a sum per customer is computed on each shard (GROUP BY in the remote SQL), the coordinator joins the sums with the customers', async () => {
        const { pushdown, keys, expected } = await plan('BigSpenders');
        expect(keys).toEqual(expected);
        expect(expected).not.toEqual([]);
        const aggregates = pushdown.remote.filter(r => r.relations.startsWith('Aggregate on'));
        expect(aggregates.map(r => r.tables)).toEqual(shards.map((_, i) => [`${partitionSchema(schema)}.purchases_${i + 1}`]));
        for (const r of aggregates) expect(r.sql).toMatch(/^SELECT customer_id, sum\(.*\) FROM [^ ]+\.purchases .*GROUP BY 1$/);
    });

    test('customers without purchases: an anti join per shard, each of a shard\'s customers with the same shard\'s purchases', async () => {
        const { pushdown, keys, expected } = await plan('NeverPurchased');
        expect([keys, expected]).toEqual([[38, 39, 40], [38, 39, 40]]);
        const shardOf = (table: string): string => table.replace(/^.*_(\d+)$/, '$1');
        const antiJoins = pushdown.joins.filter(j => j.node.includes('Anti'));
        expect(antiJoins.length).toBe(shards.length);
        for (const j of antiJoins) expect(new Set(j.tables.map(shardOf)).size).toBe(1);
    });

    test('a purchase\'s product is on any shard: that join is the coordinator\'s, across shards', async () => {
        const { pushdown, keys, expected } = await plan('SecurityBuyers');
        expect(keys).toEqual(expected);
        const products = pushdown.joins.filter(j => j.tables.some(t => t.includes('.products_')));
        expect(products.length).toBeGreaterThan(0);
        expect(products.some(j => new Set(j.tables.map(t => t.replace(/^.*_(\d+)$/, '$1'))).size > 1)).toBe(true);
    });
});
