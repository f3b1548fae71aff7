/**
 * One benchmark process: one size on one engine, so its peak memory is its own. Prints one JSON
 * object (WorkerResult) on stdout.   tsx bench/worker.ts medium sqljs
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openWorkspace } from '../cli/workspace.js';
import { clockAsOf } from '../compiler/time.js';
import { SegmentRunner } from '../engine/runner.js';
import { sampledSegments } from '../engine/steps.js';
import { plannedColumns } from '../compiler/plan-uses.js';
import { dataset, type SizeName } from './datasets.js';
import { openEngine, type EngineName } from './engines.js';
import { BENCH_AS_OF, HAND_TUNED, handTunedShapes, type HandFamily } from './hand-tuned.js';
import { handTunedJourney } from './hand-tuned-journeys.js';
import { openNativeReadOnly } from './native.js';

export interface SegmentTiming {
    readonly segment: string;
    readonly kind: string;
    readonly members: number;
    /** Median milliseconds of the compiler's SQL. */
    readonly compiledMs: number;
    readonly handTunedMs?: number;
    /** Whether the hand-tuned query returned the same keys. */
    readonly handTunedAgrees?: boolean;
    /**
     * sql.js only: median milliseconds of the same SQL on native SQLite, run in turns with the
     * sql.js runs in the same process (the sql.js / native ratio is read from these two).
     */
    readonly nativeSameRunMs?: number;
    /** How many timed turns the medians come from (at least the run's `runs`). */
    readonly turns?: number;
}

export interface WorkerResult {
    readonly size: SizeName;
    readonly engine: EngineName;
    readonly runs: number;
    readonly loadMs: number;
    /** Learning how the benchmark segments' columns are stored (one pass per table, once per copy of the data). */
    readonly storageMs?: number;
    readonly note?: string;
    /** Peak resident set size of the process, in MiB (VmHWM). */
    readonly peakRssMiB: number;
    readonly segments: readonly SegmentTiming[];
}

const RUNS: Readonly<Record<SizeName, number>> = { small: 7, medium: 5, large: 3, huge: 1 };

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function peakRssMiB(): number {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
}

/** Fast queries run more turns than `runs`, until this much time has gone by: a stable median. */
const MIN_TOTAL_MS = 2_000;
const MAX_RUNS = 500;

/**
 * Median times of one or more queries, run in turns (A B A B ...) after one warm-up each, so a
 * burst of load from other processes on the machine weighs on all of them alike. At least
 * `runs` turns, more for fast queries (up to MAX_RUNS, until MIN_TOTAL_MS have gone by).
 */
async function timedTogether(runs: number, works: readonly (() => Promise<unknown>)[]): Promise<{ ms: number; runs: number; last: unknown }[]> {
    const last: unknown[] = [];
    for (const work of works) last.push(await work());
    const times: number[][] = works.map(() => []);
    const started = performance.now();
    for (let i = 0; i < runs || (i < MAX_RUNS && performance.now() - started < MIN_TOTAL_MS); i++) {
        for (const [j, work] of works.entries()) {
            const t = performance.now();
            last[j] = await work();
            times[j].push(performance.now() - t);
        }
    }
    return works.map((_, j) => ({ ms: median(times[j]), runs: times[j].length, last: last[j] }));
}

const keySet = (rows: unknown): string => JSON.stringify([...new Set((rows as unknown[][]).map(r => Number(r[0])))].sort((a, b) => a - b));

async function main(): Promise<void> {
    const [size, engineName] = process.argv.slice(2) as [SizeName, EngineName];
    const file = await dataset(size);
    const cw = await openWorkspace(resolve('samples/retail'));
    const opened = await openEngine(engineName, file, size);
    const runs = Number(process.env.SEGMENTS_BENCH_RUNS ?? RUNS[size]);
    const runner = new SegmentRunner(opened.engine, cw.plans.plans, clockAsOf(BENCH_AS_OF));
    const segments: SegmentTiming[] = [];
    // The machine may be shared: native SQLite runs in turns with sql.js here, for a fair ratio.
    const native = engineName === 'sqljs' ? openNativeReadOnly(file) : undefined;
    const only = process.env.SEGMENTS_BENCH_SEGMENTS?.split(',');
    const measured = [...cw.plans.plans.values()].filter(p => !only || only.includes(p.name));
    const storageStarted = performance.now();
    await opened.engine.storage(measured.flatMap(p => plannedColumns(p, cw.plans.plans)));
    const storageMs = performance.now() - storageStarted;
    for (const s of cw.declared) {
        if (!cw.plans.plans.has(s.name) || (only && !only.includes(s.name))) continue;
        const sql = await runner.sql(s.name);
        const sqliteLike = engineName === 'sqljs' || engineName === 'native';
        const family: HandFamily = sqliteLike ? 'sqlite' : engineName === 'duckdb' ? 'duckdb' : 'postgres';
        // A segment's hand-tuned shapes for this engine (the SQLite ones also from HAND_TUNED; the journeys' on every engine).
        const journey = handTunedJourney(family, s.name);
        // At the huge size only the compiled queries are timed: the shapes are compared at medium and large.
        const shapes = size === 'huge' ? [] : [...(sqliteLike && HAND_TUNED[s.name] ? [HAND_TUNED[s.name]] : []), ...handTunedShapes(s.name, family), ...(journey ? [journey] : [])];
        // A segment whose query lists the keys a sample kept is timed as the runner evaluates it
        // (the query before the sample, the hash of each key, then the rest), from scratch each turn.
        const drawn = sampledSegments(runner.plan(s.name), cw.plans.plans).length > 0;
        const compiledWork = drawn
            ? async () => (await new SegmentRunner(opened.engine, cw.plans.plans, runner.clock).keys(s.name)).map(k => [k])
            : () => opened.engine.query(sql);
        const works: (() => Promise<unknown>)[] = [compiledWork, ...shapes.map(h => () => opened.engine.query(h))];
        if (native && !drawn) works.push(async () => native.prepare(sql).raw(true).all());
        const [compiled, ...others] = await timedTogether(runs, works);
        const keys = keySet(compiled.last);
        // The fastest shape that returns the same keys (all of them when none does, to say so).
        const hands = others.splice(0, shapes.length);
        const agreeing = hands.filter(h => keySet(h.last) === keys);
        const tuned = [...(agreeing.length > 0 ? agreeing : hands)].sort((a, b) => a.ms - b.ms)[0];
        const onNative = native ? others.shift() : undefined;
        segments.push({
            segment: s.name, kind: runner.plan(s.name).kind, members: (JSON.parse(keys) as number[]).length,
            compiledMs: round(compiled.ms), turns: compiled.runs,
            ...(tuned ? { handTunedMs: round(tuned.ms), handTunedAgrees: keySet(tuned.last) === keys } : {}),
            ...(onNative ? { nativeSameRunMs: round(onNative.ms) } : {})
        });
    }
    native?.close();
    await opened.engine.close();
    // DuckDB: a second open, as the next command's run would do it (from the kept copy).
    let note = opened.note;
    if (engineName === 'duckdb') {
        const again = await openEngine(engineName, file, size);
        await again.engine.close();
        note = `${note ?? ''}; second open ${round(again.loadMs)} ms (${again.note ?? ''})`;
    }
    const result: WorkerResult = { size, engine: engineName, runs, loadMs: round(opened.loadMs), storageMs: round(storageMs), ...(note ? { note } : {}), peakRssMiB: peakRssMiB(), segments };
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
});
