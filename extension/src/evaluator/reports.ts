import * as ast from '../../../grammar/generated/ast.js';
import type { KeyValue, SegmentPlan } from '../../../compiler/ir.js';
import { properties } from '../../../compiler/lower.js';
import { ENGINE_LABELS, ENGINE_NAMES } from '../../../engine/open-engine.js';
import type { SegmentRunner } from '../../../engine/runner.js';
import type { SqlEngine } from '../../../engine/engine.js';
import type { DashboardData, DashboardRow, GroupBreakdown, HistoryInfo, Key, PreviewState, SegmentHeader, SegmentReport } from '../shared/data.js';
import { groupBreakdowns, partBreakdowns } from './breakdown.js';
import { stepBreakdowns } from './steps.js';
import { destinationViews } from './destinations.js';
import { overlaps } from './overlaps.js';
import type { CancelToken } from './cancel.js';
import { kindOf, segmentAt } from './find-segment.js';
import { destinationsThere, sendAttempts, sendToDestinations, webhookQueue } from '../../../activation/send.js';
import { deliverOutbox } from '../../../activation/webhook-delivery.js';
import { historyLocation } from '../../../history/history-location.js';
import { HistoryStore, HistoryWriteError, seriesOf, trendUpTo } from '../../../history/history-store.js';
import { fileTableVersions, tableVersions } from '../../../engine/refresh.js';
import { definitionOf, instantsFingerprint, keysFromSnapshot, refreshTables, sameInputs, sameState, segmentFingerprint, stateOf, type SegmentState } from '../../../engine/refresh-state.js';
import type { Clock } from '../../../compiler/time.js';
import type { EvaluationContext } from './protocol.js';
import { whyNotRunnable } from './not-runnable.js';
import { locationOf, type LoadedModel, type WorkspaceSession } from './session.js';

export interface PreviewRequest {
    readonly segment?: string;
    readonly uri?: string;
    readonly offset?: number;
    readonly pageOffset: number;
    readonly pageSize: number;
}

/** The history store of the workspace (see `historyLocation`), or undefined when there is none. */
export async function historyFor(session: WorkspaceSession, ctx: EvaluationContext): Promise<HistoryStore | undefined> {
    return (await openHistory(session, ctx)).store;
}

/**
 * The history store and where it is; when it cannot be opened, no store and a note saying why
 * (the views still show counts: history is an addition to them, never a condition).
 */
export async function openHistory(session: WorkspaceSession, ctx: EvaluationContext): Promise<{ store?: HistoryStore; info?: HistoryInfo }> {
    const location = await historyLocation(await session.databaseFile(), ctx);
    if (!location) return {};
    try {
        return { store: await HistoryStore.open(location.file), info: location };
    } catch (e) {
        return { info: { file: location.file, note: (e as Error).message } };
    }
}

export function headerOf(segment: ast.Segment, model: LoadedModel): SegmentHeader {
    const plan = model.plans.plans.get(segment.name);
    const props = properties(segment);
    return {
        name: segment.name,
        title: plan?.title ?? props.title ?? segment.name,
        ...(props.description !== undefined ? { description: props.description } : {}),
        kind: kindOf(segment),
        audience: audienceOf(segment, model),
        active: props.status !== 'inactive',
        location: locationOf(segment)
    };
}

/** The audience a segment's text gives (a compound segment without one: its first part's), also for a segment that cannot run. */
function audienceOf(segment: ast.Segment, model: LoadedModel, seen: Set<string> = new Set()): string {
    const plan = model.plans.plans.get(segment.name);
    const written = plan?.audience.name ?? properties(segment).audience?.entity?.$refText;
    if (written !== undefined || !ast.isCompoundSegment(segment) || seen.has(segment.name)) return written ?? '';
    seen.add(segment.name);
    const first = segment.parts[0]?.segment.ref;
    return first ? audienceOf(first, model, seen) : '';
}

/**
 * The preview of one segment: count, breakdown, one page of members, changes, trend, SQL.
 * `onCount` hears the report before its breakdown when there is one to count: the count, the
 * page of members, the changes and the SQL first (`breakdownPending`), then the whole report is
 * the answer.
 */
/** The engine that ran a view's queries, as users name it (sql.js, DuckDB, PostgreSQL). */
export function engineLabel(engine: SqlEngine): string {
    return ENGINE_LABELS[ENGINE_NAMES.find(n => n === engine.name) ?? 'sqljs'];
}

export async function buildPreview(session: WorkspaceSession, ctx: EvaluationContext, req: PreviewRequest, token: CancelToken, onCount?: (preview: PreviewState) => void): Promise<PreviewState> {
    const started = performance.now();
    const model = await session.loaded();
    const target = runnableTarget(model, req);
    if (!('plan' in target)) return target;
    const { segment, plan } = target;
    const { runner, clock, engine } = await session.runnerAt(ctx.asOf);
    await token.checkpoint();
    const keys = await runner.keys(plan.name);
    await token.checkpoint();
    const offset = Math.max(0, Math.min(req.pageOffset, Math.max(0, keys.length - 1)));
    // Pages start at multiples of the page size.
    const aligned = offset - (offset % req.pageSize);
    const pageKeys = keys.slice(aligned, aligned + req.pageSize);
    const shown = await runner.showRows(plan.name, pageKeys);
    const history = await historyFor(session, ctx);
    const counted: SegmentReport = {
        header: headerOf(segment, model),
        asOf: clock.now,
        count: keys.length,
        groups: [],
        parts: [],
        steps: [],
        page: { columns: shown.columns, rows: shown.rows.map(r => r.map(cell)), offset: aligned, total: keys.length, pageSize: req.pageSize },
        changes: history?.latestChanges(plan.name, viewSeries(plan, model, ctx, clock)) ?? { entered: [], left: [] },
        trend: trendUpTo(history?.trend(plan.name) ?? [], { asOf: clock.now, count: keys.length }),
        destinations: destinationViews(plan, history, model.workspace.root),
        sql: await runner.sql(plan.name),
        engine: engineLabel(engine),
        elapsedMs: Math.round(performance.now() - started)
    };
    history?.close();
    if (plan.kind === 'static') return { state: 'result', report: counted };
    onCount?.({ state: 'result', report: { ...counted, breakdownPending: true } });
    await token.checkpoint();
    const groups = plan.kind === 'dynamic' && ast.isDynamicSegment(segment) ? await memoBreakdowns(runner, plan.name, () => groupBreakdowns(plan, segment, runner, engine, token)) : [];
    const parts = plan.kind === 'compound' ? await partBreakdowns(plan, runner) : [];
    const steps = ast.isDynamicSegment(segment) || ast.isCompoundSegment(segment) ? await stepBreakdowns(plan, segment, runner, token) : [];
    return { state: 'result', report: { ...counted, groups, parts, steps, elapsedMs: Math.round(performance.now() - started) } };
}

export type SegmentTarget = { readonly segment: ast.Segment; readonly plan: SegmentPlan } | Exclude<PreviewState, { readonly state: 'result' }>;

/** The segment a view asks for (by name, or under the cursor) with its plan, else why it cannot run. */
export function runnableTarget(model: LoadedModel, req: Pick<PreviewRequest, 'segment' | 'uri' | 'offset'>): SegmentTarget {
    const segment = req.segment !== undefined
        ? model.workspace.model.segments.get(req.segment)
        : req.uri !== undefined ? segmentAt(model, req.uri, req.offset ?? 0) : undefined;
    if (!segment) return { state: 'empty', reason: req.segment ? `There is no segment named ${req.segment}.` : 'Put the cursor in a segment to preview it.' };
    const plan = model.plans.plans.get(segment.name);
    if (!plan) return { state: 'errors', segment: segment.name, problems: whyNotRunnable(segment, model) };
    return { segment, plan };
}

/**
 * Group breakdowns cost a query per condition: kept for as long as the runner is (same model,
 * data and clock), so moving the cursor or paging does not run them again.
 */
const breakdowns = new WeakMap<SegmentRunner, Map<string, Promise<GroupBreakdown[]>>>();

export function memoBreakdowns(runner: SegmentRunner, segment: string, compute: () => Promise<GroupBreakdown[]>): Promise<GroupBreakdown[]> {
    let cache = breakdowns.get(runner);
    if (!cache) breakdowns.set(runner, (cache = new Map()));
    let result = cache.get(segment);
    if (!result) {
        result = compute();
        cache.set(segment, result);
        // A cancelled or failed run must not stay cached.
        result.catch(() => cache.delete(segment));
    }
    return result;
}

/** Keys as the views and the history store hold them: a 64-bit key beyond 2^53 as its digits. */
export function viewKeys(keys: readonly KeyValue[]): Key[] {
    return keys.map(k => (typeof k === 'bigint' ? k.toString() : k));
}

function cell(value: unknown): string | number | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'number' || typeof value === 'string') return value;
    return String(value);
}

/** Segments that automatic refresh re-evaluates and records. */
export function isRefreshed(plan: SegmentPlan): boolean {
    return plan.active && plan.kind !== 'static';
}

/**
 * Every segment of the workspace: kind, audience, status, count, change, sparkline, and the
 * overlaps within each audience. With `record`, active dynamic and compound segments (and
 * static ones, once) are written to the history store. `onRows` hears the rows as their counts
 * arrive (`counting`: every row listed, those not counted yet `pending`), at most every
 * `everyMs`; the answer is the whole dashboard with its overlaps.
 */
export async function buildDashboard(session: WorkspaceSession, ctx: EvaluationContext, record: boolean, token: CancelToken, onRows?: (partial: DashboardData) => void, everyMs = PROGRESS_MS): Promise<DashboardData> {
    const started = performance.now();
    const model = await session.loaded();
    const { store: history, info } = await openHistory(session, ctx);
    // The data's versions are read before the engine reads the data (see `fileTableVersions`).
    const refresh = record && history ? await refreshInputs(session, ctx, model, history) : undefined;
    const { runner, clock, engine } = await session.runnerAt(ctx.asOf);
    const decisions = refresh && history ? await reuseUnchanged(model, history, runner, engine, ctx, clock, refresh) : new Map<string, RefreshDecision>();
    const members = new Map<string, readonly Key[]>();
    const sendProblems: string[] = [];
    const segments = [...model.workspace.model.segments.values()];
    const rows: DashboardRow[] = segments.map(segment => {
        const header = headerOf(segment, model);
        const base = { name: header.name, title: header.title, kind: header.kind, audience: header.audience, location: header.location };
        const plan = model.plans.plans.get(segment.name);
        if (!plan) return { ...base, status: 'error', trend: [], error: whyNotRunnable(segment, model)[0].message };
        return { ...base, status: plan.active ? 'active' : 'inactive', trend: [], pending: true };
    });
    const head = {
        asOf: clock.now,
        ...(model.workspace.model.database ? { database: model.workspace.model.database.uri.fsPath } : {}),
        engine: engineLabel(engine)
    };
    let sentAt = -Infinity;
    const progress = (force: boolean): void => {
        if (!onRows || (!force && performance.now() - sentAt < everyMs)) return;
        sentAt = performance.now();
        onRows({ ...head, refreshedAt: new Date().toISOString(), ...(info ? { history: { file: info.file } } : {}), rows: [...rows], overlaps: [], elapsedMs: Math.round(performance.now() - started), counting: true });
    };
    progress(true);
    for (const [i, segment] of segments.entries()) {
        const plan = model.plans.plans.get(segment.name);
        if (!plan) continue;
        const { pending: _pending, ...base } = rows[i];
        await token.checkpoint();
        let keys: readonly KeyValue[];
        try {
            keys = await runner.keys(plan.name);
        } catch (e) {
            rows[i] = { ...base, status: 'error', trend: [], error: (e as Error).message };
            progress(false);
            continue;
        }
        const viewed = viewKeys(keys);
        members.set(plan.name, viewed);
        const decision = decisions.get(plan.name);
        if (history && decision && !decision.reused) {
            // A refresh sends the segment to its destinations (reference, section 7), before it is
            // recorded (a table's entered_at reads the runs before); a preview never sends.
            const sent = await sendToDestinations(plan, keys, { runner, engine, workspace: model.workspace.root, history });
            for (const d of sent) {
                if (d.status === 'failed') sendProblems.push(`${plan.name} was not written to ${d.name}: ${d.reason}.`);
            }
            // Its webhook events are queued with the run (the same outbox as the command line's).
            history.record(plan.name, clock.now, viewed, undefined, sent.every(d => d.status !== 'failed') ? decision.state : undefined, webhookQueue(plan), decision.series);
            history.recordSends(plan.name, sendAttempts(sent, plan));
        }
        const change = history?.change(plan.name, viewSeries(plan, model, ctx, clock));
        rows[i] = {
            ...base,
            count: keys.length,
            ...(change !== undefined ? { change } : {}),
            trend: trendUpTo(history?.trend(plan.name) ?? [], { asOf: clock.now, count: keys.length }),
            ...(plan.destinations.length ? { destinations: destinationViews(plan, history, model.workspace.root) } : {})
        };
        progress(false);
    }
    if (refresh?.file && refresh.fromFile) history?.setDataVersions(refresh.file, refresh.fromFile.file.stamp, refresh.fromFile.file.versions);
    // A history that cannot be written never takes the dashboard down: the view says what happened.
    let problem: string | undefined;
    try {
        await history?.save();
    } catch (e) {
        if (!(e instanceof HistoryWriteError)) throw e;
        problem = e.message;
    } finally {
        history?.close();
    }
    // The outbox is sent in the background: a receiver that is slow or down never holds the dashboard up.
    if (record && history && !problem && info) void deliverOutbox(info.file).catch(() => undefined);
    const note = [info?.note, problem, ...sendProblems].filter(Boolean).join(' ');
    return {
        ...head,
        refreshedAt: new Date().toISOString(),
        ...(info ? { history: { file: info.file, ...(note ? { note } : {}) } } : {}),
        rows,
        overlaps: overlaps(rows, members),
        elapsedMs: Math.round(performance.now() - started)
    };
}

/** How often the dashboard sends its rows while it counts. */
export const PROGRESS_MS = 200;

/** The history series a view's counts belong to: the segment's definition at the view's kind of instant (`seriesOf`). */
export function viewSeries(plan: SegmentPlan, model: LoadedModel, ctx: EvaluationContext, clock: Clock): string {
    return seriesOf(definitionOf(plan, model.plans.plans), ctx.asOf === undefined ? undefined : clock.now);
}

interface RefreshInputs {
    readonly file?: string;
    readonly fromFile?: Awaited<ReturnType<typeof fileTableVersions>>;
}

async function refreshInputs(session: WorkspaceSession, ctx: EvaluationContext, model: LoadedModel, history: HistoryStore): Promise<RefreshInputs> {
    const file = ctx.engine === 'postgres' ? undefined : await session.databaseFile();
    if (!file) return {};
    const tables = new Set([...model.plans.plans.values()].flatMap(p => refreshTables(p, model.plans.plans)));
    const fromFile = await fileTableVersions(file, tables, history.dataVersions(file)).catch(() => undefined);
    return { file, ...(fromFile ? { fromFile } : {}) };
}

/** For one segment of a refresh: its series, what it depends on, and whether its members were taken from the history. */
interface RefreshDecision {
    readonly series: string;
    readonly state: SegmentState;
    readonly reused: boolean;
}

/**
 * The extension's refresh, incremental as `segments refresh` is: each active segment whose
 * definition, data and instants are those of its series' latest recorded run takes its members
 * from the history (seeded into the runner, so compound segments made of it reuse them too)
 * and records nothing (its destinations are there: files and tables looked at before any
 * segment is sent); the others are evaluated and recorded. Without file versions (a server's
 * data) the tables are scanned (`tableVersions`).
 */
async function reuseUnchanged(model: LoadedModel, history: HistoryStore, runner: SegmentRunner, engine: SqlEngine, ctx: EvaluationContext, clock: Clock, refresh: RefreshInputs): Promise<Map<string, RefreshDecision>> {
    const decisions = new Map<string, RefreshDecision>();
    const plans = model.plans.plans;
    const active = [...plans.values()].filter(p => p.active);
    const versions = refresh.fromFile?.versions ?? await tableVersions(engine, new Set(active.flatMap(p => refreshTables(p, plans))));
    for (const plan of active) {
        const series = viewSeries(plan, model, ctx, clock);
        const fingerprint = await segmentFingerprint(plan, model.workspace, plans);
        const tables = refreshTables(plan, plans);
        const recorded = history.refreshState(plan.name, series);
        const snapshot = history.snapshot(plan.name, series);
        const pinnedSame = ctx.asOf !== undefined && recorded?.instants !== undefined && sameInputs(recorded, stateOf(fingerprint, undefined, tables, versions));
        const state = pinnedSame ? recorded! : stateOf(fingerprint, await instantsFingerprint(plan, plans, runner), tables, versions);
        // A file deleted or a table dropped by hand is written again, so the segment is evaluated.
        const reused = snapshot !== undefined && sameState(recorded, state) && await destinationsThere(plan, engine, history);
        if (reused) runner.seed(plan.name, keysFromSnapshot(plan, snapshot));
        decisions.set(plan.name, { series, state, reused });
    }
    return decisions;
}
