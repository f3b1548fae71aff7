import { existsSync } from 'node:fs';
import type { DestinationPlan, KeyValue, SegmentPlan } from '../compiler/ir.js';
import type { SqlEngine } from '../engine/engine.js';
import type { SegmentRunner } from '../engine/runner.js';
import type { SendAttempt, HistoryStore } from '../history/history-store.js';
import type { WebhookQueue } from '../history/outbox.js';
import type { DestinationStatus } from './delivery-status.js';
import { FileDestinationError, writeFileDestination } from './file-destination.js';
import { memberTableThere, tableDatabaseFor } from './table-databases.js';
import { TableDestinationError, writeMemberTable, type MemberRow } from './table-destination.js';

/** What became of one destination at a refresh. */
export interface DestinationOutcome {
    readonly name: string;
    readonly kind: DestinationPlan['kind'];
    /**
     * `sent`: written; `not-sent`: this version does not send this kind; `failed`: tried, and
     * `reason` says why. A webhook's events are `queued` in the outbox with the run, and after
     * delivery its status is `delivered`, `waiting` or `failing` (`delivery` says more): never
     * a failed refresh, the outbox keeps the events until the receiver takes them.
     */
    readonly status: 'sent' | 'not-sent' | 'failed' | 'queued' | DestinationStatus['state'];
    readonly path?: string;
    /** A table destination: the table's name, and where it is (`TableDatabase.where`). */
    readonly table?: string;
    readonly where?: string;
    readonly url?: string;
    readonly reason?: string;
    readonly delivery?: DestinationStatus;
}

/** What a refresher sends with: the runner and its engine, the workspace folder, the history store (before the run is recorded). */
export interface SendContext {
    readonly runner: SegmentRunner;
    readonly engine: SqlEngine;
    readonly workspace: string;
    readonly history: HistoryStore;
}

/**
 * Sends a refreshed segment's members to each destination it activates (reference, section 7),
 * in the order written: `file` destinations are replaced (key and `show` columns, read by
 * `runner`); `table` destinations have the segment's rows replaced (`table-destination.ts`);
 * `webhook` destinations are `queued`: the caller records the run with its `webhookQueue`, and
 * `deliverOutbox` sends it. Called before the refresh is recorded in `ctx.history` (a member's
 * `entered_at` is read from the runs before it).
 * Used by `segments refresh` and by the extension's automatic refresh.
 */
export async function sendToDestinations(plan: SegmentPlan, keys: readonly KeyValue[], ctx: SendContext): Promise<DestinationOutcome[]> {
    const outcomes: DestinationOutcome[] = [];
    for (const d of plan.destinations) outcomes.push(await send(d, plan, keys, ctx));
    return outcomes;
}

/**
 * Every file and table the segment is sent to exists (one deleted or dropped by hand makes a
 * refresh evaluate and send the segment again). Looked at before any segment is sent: segments
 * may share a table, which the first send creates again.
 */
export async function destinationsThere(plan: SegmentPlan, engine: SqlEngine, store: HistoryStore): Promise<boolean> {
    for (const d of plan.destinations) {
        if (d.kind === 'file' && !existsSync(d.path)) return false;
        if (d.kind === 'table' && !(await memberTableThere(engine, store, d.table))) return false;
    }
    return true;
}

/** The outcomes of file and table destinations the history keeps (`HistoryStore.recordSends`): those sent or failed (webhooks keep their own delivery state). */
export function sendAttempts(outcomes: readonly DestinationOutcome[], plan: SegmentPlan): SendAttempt[] {
    return outcomes.flatMap(o => {
        const d = plan.destinations.find(p => p.name === o.name);
        if (!d || d.kind === 'webhook' || (o.status !== 'sent' && o.status !== 'failed')) return [];
        return [{ destination: o.name, kind: d.kind, target: d.kind === 'file' ? d.path : d.table, outcome: o.status, ...(o.reason !== undefined ? { error: o.reason } : {}) }];
    });
}

async function send(d: DestinationPlan, plan: SegmentPlan, keys: readonly KeyValue[], ctx: SendContext): Promise<DestinationOutcome> {
    const { runner, workspace } = ctx;
    switch (d.kind) {
        case 'file':
            try {
                await writeFileDestination(d.path, workspace, await runner.showRows(plan.name, keys), d.format);
                return { name: d.name, kind: d.kind, status: 'sent', path: d.path };
            } catch (e) {
                if (e instanceof FileDestinationError) return { name: d.name, kind: d.kind, status: 'failed', path: d.path, reason: e.message };
                throw e;
            }
        case 'webhook':
            return { name: d.name, kind: d.kind, status: 'queued', url: d.url };
        case 'table': {
            const db = tableDatabaseFor(ctx.engine, ctx.history);
            if (typeof db === 'string') return { name: d.name, kind: d.kind, status: 'failed', table: d.table, reason: db };
            const since = ctx.history.enteredAt(plan.name);
            const rows: MemberRow[] = keys.map(k => ({ key: k, enteredAt: since.get(typeof k === 'bigint' ? k.toString() : k) ?? runner.clock.now }));
            try {
                await writeMemberTable(db, d.table, plan.name, plan.audience.key.type === 'number' ? 'number' : 'text', rows);
                return { name: d.name, kind: d.kind, status: 'sent', table: d.table, where: db.where };
            } catch (e) {
                if (e instanceof TableDestinationError) return { name: d.name, kind: d.kind, status: 'failed', table: d.table, where: db.where, reason: e.message };
                throw e;
            }
        }
    }
}

/** The webhook destinations of a plan, as `HistoryStore.record` queues a run's events for them; undefined when it has none. */
export function webhookQueue(plan: SegmentPlan): WebhookQueue | undefined {
    const destinations = plan.destinations.flatMap(d => (d.kind === 'webhook' ? [{ name: d.name, url: d.url }] : []));
    return destinations.length === 0 ? undefined : { audience: plan.audience.name, integerKeys: plan.audience.key.type === 'number', destinations };
}
