import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, test } from 'vitest';
import { copySqliteIntoPostgres } from '../../engine/postgres-copy.js';
import { PostgresEngine } from '../../engine/postgres-engine.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { simulateDay } from '../../samples/retail/simulate-day.js';
import { AS_OF, refreshJson, requireBuild, sampleCopy, spawnSegments, waitFor, type RefreshJson } from './refresh-support.js';

beforeAll(requireBuild);

const counts = (r: RefreshJson): Record<string, number | string> => Object.fromEntries(r.segments.map(s => [s.name, s.status === 'refreshed' ? s.count! : s.status]));

describe('segments refresh on the bigger engines', () => {
    test('DuckDB: the first refresh gives the counts sql.js gives, a second finds nothing changed, a simulated day re-runs only what reads purchases or interactions', async () => {
        const dir = sampleCopy();
        const sqljs = refreshJson(dir, ['--history', join(dir, 'sqljs.history.sqlite')]).result;
        const duck = refreshJson(dir, ['--engine', 'duckdb', '--history', join(dir, 'duckdb.history.sqlite')]).result;
        expect(counts(duck)).toEqual(counts(sqljs));
        const again = refreshJson(dir, ['--engine', 'duckdb', '--history', join(dir, 'duckdb.history.sqlite')]).result;
        expect(again.segments.every(s => s.status === 'unchanged')).toBe(true);
        await simulateDay(join(dir, 'retail.sqlite'));
        const day = refreshJson(dir, ['--engine', 'duckdb', '--history', join(dir, 'duckdb.history.sqlite')]).result;
        const daySqljs = refreshJson(dir, ['--history', join(dir, 'sqljs.history.sqlite')]).result;
        expect(day.segments.filter(s => s.status === 'unchanged').map(s => s.name)).toEqual(['DoNotCall', 'HighBalance', 'HighBalanceFollowUp']);
        expect(day.segments.map(s => [s.name, s.status, s.count, s.entered, s.left])).toEqual(daySqljs.segments.map(s => [s.name, s.status, s.count, s.entered, s.left]));
    }, 600_000);
});

const url = process.env.SEGMENTS_PG_URL;

// PostgreSQL needs a server: CI starts one (SEGMENTS_PG_URL), as for the language tests.
if (url) describe('segments refresh --engine postgres', () => {
    test('an inserted purchase is seen by --watch polling, only the segments reading purchases run, and they agree with sql.js', async () => {
        const dir = sampleCopy();
        const schema = `refresh_${randomUUID().slice(0, 8)}`;
        const pool = new pg.Pool({ connectionString: url, max: 1 });
        const source = await SqlJsEngine.open(join(dir, 'retail.sqlite'));
        try {
            const engine = await PostgresEngine.onPool(pool, schema);
            await engine.withClient(client => copySqliteIntoPostgres(client, source.reader(), schema));
            const args = ['--engine', 'postgres', '--url', url!, '--schema', schema, '--history', join(dir, 'pg.history.sqlite')];
            const first = refreshJson(dir, args).result;
            expect(counts(first)).toEqual(counts(refreshJson(dir, ['--history', join(dir, 'sqljs.history.sqlite')]).result));
            const watch = spawnSegments(['refresh', '.', '--as-of', AS_OF, '--watch', '--poll', '1s', ...args], dir);
            try {
                // A poll whose block is whole (the next poll's header may already follow it: a poll on a loaded machine takes longer than a second).
                await waitFor(() => watch.output().split('polling PostgreSQL').slice(1).some(block => /ValentinesLastMinute +unchanged/.test(block)), 240_000, 'a poll that finds nothing changed', () => watch.output() + watch.errors());
                const never = first.segments.find(s => s.name === 'NeverPurchased')!;
                expect(never.count).toBeGreaterThan(0);
                // The first customer who never bought buys a product on 2027-02-12.
                const { rows } = await pool.query(`SELECT customer_id FROM "${schema}".customers WHERE customer_id NOT IN (SELECT customer_id FROM "${schema}".purchases WHERE customer_id IS NOT NULL) ORDER BY customer_id LIMIT 1`);
                const customer = Number((rows[0] as { customer_id: number }).customer_id);
                await pool.query(`INSERT INTO "${schema}".purchases (purchase_id, customer_id, product_id, purchased_at, amount, channel) SELECT max(purchase_id) + 1, $1, 5007, '2027-02-12 10:00:00', 10, 'web' FROM "${schema}".purchases`, [customer]);
                await waitFor(() => /NeverPurchased +\d+ +\+0 -1/.test(watch.output()), 240_000, 'the refresh after the insert', () => watch.output() + watch.errors());
                const block = watch.output().slice(watch.output().lastIndexOf('NeverPurchased') - 2000);
                expect(block).toMatch(/^HighBalance +unchanged$/m);
            } finally {
                watch.child.kill('SIGTERM');
            }
            expect(await watch.exit).toBe(0);
        } finally {
            await source.close();
            await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
            await pool.end();
        }
    }, 600_000);
});
