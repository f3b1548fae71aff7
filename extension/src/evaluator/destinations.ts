import { relative } from 'node:path';
import type { SegmentPlan } from '../../../compiler/ir.js';
import { destinationStatus } from '../../../activation/delivery-status.js';
import type { HistoryStore } from '../../../history/history-store.js';
import type { DestinationView } from '../shared/data.js';

/**
 * Each destination a segment activates and where its delivery stands, from the history store:
 * a file or table destination's latest send (the run written and when, or failing since when
 * with the latest error); a webhook's delivery from its outbox (`destinationStatus`: delivered up
 * to run N, waiting, failing since T with the latest error). For the dashboard and the details view.
 */
export function destinationViews(plan: SegmentPlan, history: HistoryStore | undefined, workspace: string): DestinationView[] {
    const sends = new Map((history?.sends(plan.name) ?? []).map(s => [s.destination, s]));
    const webhooks = history && plan.destinations.some(d => d.kind === 'webhook') ? destinationStatus(history, plan.name) : [];
    return plan.destinations.map(d => {
        if (d.kind === 'webhook') {
            const status = webhooks.find(w => w.destination === d.name);
            if (!status) return { name: d.name, kind: d.kind, target: d.url, state: 'never', summary: 'nothing queued yet: the next refresh queues its members as entered' };
            return {
                name: d.name, kind: d.kind, target: d.url, state: status.state,
                ...(status.deliveredRun !== undefined ? { run: status.deliveredRun } : {}),
                ...(status.deliveredAt !== undefined ? { at: utc(status.deliveredAt) } : {}),
                ...(status.failingSince !== undefined ? { failingSince: utc(status.failingSince) } : {}),
                ...(status.lastError !== undefined ? { error: status.lastError } : {}),
                summary: status.summary
            };
        }
        const target = d.kind === 'file' ? relative(workspace, d.path) || d.path : d.table;
        const sent = sends.get(d.name);
        const written = sent?.sentRun !== undefined ? `written at run ${sent.sentRun}, ${sent.sentAt} UTC` : undefined;
        if (sent?.failingSince !== undefined) {
            return {
                name: d.name, kind: d.kind, target, state: 'failing',
                ...(sent.sentRun !== undefined ? { run: sent.sentRun, at: sent.sentAt } : {}),
                failingSince: sent.failingSince, error: sent.error ?? '',
                summary: `failing since ${sent.failingSince} UTC: ${sent.error ?? ''}${written ? ` (last ${written})` : ' (never written)'}`
            };
        }
        if (sent?.sentRun !== undefined) return { name: d.name, kind: d.kind, target, state: 'delivered', run: sent.sentRun, at: sent.sentAt, summary: written! };
        return { name: d.name, kind: d.kind, target, state: 'never', summary: 'not written yet: the next refresh writes it' };
    });
}

/** `YYYY-MM-DD HH:MM:SS` of an ISO instant (UTC). */
function utc(iso: string): string {
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
