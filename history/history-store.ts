import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { applyDelivered, applyFailed, deliveryRecords, OUTBOX_SCHEMA, pendingBatches, queueRun, type DeliveryRecord, type OutboxBatch, type WebhookQueue } from './outbox.js';

/** A member's key as the history holds it: a 64-bit key beyond 2^53 as its digits. */
export type Key = string | number;

export interface TrendPoint {
    /** The evaluation instant, `YYYY-MM-DD HH:MM:SS` (UTC). */
    readonly asOf: string;
    readonly count: number;
}

export interface MemberChanges {
    /** When the previous refresh happened; absent when there was none. */
    readonly since?: string;
    readonly entered: readonly Key[];
    readonly left: readonly Key[];
}

/**
 * What a refresh saw when it recorded a segment, so the next one can tell whether anything it
 * depends on changed: a fingerprint of its definition (and of the instants it resolves), and
 * the version of each table it reads. Written by the command line's refresh; a run recorded
 * without one (the extension's) clears it, so the next command-line refresh evaluates again.
 */
export interface RefreshState {
    readonly fingerprint: string;
    readonly tables: Readonly<Record<string, string>>;
}

/** One recorded run of a segment, oldest first in `runs`. */
export interface RunRecord {
    /** The run's number in the store (increasing across segments). */
    readonly id: number;
    /** When the run was recorded, `YYYY-MM-DD HH:MM:SS` (UTC). */
    readonly recordedAt: string;
    /** The instant the segment was evaluated at. */
    readonly asOf: string;
    readonly count: number;
    /** Members entered and left since the run before; absent at the first run and for back-filled points. */
    readonly entered?: number;
    readonly left?: number;
    /** A back-filled point of the trendline: a count only, no members. */
    readonly backfill: boolean;
}

let sqlJs: Promise<SqlJsStatic> | undefined;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    segment TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    count INTEGER NOT NULL,
    entered INTEGER,
    left_count INTEGER,
    backfill INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_segment ON runs (segment, id);
CREATE TABLE IF NOT EXISTS changes (run_id INTEGER NOT NULL, member, change TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_run ON changes (run_id);
CREATE TABLE IF NOT EXISTS members (segment TEXT NOT NULL, member NOT NULL, PRIMARY KEY (segment, member));
CREATE TABLE IF NOT EXISTS refresh_state (segment TEXT PRIMARY KEY, run_id INTEGER NOT NULL, fingerprint TEXT NOT NULL, tables TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sends (segment TEXT NOT NULL, destination TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
    sent_run INTEGER, sent_at TEXT, failing_since TEXT, error TEXT, PRIMARY KEY (segment, destination));
${OUTBOX_SCHEMA}`;

/** How long a writer waits for another writer's lock before giving up with a message. */
export const LOCK_TIMEOUT_MS = 15_000;
/** A lock older than this is stale: no save holds the lock for more than a moment. */
export const STALE_LOCK_MS = 60_000;

/** The default history file: beside the database, named after it. */
export function defaultHistoryFile(database: string): string {
    return join(dirname(database), `${basename(database).replace(/\.(sqlite3?|db)$/i, '')}.history.sqlite`);
}

/** The file operations a save makes that can fail for reasons outside the store (disk full, permissions); replaceable in tests. */
export interface HistoryFileSystem {
    /** Writes `bytes` to the new file `path` and flushes it to disk. */
    writeNew(path: string, bytes: Uint8Array): Promise<void>;
    rename(from: string, to: string): Promise<void>;
}

export const nodeHistoryFileSystem: HistoryFileSystem = {
    async writeNew(path, bytes) {
        const handle = await open(path, 'wx');
        try {
            await handle.writeFile(bytes);
            await handle.sync();
        } finally {
            await handle.close();
        }
    },
    rename: (from, to) => rename(from, to)
};

export interface HistoryOptions {
    readonly fs?: HistoryFileSystem;
    readonly lockTimeoutMs?: number;
}

/** A save that did not happen: one sentence saying what happened and that the previous history is kept. */
export class HistoryWriteError extends Error {
    constructor(readonly file: string, readonly reason: string) {
        super(`The history could not be saved to ${file}: ${reason}; the previous history is kept.`);
        this.name = 'HistoryWriteError';
    }
}

/** Another writer held the lock for longer than the timeout. */
export class HistoryLockTimeout extends HistoryWriteError {
    constructor(file: string, holder: string, waitedMs: number) {
        super(file, `another writer (${holder}) has held its lock for more than ${Math.round(waitedMs / 1000)} s, so these runs were not written; they are saved at the next refresh`);
        this.name = 'HistoryLockTimeout';
    }
}

/** What became of a file or table destination at a refresh, as the history keeps it (`activation/` sends; webhooks have their own delivery state). */
export interface SendAttempt {
    readonly destination: string;
    readonly kind: 'file' | 'table';
    /** The file's path or the table's name. */
    readonly target: string;
    /** `sent`: written; `failed`: tried, `error` says why. A destination not sent by the refresher itself is not recorded. */
    readonly outcome: 'sent' | 'failed';
    readonly error?: string;
}

/** The latest send of a segment to one file or table destination, across refreshes. */
export interface SendStatus {
    readonly destination: string;
    readonly kind: 'file' | 'table';
    readonly target: string;
    /** The latest run of the segment sent to it, and when (absent: never sent). */
    readonly sentRun?: number;
    readonly sentAt?: string;
    /** When the attempts started failing, and the latest one's error (absent: the latest attempt was sent). */
    readonly failingSince?: string;
    readonly error?: string;
}

/** A refresh or a back-filled point recorded by this writer and not yet saved. */
type Pending =
    | { readonly kind: 'record'; readonly segment: string; readonly asOf: string; readonly keys: readonly Key[]; readonly recordedAt: string; readonly state?: RefreshState; readonly webhooks?: WebhookQueue }
    | { readonly kind: 'point'; readonly segment: string; readonly asOf: string; readonly count: number; readonly recordedAt: string }
    | { readonly kind: 'sends'; readonly segment: string; readonly attempts: readonly SendAttempt[] }
    | { readonly kind: 'statements'; readonly sql: readonly string[] }
    | { readonly kind: 'delivered'; readonly segment: string; readonly destination: string; readonly run: number; readonly batch: number; readonly at: string }
    | { readonly kind: 'failed'; readonly segment: string; readonly destination: string; readonly at: string; readonly error: string; readonly nextAttemptAt: string };

/**
 * Segment counts and member changes over time, in a SQLite file written through sql.js.
 *
 * Several writers may share one file (two VS Code windows, the extension and the command line):
 * each keeps the runs it records since its last save, and a save takes the store's lock (a
 * `.lock` file created exclusively; a lock whose process is gone, or older than a minute, is
 * broken), reads the file again, adds its own runs to what is there, and replaces the file
 * atomically (a temporary file, flushed, then renamed over it). No writer's runs are lost, and a
 * crash in the middle of a write leaves the previous version intact. Temporary files left by a
 * writer that was killed are deleted by the next save.
 */
export class HistoryStore {
    private pending: Pending[] = [];

    private constructor(private db: Database, readonly file: string, private readonly options: HistoryOptions) {}

    static async open(file: string, options: HistoryOptions = {}): Promise<HistoryStore> {
        return new HistoryStore(await load(file), file, options);
    }

    /**
     * Records a refresh: the count, who entered and left since the previous snapshot. `state`
     * (the command line's refresh) is what the run depended on; without it the segment's
     * refresh state is cleared. `webhooks`: the run's entered/exited batches are queued in the
     * outbox for these destinations, in the run's own transaction (saved with it or not at all).
     */
    record(segment: string, asOf: string, keys: readonly Key[], recordedAt = isoNow(), state?: RefreshState, webhooks?: WebhookQueue): { entered: Key[]; left: Key[]; first: boolean } {
        this.pending.push({ kind: 'record', segment, asOf, keys: [...keys], recordedAt, ...(state ? { state } : {}), ...(webhooks ? { webhooks } : {}) });
        return applyRecord(this.db, segment, asOf, keys, recordedAt, state, webhooks);
    }

    /** The webhook batches waiting for a 2xx answer, in delivery order; of one segment, or of all. */
    outbox(segment?: string): OutboxBatch[] {
        return pendingBatches(this.db, segment);
    }

    /** The delivery state of each webhook destination `segment` was queued for. */
    deliveries(segment: string): DeliveryRecord[] {
        return deliveryRecords(this.db, segment);
    }

    /** A webhook batch answered 2xx: it leaves the outbox at the next save. `at`: an ISO instant. */
    markDelivered(segment: string, destination: string, run: number, batch: number, at = new Date().toISOString()): void {
        this.pending.push({ kind: 'delivered', segment, destination, run, batch, at });
        applyDelivered(this.db, segment, destination, run, batch, at);
    }

    /** An attempt to deliver to a webhook destination failed; the next is not before `nextAttemptAt` (ISO instants). */
    markFailed(segment: string, destination: string, error: string, nextAttemptAt: string, at = new Date().toISOString()): void {
        this.pending.push({ kind: 'failed', segment, destination, at, error, nextAttemptAt });
        applyFailed(this.db, segment, destination, at, error, nextAttemptAt);
    }

    /**
     * Records what became of each destination at the segment's latest refresh (recorded just
     * before): a destination sent remembers that run and its time; one failing remembers since
     * when, and the latest error.
     */
    recordSends(segment: string, attempts: readonly SendAttempt[]): void {
        if (attempts.length === 0) return;
        this.pending.push({ kind: 'sends', segment, attempts: [...attempts] });
        applySends(this.db, segment, attempts);
    }

    /** Each destination the segment was sent to or failed to be sent to, by name. */
    sends(segment: string): SendStatus[] {
        const rows = this.db.exec('SELECT destination, kind, target, sent_run, sent_at, failing_since, error FROM sends WHERE segment = ? ORDER BY destination', [segment]);
        return rows.length === 0 ? [] : rows[0].values.map(r => ({
            destination: String(r[0]), kind: String(r[1]) as SendStatus['kind'], target: String(r[2]),
            ...(r[3] === null ? {} : { sentRun: Number(r[3]), sentAt: String(r[4]) }),
            ...(r[5] === null ? {} : { failingSince: String(r[5]), error: String(r[6]) })
        }));
    }

    /**
     * For each member of the latest snapshot, the "as of" instant of the refresh it last
     * entered at (a member since the first refresh: that refresh's).
     */
    enteredAt(segment: string): Map<Key, string> {
        const result = new Map<Key, string>();
        const members = snapshotOf(this.db, segment);
        if (!members) return result;
        const first = this.db.exec('SELECT as_of FROM runs WHERE segment = ? AND backfill = 0 ORDER BY id LIMIT 1', [segment]);
        const since = String(first[0].values[0][0]);
        for (const k of members) result.set(k, since);
        const rows = this.db.exec("SELECT c.member, r.as_of FROM changes c JOIN runs r ON r.id = c.run_id WHERE r.segment = ? AND c.change = 'entered' ORDER BY r.id", [segment]);
        for (const [member, asOf] of rows.length ? rows[0].values : []) {
            if (result.has(member as Key)) result.set(member as Key, String(asOf));
        }
        return result;
    }

    /** The columns of a table in the store's file (name and declared type), none when there is no such table. */
    tableColumns(table: string): { name: string; type: string }[] {
        const rows = this.db.exec('SELECT name, type FROM pragma_table_info(?)', [table]);
        return rows.length === 0 ? [] : rows[0].values.map(r => ({ name: String(r[0]), type: String(r[1]) }));
    }

    /**
     * Runs statements on the store's file in one transaction, now and again at the save (the
     * file is written whole, so readers see all of them or none): a table destination of a
     * segment on sql.js lives here. Throws the database's error, with nothing applied.
     */
    runStatements(sql: readonly string[]): void {
        applyStatements(this.db, sql);
        this.pending.push({ kind: 'statements', sql: [...sql] });
    }

    /** What the latest refresh recorded by the command line depended on, if it is the latest run. */
    refreshState(segment: string): RefreshState | undefined {
        const rows = this.db.exec('SELECT fingerprint, tables FROM refresh_state WHERE segment = ?', [segment]);
        if (rows.length === 0) return undefined;
        const [fingerprint, tables] = rows[0].values[0];
        return { fingerprint: String(fingerprint), tables: JSON.parse(String(tables)) as Record<string, string> };
    }

    /** Every run of a segment (refreshes and back-filled points), in the order recorded. */
    runs(segment: string): RunRecord[] {
        const rows = this.db.exec('SELECT id, recorded_at, as_of, count, entered, left_count, backfill FROM runs WHERE segment = ? ORDER BY id', [segment]);
        return rows.length === 0 ? [] : rows[0].values.map(r => ({
            id: Number(r[0]), recordedAt: String(r[1]), asOf: String(r[2]), count: Number(r[3]),
            ...(r[4] === null ? {} : { entered: Number(r[4]) }),
            ...(r[5] === null ? {} : { left: Number(r[5]) }),
            backfill: Number(r[6]) === 1
        }));
    }

    /** The members that entered and left at run `runId`, each in ascending order. */
    changesAt(runId: number): { entered: Key[]; left: Key[] } {
        const rows = this.db.exec('SELECT member, change FROM changes WHERE run_id = ? ORDER BY member', [runId]);
        const values = rows.length ? rows[0].values : [];
        return {
            entered: values.filter(r => r[1] === 'entered').map(r => r[0] as Key),
            left: values.filter(r => r[1] === 'left').map(r => r[0] as Key)
        };
    }

    /**
     * The members of `segment` just after refresh `runId`: the latest snapshot with the changes
     * of every later refresh undone. Undefined when `runId` is not a refresh of the segment.
     */
    membersAfter(segment: string, runId: number): Key[] | undefined {
        const runs = this.runs(segment).filter(r => !r.backfill);
        if (!runs.some(r => r.id === runId)) return undefined;
        const members = snapshotOf(this.db, segment) ?? new Set<Key>();
        for (const run of runs.filter(r => r.id > runId).reverse()) {
            const { entered, left } = this.changesAt(run.id);
            for (const k of entered) members.delete(k);
            for (const k of left) members.add(k);
        }
        return [...members].sort(compareStoredKeys);
    }

    /** A back-filled point of the trendline ("as of" a past date); the member snapshot is kept. */
    recordPoint(segment: string, asOf: string, count: number, recordedAt = isoNow()): void {
        this.pending.push({ kind: 'point', segment, asOf, count, recordedAt });
        applyPoint(this.db, segment, asOf, count, recordedAt);
    }

    /** The members recorded by the latest refresh, or undefined before the first. */
    snapshot(segment: string): Set<Key> | undefined {
        return snapshotOf(this.db, segment);
    }

    /**
     * The trendline: every refresh and back-filled point, by "as of" instant, then in the order
     * recorded (refreshes pinned to one "as of" each still show as a point).
     */
    trend(segment: string): TrendPoint[] {
        const rows = this.db.exec('SELECT as_of, count FROM runs WHERE segment = ? ORDER BY as_of, id', [segment]);
        return rows.length ? rows[0].values.map(r => ({ asOf: String(r[0]), count: Number(r[1]) })) : [];
    }

    /** Members gained or lost at the latest refresh, compared with the one before. */
    latestChanges(segment: string): MemberChanges {
        const last = this.db.exec('SELECT id FROM runs WHERE segment = ? AND backfill = 0 ORDER BY id DESC LIMIT 2', [segment]);
        const ids = last.length ? last[0].values.map(r => Number(r[0])) : [];
        if (ids.length < 2) return { entered: [], left: [] };
        const since = this.db.exec('SELECT recorded_at FROM runs WHERE id = ?', [ids[1]])[0].values[0][0];
        const rows = this.db.exec('SELECT member, change FROM changes WHERE run_id = ? ORDER BY member', [ids[0]]);
        const values = rows.length ? rows[0].values : [];
        return {
            since: String(since),
            entered: values.filter(r => r[1] === 'entered').map(r => r[0] as Key),
            left: values.filter(r => r[1] === 'left').map(r => r[0] as Key)
        };
    }

    /** Count at the latest refresh minus the count at the one before, if there were two. */
    change(segment: string): number | undefined {
        const rows = this.db.exec('SELECT count FROM runs WHERE segment = ? AND backfill = 0 ORDER BY id DESC LIMIT 2', [segment]);
        const counts = rows.length ? rows[0].values.map(r => Number(r[0])) : [];
        return counts.length === 2 ? counts[0] - counts[1] : undefined;
    }

    /** Runs recorded and not saved yet (kept after a failed save, written by the next one). */
    get unsaved(): number {
        return this.pending.length;
    }

    /**
     * Writes this writer's new runs, merged under the lock with what other writers saved since
     * this store was read. Throws a `HistoryWriteError` (one sentence) when the file cannot be
     * written; the previous file is then intact and the runs stay pending.
     */
    async save(): Promise<void> {
        if (this.pending.length === 0) return;
        await withLock(this.file, this.options.lockTimeoutMs ?? LOCK_TIMEOUT_MS, async () => {
            await removeOrphans(this.file);
            const merged = await load(this.file);
            try {
                for (const p of this.pending) {
                    // A run another writer saved meanwhile with the same state and members (two refreshers
                    // at once on one workspace) is recorded once.
                    if (p.kind === 'record' && p.state && sameRun(merged, p.segment, p.state, p.keys)) continue;
                    if (p.kind === 'record') applyRecord(merged, p.segment, p.asOf, p.keys, p.recordedAt, p.state, p.webhooks);
                    else if (p.kind === 'point') applyPoint(merged, p.segment, p.asOf, p.count, p.recordedAt);
                    else if (p.kind === 'sends') applySends(merged, p.segment, p.attempts);
                    else if (p.kind === 'delivered') applyDelivered(merged, p.segment, p.destination, p.run, p.batch, p.at);
                    else if (p.kind === 'failed') applyFailed(merged, p.segment, p.destination, p.at, p.error, p.nextAttemptAt);
                    else {
                        // Checked when they were run; should another writer have made them fail since, the
                        // runs are still saved (the destination is written again at the next refresh).
                        try {
                            applyStatements(merged, p.sql);
                        } catch {
                            // nothing applied: applyStatements rolled back
                        }
                    }
                }
                await writeAtomically(this.file, merged.export(), this.options.fs);
            } catch (e) {
                merged.close();
                throw e;
            }
            this.db.close();
            this.db = merged;
            this.pending = [];
        });
    }

    close(): void {
        this.db.close();
    }
}

/** The store's file read into memory, or a new empty store when there is none yet. */
async function load(file: string): Promise<Database> {
    sqlJs ??= initSqlJs();
    const SQL = await sqlJs;
    const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw new HistoryWriteError(file, `it cannot be read (${reasonOf(e)})`);
    });
    const db = new SQL.Database(bytes);
    try {
        db.exec(SCHEMA);
    } catch (e) {
        db.close();
        throw new Error(`The history store ${file} is not a readable SQLite file (${(e as Error).message}): move it away to start a new history.`);
    }
    return db;
}

function applyRecord(db: Database, segment: string, asOf: string, keys: readonly Key[], recordedAt: string, state?: RefreshState, webhooks?: WebhookQueue): { entered: Key[]; left: Key[]; first: boolean } {
    const previous = snapshotOf(db, segment);
    const now = new Set<Key>(keys);
    const entered = previous ? keys.filter(k => !previous.has(k)) : [];
    const left = previous ? [...previous].filter(k => !now.has(k)) : [];
    db.run('BEGIN');
    db.run('INSERT INTO runs (segment, recorded_at, as_of, count, entered, left_count) VALUES (?, ?, ?, ?, ?, ?)',
        [segment, recordedAt, asOf, keys.length, previous ? entered.length : null, previous ? left.length : null]);
    const runId = Number(db.exec('SELECT last_insert_rowid()')[0].values[0][0]);
    const change = db.prepare('INSERT INTO changes (run_id, member, change) VALUES (?, ?, ?)');
    for (const k of entered) change.run([runId, k, 'entered']);
    for (const k of left) change.run([runId, k, 'left']);
    change.free();
    db.run('DELETE FROM members WHERE segment = ?', [segment]);
    const member = db.prepare('INSERT INTO members (segment, member) VALUES (?, ?)');
    for (const k of keys) member.run([segment, k]);
    member.free();
    db.run('DELETE FROM refresh_state WHERE segment = ?', [segment]);
    if (state) db.run('INSERT INTO refresh_state (segment, run_id, fingerprint, tables) VALUES (?, ?, ?, ?)', [segment, runId, state.fingerprint, JSON.stringify(state.tables)]);
    if (webhooks) queueRun(db, runId, segment, asOf, keys, previous ? { entered, exited: left } : undefined, webhooks);
    db.run('COMMIT');
    return { entered, left, first: !previous };
}

/** The sends of the segment's latest refresh: at that run, at the instant it was recorded. */
function applySends(db: Database, segment: string, attempts: readonly SendAttempt[]): void {
    const latest = db.exec('SELECT id, recorded_at FROM runs WHERE segment = ? AND backfill = 0 ORDER BY id DESC LIMIT 1', [segment]);
    if (latest.length === 0) return;
    const [runId, recordedAt] = latest[0].values[0];
    for (const a of attempts) {
        if (a.outcome === 'sent') {
            db.run(`INSERT INTO sends (segment, destination, kind, target, sent_run, sent_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (segment, destination) DO UPDATE SET kind = excluded.kind, target = excluded.target, sent_run = excluded.sent_run, sent_at = excluded.sent_at, failing_since = NULL, error = NULL`,
            [segment, a.destination, a.kind, a.target, runId, recordedAt]);
        } else {
            db.run(`INSERT INTO sends (segment, destination, kind, target, failing_since, error) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (segment, destination) DO UPDATE SET kind = excluded.kind, target = excluded.target, failing_since = coalesce(sends.failing_since, excluded.failing_since), error = excluded.error`,
            [segment, a.destination, a.kind, a.target, recordedAt, a.error ?? 'failed']);
        }
    }
}

function applyStatements(db: Database, sql: readonly string[]): void {
    db.run('SAVEPOINT statements');
    try {
        for (const statement of sql) db.run(statement);
        db.run('RELEASE statements');
    } catch (e) {
        db.run('ROLLBACK TO statements');
        db.run('RELEASE statements');
        throw e;
    }
}

/** The latest run of `segment` in `db` has this refresh state and these members. */
function sameRun(db: Database, segment: string, state: RefreshState, keys: readonly Key[]): boolean {
    const rows = db.exec('SELECT fingerprint, tables FROM refresh_state WHERE segment = ?', [segment]);
    if (rows.length === 0) return false;
    const [fingerprint, tables] = rows[0].values[0];
    if (fingerprint !== state.fingerprint || tables !== JSON.stringify(state.tables)) return false;
    const members = snapshotOf(db, segment);
    return members !== undefined && members.size === new Set(keys).size && keys.every(k => members.has(k));
}

function applyPoint(db: Database, segment: string, asOf: string, count: number, recordedAt: string): void {
    db.run('DELETE FROM runs WHERE segment = ? AND as_of = ? AND backfill = 1', [segment, asOf]);
    db.run('INSERT INTO runs (segment, recorded_at, as_of, count, backfill) VALUES (?, ?, ?, ?, 1)', [segment, recordedAt, asOf, count]);
}

function snapshotOf(db: Database, segment: string): Set<Key> | undefined {
    const runs = db.exec('SELECT 1 FROM runs WHERE segment = ? AND backfill = 0 LIMIT 1', [segment]);
    if (runs.length === 0) return undefined;
    const rows = db.exec('SELECT member FROM members WHERE segment = ?', [segment]);
    return new Set(rows.length ? rows[0].values.map(r => r[0] as Key) : []);
}

/** `.NAME.PID.RANDOM.tmp` beside the store: the temporary files a save writes. */
function tempPrefix(file: string): string {
    return `.${basename(file)}.`;
}

/**
 * Writes bytes to `file` so that readers see the old or the new content, never a mix: a
 * temporary file beside it, flushed, then renamed over it. On failure the temporary file is
 * deleted, the old content is untouched, and a `HistoryWriteError` says what happened.
 */
export async function writeAtomically(file: string, bytes: Uint8Array, fs: HistoryFileSystem = nodeHistoryFileSystem): Promise<void> {
    const temp = join(dirname(file), `${tempPrefix(file)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
        await fs.writeNew(temp, bytes);
        await fs.rename(temp, file);
    } catch (e) {
        await unlink(temp).catch(() => undefined);
        throw e instanceof HistoryWriteError ? e : new HistoryWriteError(file, reasonOf(e));
    }
}

/**
 * Deletes temporary files of `file` left by writers that were killed while saving. Called with
 * the lock held: every writer writes its temporary file only under the lock, so any there now is
 * an orphan.
 */
async function removeOrphans(file: string): Promise<void> {
    const prefix = tempPrefix(file);
    const names = await readdir(dirname(file)).catch(() => [] as string[]);
    for (const name of names) {
        if (name.startsWith(prefix) && name.endsWith('.tmp')) await unlink(join(dirname(file), name)).catch(() => undefined);
    }
}

interface LockHolder {
    readonly pid: number;
    readonly host: string;
    readonly at: string;
    readonly token: string;
}

/**
 * Runs `body` holding the store's delivery lock (`FILE.delivery.lock`, taken and broken like
 * the save lock): one process at a time sends the webhook outbox, so two refreshers at once do
 * not send the same batch twice. A `HistoryLockTimeout` when another holds it for `timeoutMs`.
 */
export function withDeliveryLock<T>(file: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
    return withLock(`${file}.delivery`, timeoutMs, body);
}

/** Runs `body` holding the store's lock file (`FILE.lock`). */
async function withLock<T>(file: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
    const lock = `${file}.lock`;
    const holder: LockHolder = { pid: process.pid, host: hostname(), at: new Date().toISOString(), token: randomBytes(8).toString('hex') };
    const started = Date.now();
    let pause = 5;
    for (;;) {
        try {
            const handle = await open(lock, 'wx');
            try {
                await handle.writeFile(JSON.stringify(holder));
            } finally {
                await handle.close();
            }
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new HistoryWriteError(file, reasonOf(e));
        }
        if (await breakStaleLock(lock)) continue;
        const waited = Date.now() - started;
        if (waited > timeoutMs) throw new HistoryLockTimeout(file, await describeHolder(lock), waited);
        await new Promise(resolve => setTimeout(resolve, pause + Math.random() * pause));
        pause = Math.min(pause * 2, 100);
    }
    try {
        return await body();
    } finally {
        // Only our own lock is removed: one broken as stale and taken by another writer is theirs.
        const now = await readFile(lock, 'utf8').catch(() => '');
        if (parseHolder(now)?.token === holder.token) await unlink(lock).catch(() => undefined);
    }
}

/**
 * Removes a lock whose writer is gone (its process no longer runs on this machine) or that is
 * older than `STALE_LOCK_MS`; true when the lock is gone, so taking it can be tried again. The
 * lock is moved aside first, atomically, so two writers cannot both break it; a fresh lock
 * moved aside by mistake is put back.
 */
async function breakStaleLock(lock: string): Promise<boolean> {
    let text: string;
    let age: number;
    try {
        text = await readFile(lock, 'utf8');
        age = Date.now() - (await stat(lock)).mtimeMs;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ENOENT';
    }
    const holder = parseHolder(text);
    const gone = holder !== undefined && holder.host === hostname() && !processRuns(holder.pid);
    if (!gone && age < STALE_LOCK_MS) return false;
    const aside = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
    try {
        await rename(lock, aside);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ENOENT';
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== text) await link(aside, lock).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return true;
}

function parseHolder(text: string): LockHolder | undefined {
    try {
        const value = JSON.parse(text) as Partial<LockHolder>;
        return typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string' && typeof value.at === 'string'
            ? { pid: value.pid, host: value.host, at: value.at, token: value.token }
            : undefined;
    } catch {
        return undefined;
    }
}

async function describeHolder(lock: string): Promise<string> {
    const holder = parseHolder(await readFile(lock, 'utf8').catch(() => ''));
    return holder ? `process ${holder.pid} on ${holder.host}, since ${holder.at}` : `the lock file ${lock}`;
}

function processRuns(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
}

/** A file system error in words. */
function reasonOf(e: unknown): string {
    const code = (e as NodeJS.ErrnoException).code;
    switch (code) {
        case 'ENOSPC': return 'the disk is full (ENOSPC)';
        case 'EDQUOT': return 'the disk quota is exceeded (EDQUOT)';
        case 'EACCES':
        case 'EPERM': return `permission denied (${code})`;
        case 'EROFS': return 'the folder is on a read-only file system (EROFS)';
        case 'EISDIR': return 'a folder is in the way (EISDIR)';
        case 'ENOENT': return 'its folder does not exist (ENOENT)';
        default: return code ?? (e instanceof Error ? e.message : String(e));
    }
}

/** Numbers before text, numbers by value, text by code unit: the order the engines give keys in. */
export function compareStoredKeys(a: Key, b: Key): number {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'number') return -1;
    if (typeof b === 'number') return 1;
    return a < b ? -1 : a > b ? 1 : 0;
}

function isoNow(): string {
    const iso = new Date().toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
