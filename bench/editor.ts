/**
 * Editor-level figures at one size on sql.js, through the evaluator the extension uses
 * (`extension/src/evaluator`): the first preview of a segment against its own query, the
 * dashboard of 12 and 50 segments against the sum of their queries, Explain Membership for
 * one key. Prints one JSON object on stdout.
 *
 *   npx tsx bench/editor.ts [small|medium] [--parts preview,dashboard,explain] [--segments A,B]
 *     [--dashboards 12,50] [--explain NAME[:KEY],...] [--turns 3]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { explain } from '../explain/explain.js';
import { buildDashboard, buildPreview, viewKeys } from '../extension/src/evaluator/reports.js';
import { overlaps } from '../extension/src/evaluator/overlaps.js';
import type { Key } from '../extension/src/shared/data.js';
import { CancelToken } from '../extension/src/evaluator/cancel.js';
import { WorkspaceSession } from '../extension/src/evaluator/session.js';
import { dataset, type SizeName } from './datasets.js';
import { BENCH_AS_OF } from './hand-tuned.js';

const SAMPLE = resolve('samples/retail');
/** Sample segments copied into the dashboards' workspaces (they read only the schema). */
const COPIED = ['HighBalance', 'FirstWeekBuyers', 'LapsedBuyers', 'FrequentBuyers', 'NeverPurchased', 'IrishSecurityProspects', 'SecurityLowSatisfaction'];
const neverCancelled = new CancelToken();

/** A folder whose database is the benchmark's: the sample's files (`all`), or its schema and `extra`. */
function workspace(file: string, all: boolean, extra = ''): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-editor-bench-'));
    for (const f of readdirSync(SAMPLE).filter(n => n.endsWith('.segment') && (all || n === 'schema.segment'))) writeFileSync(join(dir, f), readFileSync(join(SAMPLE, f), 'utf8'));
    if (extra) writeFileSync(join(dir, 'bench-extra.segment'), extra);
    symlinkSync(file, join(dir, 'retail.sqlite'));
    return dir;
}

/** A sample segment's text, from its keyword to its closing brace. */
function sampleSegment(name: string): string {
    for (const f of readdirSync(SAMPLE).filter(n => n.endsWith('.segment'))) {
        const text = readFileSync(join(SAMPLE, f), 'utf8');
        const at = text.search(new RegExp(`(dynamic|static|compound) segment ${name} \\{`));
        if (at < 0) continue;
        let depth = 0;
        for (let i = text.indexOf('{', at); i < text.length; i++) {
            if (text[i] === '{') depth++;
            else if (text[i] === '}' && --depth === 0) return text.slice(at, i + 1);
        }
    }
    throw new Error(`no sample segment ${name}`);
}

/** `n` segments for a dashboard: the copied sample segments, then variants of thresholds. */
function dashboardSegments(n: number): string {
    const copied = COPIED.slice(0, Math.min(n, COPIED.length)).map(sampleSegment);
    return `${copied.join('\n\n')}\n\n${variants(n - copied.length)}`;
}

/** Dynamic segments that vary the sample's thresholds. */
function variants(n: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
        const kind = i % 4;
        const body = kind === 0 ? `group { Customer.CreditBalance > ${1000 + i * 250} }`
            : kind === 1 ? `group { count(Purchase where Purchase.PurchasedAt in last ${30 + i * 5} days) >= ${1 + (i % 5)} }`
            : kind === 2 ? `group { Customer.CustomerSatisfaction < ${20 + i} and Customer.CreditBalance > ${i * 100} }`
            : `group { Product.Category = "Security" and Customer.CustomerSatisfaction > ${40 + i} }`;
        out.push(`dynamic segment BenchVariant${i} {\n  audience Customer\n  ${body}\n}\n`);
    }
    return out.join('\n');
}

const median = (xs: readonly number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (ms: number): number => Math.round(ms);

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const size = (args.find(a => !a.startsWith('--') && !args[args.indexOf(a) - 1]?.startsWith('--')) ?? 'medium') as SizeName;
    const opt = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
    const previewed = (opt('--segments') ?? 'IrishSecurityProspects,SecurityLowSatisfaction').split(',');
    const turns = Number(opt('--turns') ?? 3);
    const parts = (opt('--parts') ?? 'preview,dashboard,explain').split(',');
    const file = await dataset(size);
    const ctxOf = (session: WorkspaceSession) => ({ root: session.root, asOf: BENCH_AS_OF, engine: 'sqljs' as const });
    const result: Record<string, unknown> = { size, engine: 'sqljs' };
    const dirs: string[] = [];
    const sessions: WorkspaceSession[] = [];
    const open = async (dir: string): Promise<WorkspaceSession> => {
        dirs.push(dir);
        const session = new WorkspaceSession(dir, new Map());
        sessions.push(session);
        session.useEngine(ctxOf(session));
        await session.runnerAt(BENCH_AS_OF);
        return session;
    };
    /** A runner with nothing cached (a first preview) on the same open data. */
    const freshRunner = async (session: WorkspaceSession) => {
        (session as unknown as { runner?: unknown }).runner = undefined;
        return session.runnerAt(BENCH_AS_OF);
    };
    const ownQuery = async (session: WorkspaceSession, name: string, asOf = BENCH_AS_OF): Promise<number> => {
        const { runner, engine } = await session.runnerAt(asOf);
        const sql = await runner.sql(name);
        const t = performance.now();
        await engine.query(sql);
        return performance.now() - t;
    };
    try {
        const openStarted = performance.now();
        const session = await open(workspace(file, true));
        result.openMs = round(performance.now() - openStarted);
        const previews: unknown[] = [];
        /** Kept for the result, and said at once on stderr. */
        const keep = (list: unknown[], line: object): void => { list.push(line); process.stderr.write(`${JSON.stringify(line)}\n`); };
        for (const name of parts.includes('preview') ? previewed : []) {
            const own: number[] = [];
            const whole: number[] = [];
            const first: number[] = [];
            for (let i = 0; i < turns; i++) {
                // Each turn a second earlier: another instant is other SQL, so nothing the previous turn counted is reused (a first preview).
                const asOf = `${BENCH_AS_OF}T23:59:${String(59 - i).padStart(2, '0')}`;
                own.push(await ownQuery(session, name, asOf));
                const t = performance.now();
                let countAt = 0;
                const state = await buildPreview(session, { ...ctxOf(session), asOf }, { segment: name, pageOffset: 0, pageSize: 100 }, neverCancelled, () => { countAt = performance.now() - t; });
                whole.push(performance.now() - t);
                first.push(countAt || performance.now() - t);
                if (state.state !== 'result') throw new Error(`${name}: ${state.state}`);
            }
            keep(previews, { segment: name, ownQueryMs: round(median(own)), countMs: round(median(first)), previewMs: round(median(whole)), ratio: Math.round((median(whole) / median(own)) * 100) / 100 });
        }
        result.previews = previews;
        const dashboards: unknown[] = [];
        for (const count of parts.includes('dashboard') ? (opt('--dashboards') ?? '12,50').split(',').map(Number) : []) {
            const board = await open(workspace(file, false, dashboardSegments(count)));
            const names = [...(await board.loaded()).plans.plans.keys()];
            const sums: number[] = [];
            const times: number[] = [];
            const overlapTimes: number[] = [];
            for (let i = 0; i < turns; i++) {
                let sum = 0;
                for (const n of names) sum += await ownQuery(board, n);
                sums.push(sum);
                const { runner } = await freshRunner(board);
                const t = performance.now();
                const data = await buildDashboard(board, ctxOf(board), false, neverCancelled);
                times.push(performance.now() - t);
                // The overlap matrix alone, from the members the dashboard found.
                const members = new Map<string, readonly Key[]>();
                for (const row of data.rows) if (row.count !== undefined) members.set(row.name, viewKeys(await runner.keys(row.name)));
                const o = performance.now();
                overlaps(data.rows, members);
                overlapTimes.push(performance.now() - o);
            }
            await board.close();
            keep(dashboards, { segments: names.length, sumOfQueriesMs: round(median(sums)), dashboardMs: round(median(times)), overlapMs: round(median(overlapTimes)), ratio: Math.round((median(times) / median(sums)) * 100) / 100 });
        }
        result.dashboards = dashboards;
        const explained: unknown[] = [];
        for (const spec of parts.includes('explain') ? (opt('--explain') ?? 'IrishSecurityProspects,SecurityLowSatisfaction').split(',') : []) {
            const [name, asked] = spec.split(':');
            const { runner, engine, model: m } = await freshRunner(session);
            const key = asked !== undefined ? Number(asked) : Number((await runner.keys(name))[0]);
            const times: number[] = [];
            let member = false;
            for (let i = 0; i < turns; i++) {
                const fresh = await freshRunner(session);
                const t = performance.now();
                member = (await explain(m.plans.plans.get(name)!, m.workspace.model.segments.get(name)!, key, fresh.runner, engine, m.workspace.model.segments)).member;
                times.push(performance.now() - t);
            }
            keep(explained, { segment: name, key, member, explainMs: round(median(times)) });
        }
        result.explain = explained;
    } finally {
        for (const s of sessions) await s.close();
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
