/**
 * The compiler's SQL of version 1 and measure segments and every hand-written shape of them
 * (bench/hand-tuned.ts: `HAND_TUNED` and `handTunedShapes` for the engine's family), timed in
 * turns on one engine in one process, the keys of each checked against the compiler's.
 *
 *   npx tsx bench/segment-shapes.ts [small|medium|large] [sqljs|native|duckdb|postgres] [turns] [A,B,...]
 *
 * Prints, per segment, the median wall-clock and (in-process engines) CPU milliseconds of each
 * query, and the compiled query's ratio to the fastest shape that returns the same keys.
 * `CONTROL=1` also runs the compiled query last in each turn (a control for the order of turns).
 */
import { resolve } from 'node:path';
import { openWorkspace } from '../cli/workspace.js';
import { plannedColumns } from '../compiler/plan-uses.js';
import { clockAsOf } from '../compiler/time.js';
import { SegmentRunner } from '../engine/runner.js';
import { dataset, type SizeName } from './datasets.js';
import { openEngine, type EngineName } from './engines.js';
import { median, timeInTurns } from './turns.js';
import { BENCH_AS_OF, HAND_TUNED, handTunedShapes, type HandFamily } from './hand-tuned.js';

const [size = 'medium', engineName = 'sqljs', turnsText = '3', only] = process.argv.slice(2) as [SizeName?, EngineName?, string?, string?];
const turns = Number(turnsText);
const family: HandFamily = engineName === 'sqljs' || engineName === 'native' ? 'sqlite' : engineName;
const file = await dataset(size);
const cw = await openWorkspace(resolve('samples/retail'));
const opened = await openEngine(engineName, file, size);
const runner = new SegmentRunner(opened.engine, cw.plans.plans, clockAsOf(BENCH_AS_OF));
const inProcess = engineName !== 'postgres';
const names = only ? only.split(',') : [...new Set([...Object.keys(HAND_TUNED), 'LoyalHighValue', 'BoughtABestSeller', 'BestSellers', 'DiscountBuyers'])];

for (const segment of names) {
    const plan = cw.plans.plans.get(segment);
    if (!plan) throw new Error(`${segment} has no plan`);
    await opened.engine.storage(plannedColumns(plan, cw.plans.plans));
    const shapes = [...(family === 'sqlite' && HAND_TUNED[segment] ? [HAND_TUNED[segment]] : []), ...handTunedShapes(segment, family)];
    const sql = await runner.sql(segment);
    // CONTROL=1 runs the compiled query a second time, last in each turn: what order alone does.
    const queries: [string, string][] = [['compiled', sql], ...shapes.map((s, i): [string, string] => [`shape ${i + 1}`, s]), ...(process.env.CONTROL ? [['compiled 2', sql] as [string, string]] : [])];
    if (process.env.SHOW_SQL) console.log(queries[0][1]);
    const { wall, cpu, keys } = await timeInTurns(opened.engine, queries, turns);
    const agreeing = queries.map((_, i) => i).filter(i => i > 0 && keys[i] === keys[0]);
    const best = (xs: number[][]): number => Math.min(...agreeing.map(i => median(xs[i])));
    const ratio = (xs: number[][]): string => (agreeing.length ? `${(median(xs[0]) / best(xs)).toFixed(2)}x` : '-');
    console.log(`${segment} on ${engineName} (${size}, ${turns} turns): compiled / best shape: wall ${ratio(wall)}${inProcess ? `, cpu ${ratio(cpu)}` : ''}`);
    for (const [i, [name]] of queries.entries()) {
        const same = keys[i] === keys[0] ? '' : '  DIFFERENT KEYS';
        console.log(`  ${name.padEnd(10)} ${median(wall[i]).toFixed(1).padStart(8)} ms${inProcess ? `  cpu ${median(cpu[i]).toFixed(1).padStart(8)} ms` : ''}  ${(JSON.parse(keys[i]) as number[]).length} members${same}`);
    }
}
await opened.engine.close();
