import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { destinationStatus, type DestinationStatus } from '../activation/delivery-status.js';
import { destinationsThere, sendAttempts, sendToDestinations, webhookQueue, type DestinationOutcome } from '../activation/send.js';
import { deliverOutbox, segmentKey, type DeliveryPass, type RetryPolicy } from '../activation/webhook-delivery.js';
import { stringifyJson } from '../compiler/keys.js';
import { properties } from '../compiler/lower.js';
import type { KeyValue, SegmentPlan } from '../compiler/ir.js';
import { DatabaseError } from '../engine/engine.js';
import type { EngineName } from '../engine/open-engine.js';
import type { SqlEngine } from '../engine/engine.js';
import { fileTableVersions, tableVersions, type TableVersions } from '../engine/refresh.js';
import { definitionOf, instantsFingerprint, refreshTables, sameInputs, sameState, segmentFingerprint, stateOf, type SegmentState } from '../engine/refresh-state.js';
import { SegmentRunner } from '../engine/runner.js';
import { defaultHistoryFile, HistoryStore, HistoryWriteError, seriesOf, type Key } from '../history/history-store.js';
import { openEngine, parseClock, type Io } from './commands.js';
import { formatDiagnostic } from './diagnostics.js';
import { UsageError } from './errors.js';
import { blockingErrors, openWorkspace, type CliWorkspace } from './workspace.js';

export interface RefreshOptions {
    readonly asOf?: string;
    readonly engine?: EngineName;
    readonly url?: string;
    readonly schema?: string;
    readonly format?: 'text' | 'json';
    /** The history store (default: `NAME.history.sqlite` beside the database). */
    readonly history?: string;
    /** The webhook retries' backoff (default: from 1 s, doubling, at most a minute). */
    readonly retry?: RetryPolicy;
    /** Asked between webhook requests: true ends the delivery pass (the outbox keeps the rest). */
    readonly shouldStop?: () => boolean;
}

export interface SegmentOutcome {
    readonly name: string;
    /**
     * `refreshed`: evaluated and recorded; `unchanged`: nothing it depends on changed, nothing
     * recorded; `delivery`: not evaluated, its webhook outbox retried between refreshes.
     */
    readonly status: 'refreshed' | 'unchanged' | 'error' | 'inactive' | 'delivery';
    readonly count?: number;
    /** Members that entered and left since the previous recorded refresh (the first: every member entered). */
    readonly entered?: number;
    readonly left?: number;
    readonly first?: boolean;
    /**
     * The first run of this definition at this kind of instant, after runs of another (the segment
     * was edited, or `--as-of` pins another instant): compared with nothing, every member entered.
     */
    readonly newSeries?: boolean;
    readonly destinations: readonly DestinationOutcome[];
    readonly errors?: readonly string[];
}

export interface RefreshResult {
    readonly asOf: string;
    readonly history: string;
    readonly segments: readonly SegmentOutcome[];
    /** What the webhook delivery after the refresh did (the whole outbox, also batches of earlier runs). */
    readonly delivery: DeliveryPass;
    /** The current URL of each segment's webhook destination (`segmentKey`), for later delivery passes. */
    readonly webhookUrls: ReadonlyMap<string, string>;
    /** 0, or 1 when a segment has errors or a file destination failed (a webhook that does not answer is `failing`, not an error). */
    readonly code: number;
}

/**
 * One refresh of the segments declared in `path`: each active segment whose definition or data
 * changed since its last recorded refresh is evaluated, its file destinations are replaced, and
 * the runs are recorded in the history store in one save. Destinations are written before the
 * history: a refresh stopped between the two leaves files newer than the history, and the next
 * refresh evaluates those segments again (their refresh state was not saved). A run's webhook
 * events are queued in the store's outbox in the run's own transaction; after the save the
 * outbox is delivered (`activation/webhook-delivery.ts`: also what earlier, crashed or stopped
 * refreshes left), and each segment's line carries its webhook destinations' status.
 */
export async function refreshOnce(path: string, options: RefreshOptions): Promise<RefreshResult> {
    const clock = parseClock(options.asOf);
    const cw = await openWorkspace(path);
    const database = cw.ws.model.database?.uri.fsPath;
    const historyFile = options.history ?? (database ? defaultHistoryFile(database) : undefined);
    if (!historyFile) throw new UsageError('there is no database file to keep the history beside: give --history FILE');
    const outcomes: SegmentOutcome[] = [];
    const targets: SegmentPlan[] = [];
    for (const s of cw.declared) {
        const plan = cw.runnable.get(s.name);
        if (!plan) {
            if (properties(s).status === 'inactive') outcomes.push({ name: s.name, status: 'inactive', destinations: [] });
            else outcomes.push({ name: s.name, status: 'error', destinations: [], errors: blockingErrors(cw, s).map(d => formatDiagnostic(d)) });
            continue;
        }
        if (!plan.active) outcomes.push({ name: s.name, status: 'inactive', destinations: [] });
        else targets.push(plan);
    }
    const store = await openStore(historyFile);
    try {
        if (targets.length > 0) {
            const engineName = options.engine ?? 'sqljs';
            const tables = new Map(targets.map(p => [p.name, refreshTables(p, cw.runnable)]));
            const allTables = new Set([...tables.values()].flat());
            // Read before the engine reads the data (see `fileTableVersions`); a server's data is scanned.
            const file = engineName === 'postgres' ? undefined : database;
            const fromFile = file ? await fileTableVersions(file, allTables, store.dataVersions(file)) : undefined;
            // A DuckDB database file is opened for writing only when a table destination is written to it.
            const writable = targets.some(p => p.destinations.some(d => d.kind === 'table'));
            let opened: { engine: SqlEngine; runner: SegmentRunner; versions: TableVersions } | undefined;
            const open = async (): Promise<{ engine: SqlEngine; runner: SegmentRunner; versions: TableVersions }> => {
                if (!opened) {
                    const engine = await openEngine(cw, engineName, options.url, options.schema, writable);
                    opened = { engine, runner: new SegmentRunner(engine, cw.runnable, clock), versions: fromFile?.versions ?? await tableVersions(engine, allTables) };
                }
                return opened;
            };
            try {
                // Looked at before any is sent: segments may share a table, which the first send creates again.
                // A table is looked for through the engine, so one is opened when a segment has a table destination.
                const there = new Map<string, boolean>();
                for (const plan of targets) {
                    there.set(plan.name, plan.destinations.some(d => d.kind === 'table')
                        ? await destinationsThere(plan, (await open()).engine, store)
                        : filesThere(plan));
                }
                for (const plan of targets) {
                    const series = seriesOf(definitionOf(plan, cw.runnable), options.asOf === undefined ? undefined : clock.now);
                    const fingerprint = await segmentFingerprint(plan, cw.ws, cw.runnable);
                    const recorded = store.refreshState(plan.name, series);
                    // At a pinned instant, the same definition and data resolve the same instants: nothing to evaluate.
                    if (options.asOf !== undefined && fromFile && recorded?.instants !== undefined && there.get(plan.name)!
                        && sameInputs(recorded, stateOf(fingerprint, undefined, tables.get(plan.name)!, fromFile.versions))) {
                        outcomes.push({ name: plan.name, status: 'unchanged', destinations: [] });
                        continue;
                    }
                    const { engine, runner, versions } = await open();
                    const state = stateOf(fingerprint, await instantsFingerprint(plan, cw.runnable, runner), tables.get(plan.name)!, versions);
                    outcomes.push(await refreshSegment(plan, cw, runner, engine, store, there.get(plan.name)!, state, series));
                }
            } finally {
                await opened?.engine.close();
            }
            if (file && fromFile) store.setDataVersions(file, fromFile.file.stamp, fromFile.file.versions);
        }
        try {
            await store.save();
        } catch (e) {
            if (e instanceof HistoryWriteError) throw new UsageError(e.message);
            throw e;
        }
    } finally {
        store.close();
    }
    const webhookUrls = new Map(targets.flatMap(p => p.destinations.flatMap(d => (d.kind === 'webhook' ? [[segmentKey(p.name, d.name), d.url] as const] : []))));
    const delivery = await deliverOutbox(historyFile, { urls: webhookUrls, ...(options.retry ? { retry: options.retry } : {}), ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}) });
    const statuses = await webhookStatuses(historyFile, targets);
    const withStatus = outcomes.map(o => {
        const mine = statuses.get(o.name);
        if (!mine || (o.status !== 'refreshed' && o.status !== 'unchanged')) return o;
        // A refreshed segment's destinations in the order written, each webhook with its status; an unchanged one's webhooks.
        const status = (name: string): DestinationOutcome | undefined => {
            const found = mine.find(m => m.destination === name);
            return found ? statusOutcome(found) : undefined;
        };
        const destinations = o.status === 'refreshed' ? o.destinations.map(d => (d.kind === 'webhook' ? status(d.name) ?? d : d)) : mine.map(statusOutcome);
        return { ...o, destinations };
    });
    const order = new Map(cw.declared.map((s, i) => [s.name, i]));
    withStatus.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
    const failed = withStatus.some(o => o.status === 'error' || o.destinations.some(d => d.status === 'failed'));
    return { asOf: clock.now, history: historyFile, segments: withStatus, delivery, webhookUrls, code: failed ? 1 : 0 };
}

/** The delivery status of the webhook destinations each plan activates, read from the store after delivery. */
export async function webhookStatuses(historyFile: string, plans: readonly SegmentPlan[]): Promise<Map<string, DestinationStatus[]>> {
    const result = new Map<string, DestinationStatus[]>();
    const wanted = plans.filter(p => p.destinations.some(d => d.kind === 'webhook'));
    if (wanted.length === 0 || !existsSync(historyFile)) return result;
    const store = await openStore(historyFile);
    try {
        for (const plan of wanted) {
            const known = destinationStatus(store, plan.name);
            const mine = plan.destinations.flatMap(d => (d.kind === 'webhook' ? known.filter(k => k.destination === d.name) : []));
            if (mine.length > 0) result.set(plan.name, mine);
        }
    } finally {
        store.close();
    }
    return result;
}

function statusOutcome(s: DestinationStatus): DestinationOutcome {
    return { name: s.destination, kind: 'webhook', status: s.state, url: s.url, reason: s.summary, delivery: s };
}

async function openStore(file: string): Promise<HistoryStore> {
    try {
        return await HistoryStore.open(file);
    } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
    }
}

async function refreshSegment(plan: SegmentPlan, cw: CliWorkspace, runner: SegmentRunner, engine: SqlEngine, store: HistoryStore, there: boolean, state: SegmentState, series: string): Promise<SegmentOutcome> {
    if (there && sameState(store.refreshState(plan.name, series), state)) return { name: plan.name, status: 'unchanged', destinations: [] };
    const earlier = store.runs(plan.name).some(r => !r.backfill);
    let keys: readonly KeyValue[];
    try {
        keys = await runner.keys(plan.name);
    } catch (e) {
        if (e instanceof DatabaseError) throw e;
        return { name: plan.name, status: 'error', destinations: [], errors: [(e as Error).message] };
    }
    const destinations = await sendToDestinations(plan, keys, { runner, engine, workspace: cw.ws.root, history: store });
    const sentAll = destinations.every(d => d.status !== 'failed');
    const recorded = store.record(plan.name, runner.clock.now, storedKeys(keys), undefined, sentAll ? state : undefined, webhookQueue(plan), series);
    store.recordSends(plan.name, sendAttempts(destinations, plan));
    // Only the clock moved and the members are the same: no run is recorded (a file written again is still said).
    if (!recorded.recorded && there) return { name: plan.name, status: 'unchanged', destinations };
    return {
        name: plan.name, status: 'refreshed', count: keys.length,
        entered: recorded.first ? keys.length : recorded.entered.length, left: recorded.left.length,
        ...(recorded.first ? { first: true } : {}),
        ...(recorded.first && earlier ? { newSeries: true } : {}),
        destinations
    };
}

/** Every file the segment's `file` destinations write exists (one deleted is written again). */
function filesThere(plan: SegmentPlan): boolean {
    return plan.destinations.every(d => d.kind !== 'file' || existsSync(d.path));
}

/** Keys as the history store holds them: a 64-bit key beyond 2^53 as its digits. */
function storedKeys(keys: readonly KeyValue[]): Key[] {
    return keys.map(k => (typeof k === 'bigint' ? k.toString() : k));
}

/** One line per segment (text), or one JSON object (json). */
export function formatRefresh(result: RefreshResult, format: 'text' | 'json', cwd = process.cwd()): string {
    const shown = (p: string): string => relative(cwd, p) || p;
    if (format === 'json') {
        const { sent, delivered, failed, waiting } = result.delivery;
        return stringifyJson({
            asOf: result.asOf, history: result.history,
            segments: result.segments.map(s => ({ ...s, destinations: s.destinations.map(d => ({ ...d, ...(d.path ? { path: shown(d.path) } : {}) })) })),
            webhooks: { sent, delivered, failed, waiting }
        }, 2);
    }
    const width = Math.max(0, ...result.segments.map(s => s.name.length));
    const digits = Math.max(0, ...result.segments.map(s => String(s.count ?? '').length));
    return result.segments.map(s => {
        const name = s.name.padEnd(width);
        switch (s.status) {
            case 'unchanged': return [`${name}  unchanged`, ...s.destinations.map(destinationText)].join('  ');
            case 'delivery': return [name, ...s.destinations.map(destinationText)].join('  ');
            case 'inactive': return `${name}  inactive, not refreshed`;
            case 'error': return `${name}  has errors, not refreshed (on stderr)`;
            case 'refreshed': {
                const sent = s.destinations.map(d => d.status === 'sent' ? `sent ${d.name} (${d.table !== undefined ? `table ${d.table} in ${d.where ?? ''}` : shown(d.path ?? '')})`
                    : d.status === 'failed' ? `${d.name} failed: ${d.reason}` : d.kind === 'webhook' ? destinationText(d) : `${d.name} not sent: ${d.reason}`);
                const first = s.newSeries ? ' (first refresh of this definition and instant)' : s.first ? ' (first refresh)' : '';
                return [`${name}  ${String(s.count).padStart(digits)}  +${s.entered} -${s.left}${first}`, ...sent].join('  ');
            }
        }
    }).join('\n');
}

/** A webhook destination in a segment's line: its name and delivery status. */
function destinationText(d: DestinationOutcome): string {
    return `${d.name} ${d.delivery?.summary ?? d.status}`;
}

/** Prints a refresh: the lines on stdout, each segment's errors on stderr. */
export function reportRefresh(result: RefreshResult, format: 'text' | 'json', io: Io): void {
    io.out(formatRefresh(result, format));
    if (result.delivery.problem) io.err(`segments: ${result.delivery.problem}`);
    for (const s of result.segments) {
        if (s.status !== 'error') continue;
        io.err(`${s.name} has errors and was not refreshed:`);
        for (const e of s.errors ?? []) io.err(`  ${e}`);
    }
}

/** `segments refresh PATH` once: prints the lines, returns the exit code. */
export async function refresh(path: string, options: RefreshOptions, io: Io): Promise<number> {
    const result = await refreshOnce(path, options);
    reportRefresh(result, options.format ?? 'text', io);
    return result.code;
}

/**
 * A delivery pass between refreshes (`--watch`, `--every`: a retry whose backoff has passed):
 * the outbox sent again, and the result of `last` with its segments' webhook statuses read afresh.
 */
export async function deliverAgain(last: RefreshResult, options: RefreshOptions): Promise<RefreshResult> {
    const delivery = await deliverOutbox(last.history, { urls: last.webhookUrls, ...(options.retry ? { retry: options.retry } : {}), ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}) });
    const store = existsSync(last.history) ? await openStore(last.history) : undefined;
    try {
        const segments = last.segments.flatMap(s => {
            const names = s.destinations.filter(d => d.kind === 'webhook').map(d => d.name);
            if (names.length === 0 || !store) return [];
            const known = destinationStatus(store, s.name);
            return [{ name: s.name, status: 'delivery' as const, destinations: names.flatMap(n => known.filter(k => k.destination === n)).map(statusOutcome) }];
        });
        return { ...last, segments, delivery, code: 0 };
    } finally {
        store?.close();
    }
}
