/**
 * `npx tsx bench/refresh.ts [--files contact.segment,valentines.segment] [--size medium]`: the
 * cost of a refresh (issue 10, section 5) on the benchmark data, through `segments refresh`'s
 * code (`refreshOnce`):
 *
 * - a first refresh (no history: every segment evaluated), a refresh with nothing changed, a
 *   refresh after a simulated day (incremental), and the same day from scratch (a new history);
 * - the history store with 50 segments of medium-sized memberships: its size on disk, and the
 *   time and bytes written by one refresh of all 50 (1% of each membership changed).
 *
 * The workspace is the sample's `.segment` files beside a copy of the cached data (the copy is
 * changed by the simulated day; the cache is not). Prints one JSON object.
 */
import { copyFileSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { refreshOnce } from '../cli/refresh-command.js';
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
        const afterDay = await refreshAll(history);
        const fromScratch = await refreshAll(join(dir, 'scratch.history.sqlite'));
        return { size, files, first, noChange, simulatedDay: day, afterDayIncremental: afterDay, afterDayFromScratch: fromScratch };
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
const which = option('only', 'both');
const result: Record<string, unknown> = {};
if (which !== 'history') result.refresh = await refreshes(size, files);
if (which !== 'refresh') result.history = await historyWrites();
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
