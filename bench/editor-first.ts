/**
 * What a user waits for the first time a view opens on a database: each view from a new
 * evaluator session (the folder parsed, the file read, the checks made), through the request
 * handler the extension's worker runs. For the preview, the dashboard and Explain Membership:
 * the first part sent ahead of the answer, the first count, and the whole answer, in ms from
 * the request. Prints one JSON object on stdout.
 *
 *   npx tsx bench/editor-first.ts [small|medium] [--segment NAME] [--explain NAME] [--dashboard A,B,...]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CancelToken } from '../extension/src/evaluator/cancel.js';
import { handleRequest } from '../extension/src/evaluator/handle-request.js';
import type { EvaluationContext, EvaluatorRequest } from '../extension/src/evaluator/protocol.js';
import { WorkspaceSession } from '../extension/src/evaluator/session.js';
import { dataset, type SizeName } from './datasets.js';
import { BENCH_AS_OF } from './hand-tuned.js';

const SAMPLE = resolve('samples/retail');

/** A folder with the sample's schema and the `.segment` files holding `segments` (with the other segments in them), on the benchmark's database. */
function workspace(file: string, segments: readonly string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-first-bench-'));
    for (const f of readdirSync(SAMPLE).filter(n => n.endsWith('.segment'))) {
        const text = readFileSync(join(SAMPLE, f), 'utf8');
        if (f === 'schema.segment' || segments.some(s => new RegExp(`segment ${s} \\{`).test(text))) writeFileSync(join(dir, f), text);
    }
    symlinkSync(file, join(dir, 'retail.sqlite'));
    return dir;
}

interface Timing {
    /** The first part sent ahead of the answer (the preview's count, the dashboard's rows). */
    firstPartMs?: number;
    /** The first member count shown. */
    countMs?: number;
    answerMs: number;
    /** The dashboard's rows: every segment of the files copied. */
    rows?: number;
}

/** One request on a new session, timed; `countIn` says whether a part sent ahead holds a count. */
async function first(file: string, segments: readonly string[], request: EvaluatorRequest, countIn: (part: unknown) => boolean): Promise<Timing> {
    const dir = workspace(file, segments);
    const session = new WorkspaceSession(dir, new Map());
    const ctx: EvaluationContext = { root: dir, asOf: BENCH_AS_OF, engine: 'sqljs' };
    const t = performance.now();
    let firstPartMs: number | undefined;
    let countMs: number | undefined;
    try {
        const answer = await handleRequest(session, ctx, request, new CancelToken(), part => {
            firstPartMs ??= Math.round(performance.now() - t);
            if (countMs === undefined && countIn(part)) countMs = Math.round(performance.now() - t);
        });
        const answerMs = Math.round(performance.now() - t);
        if (countMs === undefined && countIn(answer)) countMs = answerMs;
        const rows = typeof answer === 'object' && answer !== null && 'rows' in answer && Array.isArray(answer.rows) ? answer.rows.length : undefined;
        return { ...(firstPartMs !== undefined ? { firstPartMs } : {}), ...(countMs !== undefined ? { countMs } : {}), answerMs, ...(rows !== undefined ? { rows } : {}) };
    } finally {
        await session.close();
        rmSync(dir, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const opt = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
    const size = (args[0] && !args[0].startsWith('--') ? args[0] : 'medium') as SizeName;
    const previewed = opt('--segment') ?? 'IrishSecurityProspects';
    const explained = opt('--explain') ?? 'IrishSecurityProspects';
    const board = (opt('--dashboard') ?? 'HighBalance,LapsedBuyers,FrequentBuyers,NeverPurchased,IrishSecurityProspects,SecurityLowSatisfaction').split(',');
    const file = await dataset(size);
    const say = (what: string, t: Timing): void => { process.stderr.write(`${what}: ${JSON.stringify(t)}\n`); };
    const hasCount = (part: unknown): boolean => typeof part === 'object' && part !== null && 'state' in part && part.state === 'result';
    const preview = await first(file, [previewed], { op: 'preview', segment: previewed, pageOffset: 0, pageSize: 100 }, hasCount);
    say(`preview ${previewed}`, preview);
    const rowCounted = (part: unknown): boolean => typeof part === 'object' && part !== null && 'rows' in part && Array.isArray(part.rows) && part.rows.some((r: { count?: number }) => r.count !== undefined);
    const dashboard = await first(file, board, { op: 'dashboard', record: false }, rowCounted);
    say(`dashboard of the files holding ${board.join(', ')}`, dashboard);
    // A member of the explained segment, found by its own session so the timed one starts cold.
    const key = await firstMember(file, explained);
    const explainTiming = await first(file, [explained], { op: 'explain', segment: explained, key }, part => typeof part === 'object' && part !== null && 'member' in part);
    say(`explain ${explained} ${key}`, explainTiming);
    process.stdout.write(`${JSON.stringify({ size, engine: 'sqljs', preview: { segment: previewed, ...preview }, dashboard: { files: board, ...dashboard }, explain: { segment: explained, key, ...explainTiming } }, null, 2)}\n`);
}

async function firstMember(file: string, segment: string): Promise<number> {
    const dir = workspace(file, [segment]);
    const session = new WorkspaceSession(dir, new Map());
    try {
        session.useEngine({ root: dir, asOf: BENCH_AS_OF, engine: 'sqljs' });
        const { runner } = await session.runnerAt(BENCH_AS_OF);
        return Number((await runner.keys(segment))[0]);
    } finally {
        await session.close();
        rmSync(dir, { recursive: true, force: true });
    }
}

await main();
