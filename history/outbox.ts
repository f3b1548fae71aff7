import type { Database } from 'sql.js';
import type { Key } from './history-store.js';
import type { StoreWriter } from './journal.js';

/**
 * The webhook outbox (reference, section 7): the entered/exited batches of each recorded run,
 * one row per batch and webhook destination, waiting until a 2xx answer; and each
 * destination's delivery state. Written only through `HistoryStore` (`record` queues a run's
 * batches in the run's own transaction; `markDelivered` and `markFailed` are saved like runs).
 */
export const OUTBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
    segment TEXT NOT NULL,
    destination TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (segment, destination, run_id, batch)
);
CREATE TABLE IF NOT EXISTS deliveries (
    segment TEXT NOT NULL,
    destination TEXT NOT NULL,
    url TEXT NOT NULL,
    delivered_run INTEGER,
    delivered_at TEXT,
    failing_since TEXT,
    last_error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    PRIMARY KEY (segment, destination)
);
`;

/** At most this many keys (entered and exited together) in one request (reference, section 7). */
export const MAX_KEYS_PER_BATCH = 10_000;

/** The webhook destinations a recorded run is queued for. */
export interface WebhookQueue {
    readonly audience: string;
    /** The audience's key is a number: a key the store holds as digits (beyond 2^53) is sent as a JSON number, exact. */
    readonly integerKeys: boolean;
    readonly destinations: readonly { readonly name: string; readonly url: string }[];
}

/** One request waiting in the outbox. */
export interface OutboxBatch {
    readonly segment: string;
    readonly destination: string;
    readonly url: string;
    readonly run: number;
    readonly batch: number;
    /** The JSON body, exactly as sent. */
    readonly body: string;
}

/** `RUN/BATCH`, the `Idempotency-Key` of a batch: the same at every retry, in every process. */
export function idempotencyKey(batch: Pick<OutboxBatch, 'run' | 'batch'>): string {
    return `${batch.run}/${batch.batch}`;
}

/** What the store knows of one destination of a segment. */
export interface DeliveryRecord {
    readonly segment: string;
    readonly destination: string;
    readonly url: string;
    /** The latest run whose batches were all answered 2xx. */
    readonly deliveredRun?: number;
    readonly deliveredAt?: string;
    /** The first failed attempt since the last success. */
    readonly failingSince?: string;
    readonly lastError?: string;
    /** Failed attempts since the last success. */
    readonly attempts: number;
    /** Not before this instant is the next attempt made (the backoff). */
    readonly nextAttemptAt?: string;
}

/**
 * Queues the batches of run `runId` for each webhook destination: the members that entered and
 * exited since the segment's previous run (`changes`: in its series, or, at a series' first run,
 * since the segment's latest run in another, which the destination was given), at most `MAX_KEYS_PER_BATCH` keys a batch; at a destination's
 * first run (the segment's first refresh, or a destination it activates since this run) every
 * member, as entered. Nothing is queued when nobody entered or left. Called inside the run's
 * own transaction.
 */
export function queueRun(db: StoreWriter, runId: number, segment: string, asOf: string, members: readonly Key[], changes: { readonly entered: readonly Key[]; readonly exited: readonly Key[] } | undefined, queue: WebhookQueue): void {
    const insert = db.prepare('INSERT OR REPLACE INTO outbox (segment, destination, run_id, batch, url, body) VALUES (?, ?, ?, ?, ?, ?)');
    for (const d of queue.destinations) {
        const known = db.exec('SELECT 1 FROM deliveries WHERE segment = ? AND destination = ?', [segment, d.name]).length > 0;
        if (known) db.run('UPDATE deliveries SET url = ? WHERE segment = ? AND destination = ?', [d.url, segment, d.name]);
        else db.run('INSERT INTO deliveries (segment, destination, url) VALUES (?, ?, ?)', [segment, d.name, d.url]);
        const bodies = known && changes ? batchBodies(runId, segment, asOf, changes.entered, changes.exited, queue) : batchBodies(runId, segment, asOf, members, [], queue);
        bodies.forEach((body, i) => insert.run([segment, d.name, runId, i + 1, d.url, body]));
    }
    insert.free();
}

function batchBodies(runId: number, segment: string, asOf: string, entered: readonly Key[], exited: readonly Key[], queue: WebhookQueue): string[] {
    const all: { key: Key; change: 'entered' | 'exited' }[] = [
        ...entered.map(key => ({ key, change: 'entered' as const })),
        ...exited.map(key => ({ key, change: 'exited' as const }))
    ];
    const bodies: string[] = [];
    for (let start = 0; start < all.length; start += MAX_KEYS_PER_BATCH) {
        const part = all.slice(start, start + MAX_KEYS_PER_BATCH);
        const keys = (change: 'entered' | 'exited'): string => `[${part.filter(p => p.change === change).map(p => keyJson(p.key, queue.integerKeys)).join(',')}]`;
        const head = JSON.stringify({ segment, audience: queue.audience, asOf, run: runId, batch: bodies.length + 1 });
        bodies.push(`${head.slice(0, -1)},"entered":${keys('entered')},"exited":${keys('exited')}}`);
    }
    return bodies;
}

function keyJson(key: Key, integerKeys: boolean): string {
    return integerKeys && typeof key === 'string' && /^-?\d+$/.test(key) ? key : JSON.stringify(key);
}

/** The batches waiting, oldest run first, then by batch; for one segment, or all. */
export function pendingBatches(db: Database, segment?: string): OutboxBatch[] {
    const rows = segment === undefined
        ? db.exec('SELECT segment, destination, url, run_id, batch, body FROM outbox ORDER BY segment, destination, run_id, batch')
        : db.exec('SELECT segment, destination, url, run_id, batch, body FROM outbox WHERE segment = ? ORDER BY destination, run_id, batch', [segment]);
    return rows.length === 0 ? [] : rows[0].values.map(r => ({
        segment: String(r[0]), destination: String(r[1]), url: String(r[2]), run: Number(r[3]), batch: Number(r[4]), body: String(r[5])
    }));
}

/** The delivery state of each webhook destination a segment was queued for, by destination name. */
export function deliveryRecords(db: Database, segment: string): DeliveryRecord[] {
    const rows = db.exec('SELECT segment, destination, url, delivered_run, delivered_at, failing_since, last_error, attempts, next_attempt_at FROM deliveries WHERE segment = ? ORDER BY destination', [segment]);
    return rows.length === 0 ? [] : rows[0].values.map(r => ({
        segment: String(r[0]), destination: String(r[1]), url: String(r[2]),
        ...(r[3] === null ? {} : { deliveredRun: Number(r[3]) }),
        ...(r[4] === null ? {} : { deliveredAt: String(r[4]) }),
        ...(r[5] === null ? {} : { failingSince: String(r[5]) }),
        ...(r[6] === null ? {} : { lastError: String(r[6]) }),
        attempts: Number(r[7]),
        ...(r[8] === null ? {} : { nextAttemptAt: String(r[8]) })
    }));
}

/**
 * A batch answered 2xx: it leaves the outbox; when it was its run's last, the destination is
 * delivered up to that run. The failure state is cleared. Applying it twice changes nothing.
 */
export function applyDelivered(db: StoreWriter, segment: string, destination: string, run: number, batch: number, at: string): void {
    db.run('BEGIN');
    db.run('DELETE FROM outbox WHERE segment = ? AND destination = ? AND run_id = ? AND batch = ?', [segment, destination, run, batch]);
    const left = db.exec('SELECT 1 FROM outbox WHERE segment = ? AND destination = ? AND run_id <= ? LIMIT 1', [segment, destination, run]);
    if (left.length === 0) {
        db.run('UPDATE deliveries SET delivered_run = ?, delivered_at = ? WHERE segment = ? AND destination = ? AND (delivered_run IS NULL OR delivered_run < ?)', [run, at, segment, destination, run]);
    }
    db.run('UPDATE deliveries SET failing_since = NULL, last_error = NULL, attempts = 0, next_attempt_at = NULL WHERE segment = ? AND destination = ?', [segment, destination]);
    db.run('COMMIT');
}

/** An attempt that got no 2xx answer: failing since the first such attempt, the error, the next attempt's instant. */
export function applyFailed(db: StoreWriter, segment: string, destination: string, at: string, error: string, nextAttemptAt: string): void {
    db.run(`UPDATE deliveries SET failing_since = COALESCE(failing_since, ?), last_error = ?, attempts = attempts + 1, next_attempt_at = ?
        WHERE segment = ? AND destination = ?`, [at, error, nextAttemptAt, segment, destination]);
}
