import { existsSync } from 'node:fs';
import { HistoryLockTimeout, HistoryStore, HistoryWriteError, withDeliveryLock } from '../history/history-store.js';
import { idempotencyKey, type OutboxBatch } from '../history/outbox.js';
import { postJson } from './webhook-post.js';

/** Exponential backoff: the first retry after about `baseMs`, doubling, never more than `capMs`; each delay jittered. */
export interface RetryPolicy {
    readonly baseMs: number;
    readonly capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, capMs: 60_000 };
/** How long one request may take, answer included. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** A delivery pass starts no request after this long, so it holds the delivery lock well under its stale age (a minute). */
export const PASS_BUDGET_MS = 20_000;

export interface DeliveryOptions {
    readonly retry?: RetryPolicy;
    readonly timeoutMs?: number;
    readonly budgetMs?: number;
    /** The current URL of a destination (`segmentKey`), when the workspace still declares it: pending batches go there. */
    readonly urls?: ReadonlyMap<string, string>;
    /** Asked between requests: a stop signal ends the pass after the request under way. */
    readonly shouldStop?: () => boolean;
    /** How long to wait for another process's delivery pass. */
    readonly lockTimeoutMs?: number;
}

/** What one delivery pass did. */
export interface DeliveryPass {
    /** Requests made, answered 2xx, and not. */
    readonly sent: number;
    readonly delivered: number;
    readonly failed: number;
    /** Batches still waiting after the pass. */
    readonly waiting: number;
    /** The earliest instant (ms since the epoch) a waiting batch may be tried again; absent when none waits. */
    readonly nextAttemptAt?: number;
    /** Why the pass did not run or stopped early (another process delivering, a history that cannot be saved). */
    readonly problem?: string;
}

/** The key of a segment's destination in `DeliveryOptions.urls`. */
export function segmentKey(segment: string, destination: string): string {
    return `${segment}\u0000${destination}`;
}

/** The delay before retry number `attempt` (1 for the first retry): `base * 2^(attempt-1)`, capped, with equal jitter (between half and all of it). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
    const full = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(full / 2 + random() * (full / 2));
}

/**
 * Sends the webhook outbox of the history store `file` (reference, section 7): for each segment
 * and destination, its batches in order (run, then batch), each POSTed until a 2xx answer; a
 * failure stops that destination's queue (in order: nothing later is sent before it), records
 * the error and the next attempt's instant (the backoff), and the pass goes on with the other
 * destinations. A destination whose next attempt is later is left for then. Each answer is
 * saved in the store before the next request, so a crash re-sends at most the batch under way,
 * with the same `Idempotency-Key`. One process at a time delivers (the store's delivery lock);
 * it reads the outbox afresh under the lock, so what another process delivered is not sent again.
 */
export async function deliverOutbox(file: string, options: DeliveryOptions = {}): Promise<DeliveryPass> {
    if (!existsSync(file)) return { sent: 0, delivered: 0, failed: 0, waiting: 0 };
    try {
        return await withDeliveryLock(file, options.lockTimeoutMs ?? PASS_BUDGET_MS + 2 * (options.timeoutMs ?? REQUEST_TIMEOUT_MS), () => pass(file, options));
    } catch (e) {
        if (!(e instanceof HistoryLockTimeout)) throw e;
        const store = await HistoryStore.open(file);
        try {
            return { sent: 0, delivered: 0, failed: 0, waiting: store.outbox().length, nextAttemptAt: Date.now() + 1000, problem: 'another refresher is delivering to the webhooks; its batches are sent by it' };
        } finally {
            store.close();
        }
    }
}

async function pass(file: string, options: DeliveryOptions): Promise<DeliveryPass> {
    const retry = options.retry ?? DEFAULT_RETRY;
    const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const started = Date.now();
    const store = await HistoryStore.open(file);
    let sent = 0;
    let delivered = 0;
    let failed = 0;
    let problem: string | undefined;
    let next: number | undefined;
    const later = (at: number): void => { next = next === undefined ? at : Math.min(next, at); };
    try {
        const queues = new Map<string, OutboxBatch[]>();
        for (const b of store.outbox()) {
            const k = segmentKey(b.segment, b.destination);
            queues.set(k, [...(queues.get(k) ?? []), b]);
        }
        queue: for (const [key, batches] of queues) {
            const { segment, destination } = batches[0];
            const record = store.deliveries(segment).find(d => d.destination === destination);
            const due = record?.nextAttemptAt ? Date.parse(record.nextAttemptAt) : 0;
            if (due > Date.now()) {
                later(due);
                continue;
            }
            const attempts = record?.attempts ?? 0;
            for (const batch of batches) {
                if (options.shouldStop?.() || Date.now() - started > (options.budgetMs ?? PASS_BUDGET_MS)) {
                    later(Date.now());
                    break queue;
                }
                const url = options.urls?.get(key) ?? batch.url;
                const answer = await postJson(url, batch.body, idempotencyKey(batch), timeoutMs);
                sent++;
                if (answer.ok) {
                    delivered++;
                    store.markDelivered(segment, destination, batch.run, batch.batch);
                } else {
                    failed++;
                    const at = Date.now() + backoffDelay(attempts + 1, retry);
                    store.markFailed(segment, destination, `${answer.error} (${url})`, new Date(at).toISOString());
                    later(at);
                }
                try {
                    await store.save();
                } catch (e) {
                    if (!(e instanceof HistoryWriteError)) throw e;
                    problem = e.message;
                    later(Date.now() + backoffDelay(1, retry));
                    break queue;
                }
                if (!answer.ok) break;
            }
        }
        return { sent, delivered, failed, waiting: store.outbox().length, ...(next !== undefined ? { nextAttemptAt: next } : {}), ...(problem ? { problem } : {}) };
    } finally {
        store.close();
    }
}
