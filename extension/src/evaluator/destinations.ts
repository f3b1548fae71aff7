import { relative } from 'node:path';
import type { SegmentPlan } from '../../../compiler/ir.js';
import type { HistoryStore } from '../../../history/history-store.js';
import type { DestinationView } from '../shared/data.js';

/**
 * Each destination a segment activates and where its delivery stands, from the history store:
 * a file or table destination's latest send (the run written and when, or failing since when
 * with the latest error); a webhook's, this version does not send them, with the latest run the
 * history recorded. For the dashboard and the details view.
 */
export function destinationViews(plan: SegmentPlan, history: HistoryStore | undefined, workspace: string): DestinationView[] {
    const sends = new Map((history?.sends(plan.name) ?? []).map(s => [s.destination, s]));
    return plan.destinations.map(d => {
        if (d.kind === 'webhook') {
            const latest = history?.runs(plan.name).filter(r => !r.backfill).pop();
            return {
                name: d.name, kind: d.kind, target: d.url, state: 'unsupported',
                ...(latest ? { run: latest.id, at: latest.recordedAt } : {}),
                summary: `not sent: this version of Segments does not send webhooks${latest ? `; the history's latest run is ${latest.id}, recorded ${latest.recordedAt} UTC` : ''}`
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
