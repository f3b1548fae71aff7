import type { DestinationPlan, KeyValue, SegmentPlan } from '../compiler/ir.js';
import type { SegmentRunner } from '../engine/runner.js';
import { FileDestinationError, writeFileDestination } from './file-destination.js';

/** What became of one destination at a refresh. */
export interface DestinationOutcome {
    readonly name: string;
    readonly kind: DestinationPlan['kind'];
    /** `sent`: written; `not-sent`: this version does not send this kind; `failed`: tried, and `reason` says why. */
    readonly status: 'sent' | 'not-sent' | 'failed';
    readonly path?: string;
    readonly reason?: string;
}

/**
 * Sends a refreshed segment's members to each destination it activates (reference, section 7),
 * in the order written: `file` destinations are replaced (key and `show` columns, read by
 * `runner`); `webhook` and `table` destinations are not sent by this version, and say so.
 * Used by `segments refresh` and by the extension's automatic refresh.
 */
export async function sendToDestinations(plan: SegmentPlan, keys: readonly KeyValue[], runner: SegmentRunner, workspace: string): Promise<DestinationOutcome[]> {
    const outcomes: DestinationOutcome[] = [];
    for (const d of plan.destinations) outcomes.push(await send(d, plan, keys, runner, workspace));
    return outcomes;
}

async function send(d: DestinationPlan, plan: SegmentPlan, keys: readonly KeyValue[], runner: SegmentRunner, workspace: string): Promise<DestinationOutcome> {
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
            return { name: d.name, kind: d.kind, status: 'not-sent', reason: 'webhook destinations are not sent by this version of Segments (only file destinations are)' };
        case 'table':
            return { name: d.name, kind: d.kind, status: 'not-sent', reason: 'table destinations are not written by this version of Segments (only file destinations are)' };
    }
}
