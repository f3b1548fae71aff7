/**
 * `npm run bench`: every sample segment at each size on each engine, one child process per
 * (size, engine) so peak memory is measured per run. Prints a table, writes JSON to .bench/.
 *
 *   npm run bench                                   # small, medium, large
 *   SEGMENTS_BENCH_SIZES=small npm run bench        # quick
 *   npm run bench -- --sizes medium --engines sqljs,native,duckdb,postgres
 *
 * SQLite files are generated once into ~/.cache/segments-bench (SEGMENTS_BENCH_CACHE).
 * DuckDB and PostgreSQL run at medium (PostgreSQL when SEGMENTS_PG_URL is set).
 *
 *   npx tsx bench/run.ts --sizes huge --engines duckdb   # the 5 GB file (bench/datasets.ts huge), beyond sql.js
 *
 * The huge size bounds DuckDB to 4 GB and 2 threads (SEGMENTS_DUCKDB_MEMORY_LIMIT,
 * SEGMENTS_DUCKDB_THREADS) and times the compiled queries only, one turn after a warm-up.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dataset, type SizeName } from './datasets.js';
import type { EngineName } from './engines.js';
import { formatTables } from './report.js';
import type { WorkerResult } from './worker.js';

function option(flag: string, env: string, fallback: string): string[] {
    const i = process.argv.indexOf(flag);
    return (i >= 0 ? process.argv[i + 1] : process.env[env] ?? fallback).split(',').map(s => s.trim()).filter(Boolean);
}

if (process.argv.includes('--help')) {
    console.log(`npx tsx bench/run.ts [--sizes small,medium,large] [--engines sqljs,native,duckdb,postgres] [--segments A,B]

  --sizes     data sizes (SEGMENTS_BENCH_SIZES; default small,medium,large)
  --engines   engines (SEGMENTS_BENCH_ENGINES; default sql.js and native everywhere, DuckDB and PostgreSQL at medium)
  --segments  only these sample segments (SEGMENTS_BENCH_SEGMENTS); the language server's benchmark is then skipped
SEGMENTS_BENCH_RUNS sets the timed turns; PostgreSQL needs SEGMENTS_PG_URL.
The hand-tuned shapes of the journey segments alone: npx tsx bench/journey-shapes.ts medium ENGINE`);
    process.exit(0);
}

const sizes = option('--sizes', 'SEGMENTS_BENCH_SIZES', 'small,medium,large') as SizeName[];
const segmentList = option('--segments', 'SEGMENTS_BENCH_SEGMENTS', '');
// The workers read the segments to run from the environment.
if (segmentList.length > 0) process.env.SEGMENTS_BENCH_SEGMENTS = segmentList.join(',');
const engineList = option('--engines', 'SEGMENTS_BENCH_ENGINES', '') as EngineName[];

/** sql.js and native SQLite at every size; DuckDB and PostgreSQL at medium unless asked for. */
function enginesFor(size: SizeName): EngineName[] {
    if (engineList.length > 0) return engineList;
    // The huge size (about 5 GB) is beyond sql.js: DuckDB and native SQLite only.
    if (size === 'huge') return ['duckdb', 'native'];
    const list: EngineName[] = ['sqljs', 'native'];
    if (size === 'medium') list.push('duckdb');
    if (size === 'medium' && process.env.SEGMENTS_PG_URL) list.push('postgres');
    return list;
}

// The huge size on a shared machine: DuckDB bounded unless told otherwise (spilling to disk beyond it).
if (sizes.includes('huge')) {
    process.env.SEGMENTS_DUCKDB_MEMORY_LIMIT ??= '4GB';
    process.env.SEGMENTS_DUCKDB_THREADS ??= '2';
}

const tsx = resolve('node_modules/.bin/tsx');
const results: WorkerResult[] = [];
for (const size of sizes) {
    await dataset(size, line => console.error(line));
    for (const engine of enginesFor(size)) {
        console.error(`running ${size} on ${engine}...`);
        const child = spawnSync(tsx, ['bench/worker.ts', size, engine], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
        if (child.status !== 0) {
            console.error(`  ${size}/${engine} failed (exit ${child.status})`);
            continue;
        }
        results.push(JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as WorkerResult);
    }
}

// The language server's benchmark (bench/language-server.bench.ts) runs in the same command.
const extra: { file: string; output: string }[] = [];
for (const file of existsSync('bench') && segmentList.length === 0 ? readdirSync('bench').filter(f => /^language-server(\.bench)?\.(ts|mjs|js)$/.test(f)) : []) {
    console.error(`running bench/${file}...`);
    const child = spawnSync(tsx, [join('bench', file)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    extra.push({ file, output: child.stdout });
}

console.log(formatTables(results));
for (const e of extra) console.log(`\n== bench/${e.file}\n${e.output}`);
mkdirSync('.bench', { recursive: true });
const out = join('.bench', `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const settings = ['SEGMENTS_BENCH_RUNS', 'SEGMENTS_BENCH_SEGMENTS', 'SEGMENTS_DUCKDB_MEMORY_LIMIT', 'SEGMENTS_DUCKDB_THREADS'].filter(v => process.env[v]).map(v => `${v}=${process.env[v]} `).join('');
const command = `${settings}npx tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim();
const json = JSON.stringify({ date: new Date().toISOString(), node: process.version, command, results, extra }, null, 2);
writeFileSync(out, json);
writeFileSync(join('.bench', 'latest.json'), json);
console.log(`\nwritten ${out}`);
