/**
 * The editor's figures through the evaluator the extension uses: the bundled worker
 * (out/evaluator.cjs) in a worker thread of this process, as the extension host runs it, on
 * the sample's segment files over a benchmark database (medium by default).
 *
 *   npx tsx bench/editor.bench.ts [--size medium] [--segment HighBalance] [--edits 50]
 *                                 [--evaluator out/evaluator.cjs] [--max-rss-mb 4000]
 *
 * - first preview: the first request of a fresh worker (parse, read the database, run, break down);
 * - edit-to-count, on odd edits: the unsaved text sent as the editor sends it, then the edited
 *   segment's count (`freeze`, which plans the segment and runs its query, nothing else);
 * - edit-to-count shown, on even edits: the unsaved text sent, then a preview, timed to the
 *   message that shows its count (with the page of members), and to its whole answer
 *   (edit-to-preview: the breakdown too);
 * - each in turns with the segment's own query (its compiled SQL after the edit) on sql.js over
 *   the same database, in a process of its own (`editor-baseline.ts`), so that its copy of the
 *   data is not counted as the editor's memory;
 * - memory: this process's resident memory after each edit (the worker is a thread of it),
 *   from the first edit on. A build that leaks a copy per edit is stopped at `--max-rss-mb`.
 *
 * Build first (`npm run bundle`); `--evaluator` names another build to compare.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { dataset, type SizeName } from './datasets.js';

interface Request { readonly op: string; readonly [key: string]: unknown }
type Answer = { readonly type: 'result'; readonly result: unknown } | { readonly type: 'error'; readonly message: string } | { readonly type: 'cancelled' } | { readonly type: 'progress'; readonly value: unknown };

function option(flag: string, fallback: string): string {
    const i = process.argv.indexOf(flag);
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** How each benchmarked segment is edited: its text on disk, and the text with the `i`th edit. */
const EDITS: Readonly<Record<string, { readonly file: string; readonly from: string; readonly to: (i: number) => string }>> = {
    HighBalance: { file: 'contact.segment', from: 'Customer.CreditBalance > 5000', to: i => `Customer.CreditBalance > ${5000 + (i % 20) * 100}` },
    SecurityLowSatisfaction: { file: 'security.segment', from: 'Customer.CustomerSatisfaction < 60', to: i => `Customer.CustomerSatisfaction < ${60 - (i % 20)}` }
};

const size = option('--size', 'medium') as SizeName;
const segment = option('--segment', 'HighBalance');
const edits = Number(option('--edits', '50'));
const evaluator = resolve(option('--evaluator', join('out', 'evaluator.cjs')));
const maxRss = Number(option('--max-rss-mb', '4000')) * 2 ** 20;
const edit = EDITS[segment];
if (!edit) throw new Error(`--segment: one of ${Object.keys(EDITS).join(', ')}`);

const database = await dataset(size, line => console.error(line));
const root = join(mkdtempSync(join(tmpdir(), 'segments-editor-bench-')), 'retail');
const sample = resolve('samples', 'retail');
mkdirSync(root);
for (const f of readdirSync(sample).filter(f => f.endsWith('.segment'))) copyFileSync(join(sample, f), join(root, f));
symlinkSync(database, join(root, 'retail.sqlite'));
const file = join(root, edit.file);
const text = readFileSync(file, 'utf8');
if (!text.includes(edit.from)) throw new Error(`${edit.file} no longer holds ${edit.from}`);

// The segment's own query runs in a process of its own, on its own copy: started before memory is measured.
const baseline = fork(resolve('bench', 'editor-baseline.ts'), [database], { execArgv: process.execArgv });
const baselineAnswers: ((a: { ms: number; rows: number }) => void)[] = [];
await new Promise<void>((ready, failed) => {
    baseline.once('error', failed);
    baseline.once('exit', code => failed(new Error(`the baseline process exited (${code})`)));
    baseline.on('message', (m: { ready?: true; ms?: number; rows?: number }) => {
        if (m.ready) ready();
        else baselineAnswers.shift()?.({ ms: m.ms!, rows: m.rows! });
    });
});
const ownQuery = (sql: string): Promise<{ ms: number; rows: number }> => new Promise(r => { baselineAnswers.push(r); baseline.send({ sql }); });

const worker = new Worker(evaluator);
let nextId = 1;
const waiting = new Map<number, (a: Answer) => void>();
const progress = new Map<number, (value: unknown) => void>();
worker.on('message', (m: Answer & { id: number }) => {
    if (m.type === 'progress') progress.get(m.id)?.(m.value);
    else waiting.get(m.id)?.(m);
});
const ask = async (request: Request, onProgress?: (value: unknown) => void): Promise<unknown> => {
    const id = nextId++;
    if (onProgress) progress.set(id, onProgress);
    const answer = await new Promise<Answer>(r => {
        waiting.set(id, r);
        worker.postMessage({ type: 'request', id, context: { root, asOf: '2027-02-11' }, request });
    });
    waiting.delete(id);
    progress.delete(id);
    if (answer.type !== 'result') throw new Error(`${request.op}: ${answer.type === 'error' ? answer.message : answer.type}`);
    return answer.result;
};
const overlay = (i: number): void => worker.postMessage({ type: 'overlay', file, text: text.replace(edit.from, edit.to(i)) });
const ms = (from: number): number => performance.now() - from;
const mb = (n: number): number => Math.round(n / 2 ** 20);
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ratio = (xs: readonly number[], base: readonly number[]): number | null => (xs.length ? Number((median(xs) / median(base)).toFixed(2)) : null);
type Preview = { readonly state: string; readonly report?: { readonly count: number; readonly breakdownPending?: boolean } };

let started = performance.now();
const first = await ask({ op: 'preview', segment, pageOffset: 0, pageSize: 50 }) as Preview;
const firstPreviewMs = ms(started);
if (first.state !== 'result') throw new Error(`first preview: ${first.state}`);

const toCount: number[] = [];
const toShownCount: number[] = [];
const toPreview: number[] = [];
const ownAfterCount: number[] = [];
const ownAfterPreview: number[] = [];
const rss: number[] = [];
let stopped: string | undefined;
for (let i = 1; i <= edits; i++) {
    overlay(i);
    started = performance.now();
    let count: number;
    if (i % 2 === 1) {
        count = (await ask({ op: 'freeze', segment }) as { count: number }).count;
        toCount.push(ms(started));
    } else {
        let shownAt: number | undefined;
        const preview = await ask({ op: 'preview', segment, pageOffset: 0, pageSize: 50 }, value => {
            if (shownAt === undefined && (value as Preview).report?.breakdownPending) shownAt = ms(started);
        }) as Preview;
        const whole = ms(started);
        if (preview.state !== 'result' || !preview.report) throw new Error(`edit ${i}: ${preview.state}`);
        count = preview.report.count;
        toShownCount.push(shownAt ?? whole);
        toPreview.push(whole);
    }
    // In turns: the segment's own query after the same edit, on the same data.
    const own = await ownQuery(await ask({ op: 'sql', segment }) as string);
    (i % 2 === 1 ? ownAfterCount : ownAfterPreview).push(own.ms);
    if (own.rows !== count) throw new Error(`edit ${i}: the evaluator counted ${count}, the segment's query returns ${own.rows}`);
    rss.push(process.memoryUsage.rss());
    if (rss.at(-1)! > maxRss) {
        stopped = `stopped after ${i} edits: resident memory ${mb(rss.at(-1)!)} MB passed --max-rss-mb`;
        break;
    }
}

await worker.terminate();
baseline.removeAllListeners('exit');
baseline.disconnect();

const growth = rss.length > 0 ? Math.max(...rss) - rss[0] : NaN;
const perEdit = rss.length > 1 ? (rss.at(-1)! - rss[0]) / (rss.length - 1) : NaN;
console.log(JSON.stringify({
    size, segment, evaluator, edits: rss.length, ...(stopped ? { stopped } : {}),
    firstPreviewMs: Math.round(firstPreviewMs),
    ownQueryMs: Math.round(median([...ownAfterCount, ...ownAfterPreview])),
    editToCountMs: Math.round(median(toCount)),
    editToCountRatio: ratio(toCount, ownAfterCount),
    editToCountShownMs: toShownCount.length ? Math.round(median(toShownCount)) : null,
    editToCountShownRatio: ratio(toShownCount, ownAfterPreview),
    editToPreviewMs: toPreview.length ? Math.round(median(toPreview)) : null,
    editToPreviewRatio: ratio(toPreview, ownAfterPreview),
    rssFirstEditMb: mb(rss[0] ?? NaN), rssMaxMb: mb(Math.max(...rss)), rssLastMb: mb(rss.at(-1) ?? NaN),
    rssGrowthMb: mb(growth), rssPerEditMb: Number((perEdit / 2 ** 20).toFixed(1)),
    rssEvery10EditsMb: rss.filter((_, i) => i % 10 === 0 || i === rss.length - 1).map(mb)
}, null, 2));
