import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { DEFAULT_RETRY } from '../activation/webhook-delivery.js';
import { DatabaseError } from '../engine/engine.js';
import { MembersFileError } from '../engine/members-file.js';
import type { Io } from './commands.js';
import { UsageError } from './errors.js';
import { deliverAgain, refreshOnce, reportRefresh, type RefreshOptions, type RefreshResult } from './refresh-command.js';
import { openWorkspace } from './workspace.js';

export interface WatchOptions extends RefreshOptions {
    /** Refresh when the database file (SQLite, DuckDB) or a `.segment` file changes; PostgreSQL: every `poll` ms. */
    readonly watch?: boolean;
    /** Refresh on a schedule, every so many ms. */
    readonly every?: number;
    /** For `--watch` on PostgreSQL: how often the tables' versions are read (ms). */
    readonly poll?: number;
    /** `--retry-cap`: the longest wait between two webhook tries (ms). */
    readonly retryCap?: number;
}

/** How long after the last change of a burst the refresh starts (a writer replacing a file sends several events). */
export const DEBOUNCE_MS = 500;
export const DEFAULT_POLL_MS = 30_000;
/** The reason of a pass that only retries webhook deliveries (its backoff has passed). */
const RETRY = 'retrying deliveries';

/** `15m`, `30s`, `1h`, `2d`, or a number of seconds: in milliseconds. */
export function parseDuration(text: string): number {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
    const n = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'] : NaN;
    if (!Number.isFinite(n) || n < 1000) throw new InvalidArgumentError('expected a duration of a second or more, such as 30s, 15m or 1h');
    return n;
}

/**
 * `segments refresh PATH [--watch] [--every D]`. SIGINT and SIGTERM never cut a refresh short:
 * the one under way completes (its files written, its runs saved), then the command stops; a
 * second signal stops at once (every file is still whole: each is replaced by a rename).
 */
export async function refreshCommand(path: string, given: WatchOptions, io: Io): Promise<number> {
    const options: WatchOptions = given.retryCap === undefined ? given : { ...given, retry: { ...DEFAULT_RETRY, capMs: given.retryCap } };
    const stop = new StopSignal();
    try {
        if (!options.watch && options.every === undefined) {
            const result = await refreshOnce(path, options);
            reportRefresh(result, options.format ?? 'text', io);
            return result.code;
        }
        return await refreshLoop(path, options, io, stop);
    } finally {
        stop.dispose();
    }
}

async function refreshLoop(path: string, options: WatchOptions, io: Io, stop: StopSignal): Promise<number> {
    const cw = await openWorkspace(path);
    const database = cw.ws.model.database?.uri.fsPath;
    const watchers: FSWatcher[] = [];
    const trigger = new Trigger();
    const postgres = options.engine === 'postgres';
    if (options.watch && !postgres) {
        if (!database) throw new UsageError(`--watch needs a \`database "file"\` line in the workspace ${cw.ws.root}`);
        const names = new Set([basename(database), `${basename(database)}-wal`, `${basename(database)}.wal`]);
        watchers.push(watch(dirname(database), (_event, name) => { if (name && names.has(String(name))) trigger.fire('the database changed', DEBOUNCE_MS); }));
    }
    if (options.watch) {
        watchers.push(watch(cw.ws.root, { recursive: true }, (_event, name) => { if (name && String(name).endsWith('.segment')) trigger.fire('a .segment file changed', DEBOUNCE_MS); }));
    }
    const period = options.every ?? (options.watch && postgres ? options.poll ?? DEFAULT_POLL_MS : undefined);
    const timer = period === undefined ? undefined : setInterval(() => trigger.fire(options.every !== undefined ? 'scheduled' : 'polling PostgreSQL', 0), period);
    stop.onStop(() => trigger.fire('stop', 0));
    // Webhook batches still waiting are tried again when their backoff has passed, between refreshes.
    let retryTimer: NodeJS.Timeout | undefined;
    const scheduleRetry = (result: RefreshResult): void => {
        if (retryTimer) clearTimeout(retryTimer);
        retryTimer = undefined;
        const at = result.delivery.nextAttemptAt;
        if (at !== undefined) retryTimer = setTimeout(() => trigger.retry(RETRY), Math.max(0, at - Date.now()));
    };
    const passOptions: RefreshOptions = { ...options, shouldStop: () => stop.stopped };
    let last: RefreshResult | undefined;
    const what = [options.watch ? (postgres ? `PostgreSQL every ${seconds(period!)}` : `${database} and the .segment files`) : undefined, options.every !== undefined ? `every ${seconds(options.every)}` : undefined].filter(Boolean).join(', ');
    io.err(`segments: watching ${what}; Ctrl+C to stop`);
    try {
        let reason = 'start';
        while (!stop.stopped) {
            const header = `-- ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC (${reason})`;
            try {
                if (reason === RETRY && last) {
                    // A retry is printed when it delivered something: a failure again is the status already shown.
                    last = await deliverAgain(last, passOptions);
                    if (last.delivery.delivered > 0) {
                        io.out(header);
                        reportRefresh(last, options.format ?? 'text', io);
                    }
                } else {
                    io.out(header);
                    last = await refreshOnce(path, passOptions);
                    reportRefresh(last, options.format ?? 'text', io);
                }
                scheduleRetry(last);
            } catch (e) {
                // A mistake at the first refresh ends the command (exit 2); a later problem with the data
                // or the files is reported, and the next change refreshes again.
                if (reason === 'start' || !(e instanceof UsageError || e instanceof DatabaseError || e instanceof MembersFileError)) throw e;
                io.err(`segments: ${e.message}`);
            }
            if (stop.stopped) break;
            reason = await trigger.next();
        }
    } finally {
        watchers.forEach(w => w.close());
        if (timer) clearInterval(timer);
        if (retryTimer) clearTimeout(retryTimer);
    }
    io.err('segments: stopped');
    return 0;
}

function seconds(ms: number): string {
    return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** Changes that ask for a refresh, gathered while one runs and debounced. */
class Trigger {
    private pending: string | undefined;
    private timer: NodeJS.Timeout | undefined;
    private waiter: ((reason: string) => void) | undefined;

    fire(reason: string, delayMs: number): void {
        if (this.timer) clearTimeout(this.timer);
        const deliver = (): void => {
            this.timer = undefined;
            if (this.waiter) {
                const w = this.waiter;
                this.waiter = undefined;
                w(reason);
            } else {
                // A change asked for while a retry waits replaces it: the refresh delivers too.
                this.pending = reason === 'stop' || this.pending === undefined || this.pending === RETRY ? reason : this.pending;
            }
        };
        if (delayMs === 0) deliver();
        else this.timer = setTimeout(deliver, delayMs);
    }

    /**
     * A retry of the webhook deliveries: never in place of a refresh asked for (a refresh delivers
     * too), so it neither cancels a debounced change nor replaces one waiting.
     */
    retry(reason: string): void {
        if (this.timer || this.pending !== undefined) return;
        this.fire(reason, 0);
    }

    next(): Promise<string> {
        if (this.pending !== undefined) {
            const reason = this.pending;
            this.pending = undefined;
            return Promise.resolve(reason);
        }
        return new Promise(resolve => { this.waiter = resolve; });
    }
}

/** SIGINT and SIGTERM: the first asks to stop after the refresh under way, a second exits at once. */
class StopSignal {
    stopped = false;
    private readonly listeners: (() => void)[] = [];
    private readonly handler = (signal: NodeJS.Signals): void => {
        if (this.stopped) process.exit(signal === 'SIGINT' ? 130 : 143);
        this.stopped = true;
        this.listeners.forEach(l => l());
    };

    constructor() {
        process.on('SIGINT', this.handler);
        process.on('SIGTERM', this.handler);
    }

    onStop(listener: () => void): void {
        this.listeners.push(listener);
    }

    dispose(): void {
        process.off('SIGINT', this.handler);
        process.off('SIGTERM', this.handler);
    }
}
