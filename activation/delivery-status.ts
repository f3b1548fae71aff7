import type { HistoryStore } from '../history/history-store.js';

/**
 * Where a segment's webhook destination stands (issue 12): `delivered` (nothing waits: every
 * recorded run's events were answered 2xx), `waiting` (batches queued, not tried yet or not
 * all sent), `failing` (the last attempt got no 2xx answer: since when, the error, the next try).
 */
export interface DestinationStatus {
    readonly segment: string;
    readonly destination: string;
    readonly url: string;
    readonly state: 'delivered' | 'waiting' | 'failing';
    /** The latest run whose events were all delivered; absent before the first. */
    readonly deliveredRun?: number;
    /** When that run's last batch was answered (ISO instant). */
    readonly deliveredAt?: string;
    /** Batches in the outbox, and the runs they belong to (ascending). */
    readonly waitingBatches: number;
    readonly waitingRuns: readonly number[];
    /** The first failed attempt since the last success (ISO instant), the last error, the failed attempts, the next try. */
    readonly failingSince?: string;
    readonly lastError?: string;
    readonly attempts: number;
    readonly nextAttemptAt?: string;
    /** The status in one phrase, as `segments refresh` prints it. */
    readonly summary: string;
}

/**
 * The delivery status of each webhook destination `segment` has been queued for, from the
 * history store (its outbox and delivery state), by destination name. For the command line's
 * refresh lines and the extension's dashboard and details views.
 */
export function destinationStatus(store: HistoryStore, segment: string): DestinationStatus[] {
    const waiting = store.outbox(segment);
    return store.deliveries(segment).map(d => {
        const mine = waiting.filter(b => b.destination === d.destination);
        const runs = [...new Set(mine.map(b => b.run))].sort((a, b) => a - b);
        const state = mine.length === 0 ? 'delivered' : d.attempts > 0 ? 'failing' : 'waiting';
        const status = {
            segment, destination: d.destination, url: d.url, state,
            ...(d.deliveredRun !== undefined ? { deliveredRun: d.deliveredRun } : {}),
            ...(d.deliveredAt !== undefined ? { deliveredAt: d.deliveredAt } : {}),
            waitingBatches: mine.length, waitingRuns: runs,
            ...(state === 'failing' && d.failingSince !== undefined ? { failingSince: d.failingSince } : {}),
            ...(state === 'failing' && d.lastError !== undefined ? { lastError: d.lastError } : {}),
            attempts: state === 'failing' ? d.attempts : 0,
            ...(state === 'failing' && d.nextAttemptAt !== undefined ? { nextAttemptAt: d.nextAttemptAt } : {})
        } as const;
        return { ...status, summary: summarize(status) };
    });
}

function summarize(s: Omit<DestinationStatus, 'summary'>): string {
    const upTo = s.deliveredRun !== undefined ? `delivered up to run ${s.deliveredRun}` : 'nothing delivered yet';
    if (s.state === 'delivered') return s.deliveredRun !== undefined ? upTo : 'nothing to send yet';
    const runs = s.waitingRuns.length === 1 ? `run ${s.waitingRuns[0]}` : `runs ${s.waitingRuns[0]}-${s.waitingRuns[s.waitingRuns.length - 1]}`;
    const queued = `${s.waitingBatches} batch${s.waitingBatches === 1 ? '' : 'es'} of ${runs} waiting`;
    if (s.state === 'waiting') return `${queued}, ${upTo}`;
    const next = s.nextAttemptAt ? `, next try at ${clock(s.nextAttemptAt)}` : '';
    return `failing since ${utc(s.failingSince ?? '')} (${s.attempts} attempt${s.attempts === 1 ? '' : 's'}${next}): ${s.lastError ?? 'no answer'}; ${queued}, ${upTo}`;
}

/** `YYYY-MM-DD HH:MM:SS UTC` of an ISO instant. */
function utc(iso: string): string {
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

function clock(iso: string): string {
    return iso.slice(11, 19);
}
