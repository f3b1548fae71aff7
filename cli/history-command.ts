import { existsSync } from 'node:fs';
import Papa from 'papaparse';
import { stringifyJson } from '../compiler/keys.js';
import { clockAsOf } from '../compiler/time.js';
import { defaultHistoryFile, HistoryStore, type Key, type RunRecord } from '../history/history-store.js';
import type { Io } from './commands.js';
import { UsageError } from './errors.js';
import { openWorkspace } from './workspace.js';

export interface HistoryOptions {
    readonly segment: string;
    readonly format?: 'table' | 'json' | 'csv';
    /** List the keys that entered and left at each run. */
    readonly changes?: boolean;
    /** The membership at a recorded run: a run number, or an instant (the latest run recorded at or before it). */
    readonly membersAt?: string;
    readonly history?: string;
}

/** `segments history PATH --segment NAME`: the segment's recorded runs, their changes, or its members at one run. */
export async function history(path: string, options: HistoryOptions, io: Io): Promise<number> {
    const cw = await openWorkspace(path);
    const database = cw.ws.model.database?.uri.fsPath;
    const file = options.history ?? (database ? defaultHistoryFile(database) : undefined);
    if (!file) throw new UsageError('there is no database file the history would be beside: give --history FILE');
    if (!existsSync(file)) throw new UsageError(`no history yet at ${file}: run \`segments refresh ${path}\` first`);
    let store: HistoryStore;
    try {
        store = await HistoryStore.open(file);
    } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    try {
        const runs = store.runs(options.segment);
        if (runs.length === 0) {
            const known = cw.ws.model.segments.has(options.segment);
            throw new UsageError(known ? `${options.segment} has no recorded run in ${file} yet: run \`segments refresh ${path}\``
                : `no segment named ${options.segment} (segments: ${[...cw.ws.model.segments.keys()].sort().join(', ')})`);
        }
        const format = options.format ?? 'table';
        if (options.membersAt !== undefined) {
            const run = runAt(runs.filter(r => !r.backfill), options.membersAt);
            const keys = store.membersAfter(options.segment, run.id)!;
            io.out(formatMembers(options.segment, run, keys, format));
            return 0;
        }
        const rows = runs.map(r => ({ run: r, ...(options.changes ? store.changesAt(r.id) : {}) }));
        io.out(formatRuns(rows, format, options.changes ?? false));
        return 0;
    } finally {
        store.close();
    }
}

/** The run named by `at`: its number, or the latest recorded at or before an instant. */
function runAt(runs: readonly RunRecord[], at: string): RunRecord {
    if (/^\d+$/.test(at)) {
        const run = runs.find(r => r.id === Number(at));
        if (!run) throw new UsageError(`--members-at ${at}: no refresh numbered ${at} (runs: ${runs.map(r => r.id).join(', ')})`);
        return run;
    }
    let instant: string;
    try {
        instant = clockAsOf(at).now;
    } catch (e) {
        throw new UsageError(`--members-at ${at}: ${(e as Error).message}, or a run number`);
    }
    const run = [...runs].reverse().find(r => r.recordedAt <= instant);
    if (!run) throw new UsageError(`--members-at ${at}: the first refresh was recorded at ${runs[0]?.recordedAt} (UTC), after it`);
    return run;
}

interface RunRow {
    readonly run: RunRecord;
    readonly entered?: readonly Key[];
    readonly left?: readonly Key[];
}

function runObject(r: RunRow, changes: boolean): Record<string, unknown> {
    return {
        run: r.run.id, recordedAt: r.run.recordedAt, asOf: r.run.asOf, count: r.run.count,
        entered: r.run.entered ?? null, left: r.run.left ?? null,
        ...(r.run.backfill ? { backfill: true } : {}),
        ...(changes ? { enteredKeys: r.entered ?? [], leftKeys: r.left ?? [] } : {})
    };
}

function formatRuns(rows: readonly RunRow[], format: 'table' | 'json' | 'csv', changes: boolean): string {
    if (format === 'json') return stringifyJson(rows.map(r => runObject(r, changes)), 2);
    const header = ['run', 'recorded at (UTC)', 'as of', 'count', 'entered', 'left', ...(changes ? ['entered keys', 'left keys'] : [])];
    const cells = rows.map(r => [
        String(r.run.id), r.run.recordedAt, r.run.asOf, String(r.run.count),
        r.run.backfill ? 'back-filled' : r.run.entered === undefined ? 'first' : String(r.run.entered),
        r.run.backfill || r.run.left === undefined ? '' : String(r.run.left),
        ...(changes ? [(r.entered ?? []).join(' '), (r.left ?? []).join(' ')] : [])
    ]);
    if (format === 'csv') return Papa.unparse({ fields: header.map(h => h.replace(' (UTC)', '').replace(/ /g, '_')), data: cells });
    return table(header, cells);
}

function formatMembers(segment: string, run: RunRecord, keys: readonly Key[], format: 'table' | 'json' | 'csv'): string {
    if (format === 'json') return stringifyJson({ segment, run: run.id, recordedAt: run.recordedAt, asOf: run.asOf, count: keys.length, keys }, 2);
    if (format === 'csv') return Papa.unparse({ fields: ['key'], data: keys.map(k => [k]) });
    return [`${segment}  ${keys.length} member${keys.length === 1 ? '' : 's'} at run ${run.id} (recorded ${run.recordedAt} UTC, as of ${run.asOf})`, ...keys.map(k => `  ${k}`)].join('\n');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const all = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...all.map(r => r[i].length)));
    const line = (r: readonly string[]): string => r.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
    return [line(header), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
