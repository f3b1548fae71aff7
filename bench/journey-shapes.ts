/**
 * The hand-tuned shapes of the journey segments (bench/hand-tuned-journeys.ts) and the compiler's
 * SQL, timed in turns on one engine in one process (the machine may be shared: turns spread any
 * burst of load over all of them), with the keys of each checked against the compiler's.
 *
 *   npx tsx bench/journey-shapes.ts [small|medium|large] [sqljs|native|duckdb|postgres] [turns]
 *
 * Prints, per segment, the median wall-clock and (in-process engines) CPU milliseconds of each.
 */
import { resolve } from 'node:path';
import { openWorkspace } from '../cli/workspace.js';
import { plannedColumns } from '../compiler/plan-uses.js';
import { clockAsOf } from '../compiler/time.js';
import { SegmentRunner } from '../engine/runner.js';
import { dataset, type SizeName } from './datasets.js';
import { openEngine, type EngineName } from './engines.js';
import { median, timeInTurns } from './turns.js';
import { BENCH_AS_OF } from './hand-tuned.js';
import { JOURNEY_SHAPES, KEPT, type JourneyEngine } from './hand-tuned-journeys.js';

const [size = 'medium', engineName = 'sqljs', turnsText = '3'] = process.argv.slice(2) as [SizeName?, EngineName?, string?];
const turns = Number(turnsText);
const journeyEngine: JourneyEngine = engineName === 'sqljs' || engineName === 'native' ? 'sqlite' : engineName;
const file = await dataset(size);
const cw = await openWorkspace(resolve('samples/retail'));
const opened = await openEngine(engineName, file, size);
const runner = new SegmentRunner(opened.engine, cw.plans.plans, clockAsOf(BENCH_AS_OF));
const inProcess = engineName !== 'postgres';

for (const [segment, shapes] of Object.entries(JOURNEY_SHAPES[journeyEngine])) {
    const plan = cw.plans.plans.get(segment);
    if (!plan) throw new Error(`${segment} has no plan`);
    await opened.engine.storage(plannedColumns(plan, cw.plans.plans));
    const queries: [string, string][] = [['compiled', await runner.sql(segment)], ...Object.entries(shapes)];
    const { wall, cpu, keys } = await timeInTurns(opened.engine, queries, turns);
    console.log(`${segment} on ${engineName} (${size}, ${turns} turns; kept: ${KEPT[journeyEngine][segment]})`);
    for (const [i, [name]] of queries.entries()) {
        const same = keys[i] === keys[0] ? '' : '  DIFFERENT KEYS';
        console.log(`  ${name.padEnd(10)} ${median(wall[i]).toFixed(0).padStart(7)} ms${inProcess ? `  cpu ${median(cpu[i]).toFixed(0).padStart(7)} ms` : ''}  ${(JSON.parse(keys[i]) as number[]).length} members${same}`);
    }
}
await opened.engine.close();
