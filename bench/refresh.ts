/**
 * `npx tsx bench/refresh.ts [--files contact.segment,valentines.segment] [--size medium]`: the
 * cost of a refresh (issue 10, section 5) on the benchmark data, through `segments refresh`'s
 * code (`refreshOnce`):
 *
 * - a first refresh (no history: every segment evaluated), a refresh with nothing changed, a
 *   refresh after a simulated day (incremental), and the same day from scratch (a new history);
 * - the history store with 50 segments of medium-sized memberships: its size on disk, and the
 *   time and bytes written by one refresh of all 50 (1% of each membership changed);
 * - change detection alone (`--only detect`): the tables' versions from the file's pages, from
 *   the stamp recorded (nothing changed), and the SQL checksum of every column it replaced, in
 *   turns, medians of `--turns` (default 5).
 *
 * `--turns N` repeats the refresh sequence N times on fresh copies, the incremental and the
 * from-scratch refresh after the day taken in alternating order; medians are printed.
 *
 * The workspace is the sample's `.segment` files beside a copy of the cached data (the copy is
 * changed by the simulated day; the cache is not). Prints one JSON object.
 */
import { copyFileSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { refreshOnce } from '../cli/refresh-command.js';
import { fileTableVersions, tableVersions } from '../engine/refresh.js';
import { SqlJsEngine } from '../engine/sqljs-engine.js';
import { HistoryStore } from '../history/history-store.js';
import { simulateDay } from '../samples/retail/simulate-day.js';
import { dataset, type SizeName } from './datasets.js';

const AS_OF = '2027-03-01';

function option(name: string, fallback: string): string {
    const at = process.argv.indexOf(`--${name}`);
    return at >= 0 ? process.argv[at + 1] : fallback;
}

async function timed<T>(body: () => Promise<T>): Promise<{ ms: number; value: T }> {
    const started = performance.now();
    const value = await body();
    return { ms: Math.round(performance.now() - started), value };
}

let turnCount = 0;

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}

/** Change detection alone on the cached file, in turns: pages read and hashed, the stamp recorded, the SQL checksum. */
async function detection(size: SizeName, turns: number): Promise<Record<string, unknown>> {
    const file = await dataset(size);
    const tables = ['customers', 'products', 'purchases', 'interactions'];
    const engine = await SqlJsEngine.open(file);
    const pages: number[] = [];
    const stamp: number[] = [];
    const checksum: number[] = [];
    try {
        let known: Awaited<ReturnType<typeof fileTableVersions>>;
        for (let turn = 0; turn < turns; turn++) {
            const read = await timed(() => fileTableVersions(file, tables));
            pages.push(read.ms);
            known = read.value;
            stamp.push((await timed(() => fileTableVersions(file, tables, known!.file))).ms);
            checksum.push((await timed(() => tableVersions(engine, tables))).ms);
        }
    } finally {
        await engine.close();
    }
    return { size, bytes: statSync(file).size, tables, turns, pagesMs: median(pages), stampMs: median(stamp), sqlChecksumMs: median(checksum), all: { pages, stamp, checksum } };
}

async function refreshes(size: SizeName, files: readonly string[]): Promise<Record<string, unknown>> {
    const dir = mkdtempSync(join(tmpdir(), 'segments-bench-refresh-'));
    for (const f of readdirSync(resolve('samples/retail')).filter(f => f.endsWith('.segment'))) cpSync(join(resolve('samples/retail'), f), join(dir, f));
    copyFileSync(await dataset(size), join(dir, 'retail.sqlite'));
    const history = join(dir, 'retail.history.sqlite');
    const paths = files.map(f => join(dir, f));
    const refreshAll = async (historyFile: string): Promise<{ ms: number; refreshed: number; unchanged: number }> => {
        let refreshed = 0;
        let unchanged = 0;
        const started = performance.now();
        for (const path of paths) {
            const result = await refreshOnce(path, { asOf: AS_OF, history: historyFile });
            refreshed += result.segments.filter(s => s.status === 'refreshed').length;
            unchanged += result.segments.filter(s => s.status === 'unchanged').length;
        }
        return { ms: Math.round(performance.now() - started), refreshed, unchanged };
    };
    try {
        const first = await refreshAll(history);
        const noChange = await refreshAll(history);
        const day = await simulateDay(join(dir, 'retail.sqlite'));
        // In turns: which of the two after the day goes first alternates between calls.
        const scratchFirst = turnCount++ % 2 === 1;
        const fromScratchFirst = scratchFirst ? await refreshAll(join(dir, 'scratch.history.sqlite')) : undefined;
        const afterDay = await refreshAll(history);
        const fromScratch = fromScratchFirst ?? await refreshAll(join(dir, 'scratch.history.sqlite'));
        return { first, noChange, simulatedDay: day, afterDayIncremental: afterDay, afterDayFromScratch: fromScratch, scratchFirst };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** A membership of `n` keys out of 200,000 customers, spread by `seed`. */
function members(n: number, seed: number): number[] {
    const step = Math.max(1, Math.floor(200_000 / n));
    return Array.from({ length: n }, (_, i) => 1000 + ((i * step + seed * 7919) % 200_000));
}

async function historyWrites(): Promise<Record<string, unknown>> {
    const dir = mkdtempSync(join(tmpdir(), 'segments-bench-history-'));
    const file = join(dir, 'retail.history.sqlite');
    const sizes = Array.from({ length: 50 }, (_, i) => 2_000 + ((i * 37) % 50) * 2_000);
    try {
        const first = await HistoryStore.open(file);
        sizes.forEach((n, i) => first.record(`Segment${i}`, '2027-03-01 00:00:00', members(n, i)));
        await first.save();
        first.close();
        const bytes = (): number => readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
        const before = bytes();
        const writes: { ms: number; bytesWritten: number }[] = [];
        for (let day = 1; day <= 3; day++) {
            const snapshot = statSync(file);
            const journal = statSync(`${file}.journal`, { throwIfNoEntry: false })?.size ?? 0;
            const { ms } = await timed(async () => {
                const store = await HistoryStore.open(file);
                sizes.forEach((n, i) => {
                    const keys = members(n, i);
                    // 1% of the members replaced by others.
                    const changed = Math.max(1, Math.floor(n / 100));
                    store.record(`Segment${i}`, `2027-03-0${1 + day} 00:00:00`, [...keys.slice(changed), ...members(changed, i + 100 * day).map(k => k + 300_000)]);
                });
                await store.save();
                store.close();
            });
            const after = statSync(file);
            const rewritten = after.mtimeMs !== snapshot.mtimeMs || after.ino !== snapshot.ino;
            const journalAfter = statSync(`${file}.journal`, { throwIfNoEntry: false })?.size ?? 0;
            writes.push({ ms, bytesWritten: (rewritten ? after.size : 0) + Math.max(0, journalAfter - journal) });
        }
        return { segments: 50, members: sizes.reduce((a, b) => a + b, 0), bytesOnDisk: before, refreshOf50: writes };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

const size = option('size', 'medium') as SizeName;
const files = option('files', 'contact.segment,valentines.segment').split(',');
const which = option('only', 'all');
const turns = Number(option('turns', '1'));
const result: Record<string, unknown> = {};
if (which === 'all' || which === 'detect') result.detect = await detection(size, Number(option('turns', '5')));
if (which === 'all' || which === 'refresh') {
    const runs: Record<string, unknown>[] = [];
    for (let turn = 0; turn < turns; turn++) runs.push(await refreshes(size, files));
    const ms = (key: string): number => median(runs.map(r => (r[key] as { ms: number }).ms));
    result.refresh = { size, files, turns, medianMs: { first: ms('first'), noChange: ms('noChange'), afterDayIncremental: ms('afterDayIncremental'), afterDayFromScratch: ms('afterDayFromScratch') }, runs };
}
if (which === 'all' || which === 'history') result.history = await historyWrites();
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
