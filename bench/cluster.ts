/**
 * The sharded PostgreSQL (scripts/start-postgres-cluster.sh) against single-node PostgreSQL, in
 * turns in one process, on a few sample segments: median times, the same keys on both, and with
 * `--explain` what the coordinator's plan sends to the shards (each Foreign Scan's relations and
 * remote SQL) and what it does itself.
 *
 *   npx tsx bench/cluster.ts [--sizes medium] [--segments FrequentBuyers,NeverPurchased] [--explain]
 *
 * Needs SEGMENTS_PG_URL and SEGMENTS_PG_CLUSTER_URL. Each copy of a size is kept (schema
 * `bench_<size>_v<DATA_VERSION>` on each) and reused.
 */
import { resolve } from 'node:path';
import { openWorkspace } from '../cli/workspace.js';
import { clockAsOf } from '../compiler/time.js';
import { plannedColumns } from '../compiler/plan-uses.js';
import { nativeReader } from '../engine/native-sqlite.js';
import { clusterDistribution, clusterShards } from '../engine/postgres-cluster.js';
import { copySqliteIntoPostgres } from '../engine/postgres-copy.js';
import { PostgresEngine } from '../engine/postgres-engine.js';
import { SegmentRunner } from '../engine/runner.js';
import { formatPushdown, readPushdown } from '../engine/postgres-explain.js';
import { DATA_VERSION, dataset, type SizeName } from './datasets.js';
import { BENCH_AS_OF } from './hand-tuned.js';
import { openNativeReadOnly } from './native.js';

function option(flag: string, fallback: string): string[] {
    const i = process.argv.indexOf(flag);
    return (i >= 0 ? process.argv[i + 1] : fallback).split(',').map(s => s.trim()).filter(Boolean);
}

const RUNS = Number(process.env.SEGMENTS_BENCH_RUNS ?? 5);

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Opens `url` on the size's schema, copying the SQLite file in first when the schema is not there. */
async function open(url: string, file: string, schema: string, cluster: { readonly shards: readonly string[]; readonly distribution: ReadonlyMap<string, string> } | undefined): Promise<{ engine: PostgresEngine; copyMs: number }> {
    const engine = await PostgresEngine.connect(url, schema);
    const started = performance.now();
    const copied = await engine.withClient(async client => {
        const present = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1', [schema]);
        if ((present.rowCount ?? 0) >= 4) return false;
        const db = openNativeReadOnly(file);
        try {
            await copySqliteIntoPostgres(client, nativeReader(db), schema, cluster ? { cluster } : {});
        } finally {
            db.close();
        }
        return true;
    });
    await engine.loadCatalog();
    return { engine, copyMs: copied ? performance.now() - started : 0 };
}

async function main(): Promise<void> {
    const single = process.env.SEGMENTS_PG_URL;
    const coordinator = process.env.SEGMENTS_PG_CLUSTER_URL;
    if (!single || !coordinator) throw new Error('needs SEGMENTS_PG_URL (scripts/start-postgres.sh) and SEGMENTS_PG_CLUSTER_URL (scripts/start-postgres-cluster.sh)');
    const sizes = option('--sizes', 'medium') as SizeName[];
    const only = option('--segments', 'HighBalance,FrequentBuyers,BigSpenders,NeverPurchased,AbandonedCart');
    const cw = await openWorkspace(resolve('samples/retail'));
    const plans = [...cw.plans.plans.values()];
    for (const size of sizes) {
        const file = await dataset(size, line => console.error(line));
        const schema = `bench_${size}_v${DATA_VERSION}`;
        const distribution = clusterDistribution(cw.ws.model.schema, plans.map(p => p.audience.name));
        const probe = await PostgresEngine.connect(coordinator);
        const shards = await probe.withClient(clusterShards);
        await probe.close();
        const a = await open(single, file, schema, undefined);
        const b = await open(coordinator, file, schema, { shards, distribution });
        console.log(`== ${size}: single-node PostgreSQL (copy ${Math.round(a.copyMs)} ms) against a coordinator and ${shards.length} shards (copy ${Math.round(b.copyMs)} ms), partitioned by ${[...distribution].map(([t, c]) => `${t}.${c}`).join(', ')}`);
        const measured = plans.filter(p => only.includes(p.name));
        for (const engine of [a.engine, b.engine]) await engine.storage(measured.flatMap(p => plannedColumns(p, cw.plans.plans)));
        const clock = clockAsOf(BENCH_AS_OF);
        const runners = [new SegmentRunner(a.engine, cw.plans.plans, clock), new SegmentRunner(b.engine, cw.plans.plans, clock)];
        console.log('| segment | members | single node ms | cluster ms | cluster / single |\n| --- | ---: | ---: | ---: | ---: |');
        for (const plan of measured) {
            const sqls = await Promise.all(runners.map(r => r.sql(plan.name)));
            const engines = [a.engine, b.engine];
            const keys = await Promise.all(engines.map((e, i) => e.query(sqls[i])));
            // The same members, in whatever order each plan returns them.
            const sets = keys.map(rows => JSON.stringify(rows.map(r => String(r[0])).sort()));
            const same = sets[0] === sets[1];
            // In turns (A B A B ...): the machine is shared, so load weighs on both alike.
            const times: number[][] = [[], []];
            for (let turn = 0; turn < RUNS; turn++) {
                for (const [i, e] of engines.entries()) {
                    const t = performance.now();
                    await e.query(sqls[i]);
                    times[i].push(performance.now() - t);
                }
            }
            const [ms1, ms2] = times.map(median);
            console.log(`| ${plan.name} | ${same ? keys[0].length : `DIFFERENT KEYS (${keys[0].length} / ${keys[1].length})`} | ${ms1.toFixed(0)} | ${ms2.toFixed(0)} | ${(ms2 / ms1).toFixed(2)}x |`);
            if (process.argv.includes('--explain')) {
                const explained = await b.engine.query(`EXPLAIN (VERBOSE, COSTS OFF, FORMAT JSON) ${sqls[1]}`);
                console.log(`\n${plan.name} on the cluster:\n${formatPushdown(readPushdown(explained[0][0]))}\n`);
            }
        }
        await a.engine.close();
        await b.engine.close();
    }
}

main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
});
