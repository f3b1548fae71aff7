import { randomBytes } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { HistoryWriteError, nodeHistoryFileSystem, reasonOf, removeOrphans, withLock, writeAtomically, LOCK_TIMEOUT_MS, type HistoryOptions } from './history-files.js';
import { CapturingWriter, encodeRecord, journalFile, journalHeader, readJournal, replay, type Statement, type StoreWriter } from './journal.js';
import { migrate } from './store-schema.js';
import { applyDelivered, applyFailed, deliveryRecords, pendingBatches, queueRun, type DeliveryRecord, type OutboxBatch, type WebhookQueue } from './outbox.js';

export { HistoryLockTimeout, HistoryWriteError, LOCK_TIMEOUT_MS, nodeHistoryFileSystem, STALE_LOCK_MS, writeAtomically, type HistoryFileSystem, type HistoryOptions } from './history-files.js';
export { journalFile, type SqlParam, type StoreWriter } from './journal.js';

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
 * the version of each table it reads. Kept per segment and series; a run recorded without one
 * clears it, so the next refresh evaluates again.
 */
export interface RefreshState {
    readonly fingerprint: string;
    /** The instants the segment resolved at the run's clock, when known. */
    readonly instants?: string;
    readonly tables: Readonly<Record<string, string>>;
}

/** What `record` did: the members entered and left since the series' previous run, and whether a run was added. */
export interface Recorded {
    readonly entered: Key[];
    readonly left: Key[];
    /** The series' first run: every member is new, none is counted as entered. */
    readonly first: boolean;
    /**
     * False when the series' latest run already had these members with the same definition and
     * data (only the clock moved, or another refresher recorded it meanwhile): no run is added,
     * and the refresh state takes the new instants.
     */
    readonly recorded: boolean;
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
    /** Members entered and left since the run before in its series; absent at a series' first run and for back-filled points. */
    readonly entered?: number;
    readonly left?: number;
    /** A back-filled point of the trendline: a count only, no members. */
    readonly backfill: boolean;
    /** The series the run belongs to (`seriesOf`): its entered and left compare with the series' run before. */
    readonly series: string;
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

/**
 * Runs compare with the previous run of the same series: the same definition of the segment
 * (`definition`, a fingerprint of what decides its members) at the same kind of instant: "now"
 * (the clock when it ran), or one pinned instant (`segments.asOf`, `--as-of`). Pinning another
 * instant or changing the definition starts another series, so neither shows as members
 * entering and leaving. The empty series holds runs recorded before series existed.
 */
export function seriesOf(definition: string, pinnedAsOf: string | undefined): string {
    return `${pinnedAsOf === undefined ? 'now' : `as of ${pinnedAsOf}`} ${definition}`;
}

/**
 * A trendline as a view shows it beside its count: the recorded points up to the view's instant
 * (later ones are in its future), one per instant (the latest recorded), and the view's own
 * count at its instant as the last point, so the headline and the trend's end agree.
 */
export function trendUpTo(points: readonly TrendPoint[], current: TrendPoint): TrendPoint[] {
    const byInstant = new Map<string, TrendPoint>();
    for (const p of points) if (p.asOf < current.asOf) byInstant.set(p.asOf, p);
    return [...[...byInstant.values()].sort((a, b) => (a.asOf < b.asOf ? -1 : a.asOf > b.asOf ? 1 : 0)), current];
}

let sqlJs: Promise<SqlJsStatic> | undefined;

/** A journal this many bytes long, or half the snapshot's size if larger, is folded into the snapshot. */
export const FOLD_MIN_BYTES = 1 << 20;

/** The default history file: beside the database, named after it. */
export function defaultHistoryFile(database: string): string {
    return join(dirname(database), `${basename(database).replace(/\.(sqlite3?|db)$/i, '')}.history.sqlite`);
}

export interface StoreOptions extends HistoryOptions {
    /** Fold the journal into the snapshot once it is this long (default: `FOLD_MIN_BYTES`, or half the snapshot). */
    readonly foldBytes?: number;
}

/** A write recorded by this writer and not yet saved: how to apply it, and its statements as applied here. */
interface Pending {
    readonly apply: (w: StoreWriter) => unknown;
    readonly statements: readonly Statement[];
}

/** Which snapshot file a store read: a save that finds another one reads the store again. */
interface FileId {
    readonly ino: number;
    readonly size: number;
    readonly mtimeMs: number;
}

interface Loaded {
    readonly db: Database;
    readonly snapshot?: FileId;
    readonly generation: string;
    /** Bytes of the journal applied, or -1 when there is no journal for this snapshot's generation. */
    readonly journalLength: number;
}

/**
 * Segment counts and member changes over time: a SQLite snapshot (`FILE`, read through sql.js)
 * and an append-only journal beside it (`FILE.journal`, see `journal.ts`) replayed on open.
 *
 * A save writes what changed, not the store: under the store's lock (a `.lock` file created
 * exclusively; a lock whose process is gone, or older than a minute, is broken) it appends one
 * record with this writer's writes to the journal and flushes it. When another writer saved
 * meanwhile (the journal or the snapshot is not what this store read), the store is read again
 * and this writer's writes are applied again to it, so no writer's runs are lost and each run's
 * entered and left follow the run saved before it. From time to time (a journal longer than
 * `FOLD_MIN_BYTES` and half the snapshot) a save folds the journal in: the snapshot is replaced
 * atomically (a temporary file, flushed, renamed) under a new generation, then the journal is
 * emptied. A crash leaves the previous state or the new one: a torn last journal record is
 * ignored, and a journal of an older generation is one already folded in.
 *
 * Every write goes through `write` (runs, points, and the tables other modules add), so the
 * journal holds all of them.
 */
export class HistoryStore {
    private pending: Pending[] = [];
    /** Set by a table destination's write: the next save folds, so the file read as plain SQLite holds the table. */
    private foldAtSave = false;

    private constructor(private loaded: Loaded, readonly file: string, private readonly options: StoreOptions) {}

    private get db(): Database {
        return this.loaded.db;
    }

    static async open(file: string, options: StoreOptions = {}): Promise<HistoryStore> {
        return new HistoryStore(await load(file), file, options);
    }

    /**
     * Applies a write to this store now and keeps it for the next save, which journals it (applied
     * again, under the lock, to what other writers saved meanwhile). `apply` must read what it
     * needs through the writer and may run more than once.
     */
    write<T>(apply: (w: StoreWriter) => T): T {
        const writer = new CapturingWriter(this.db);
        this.db.run('SAVEPOINT write');
        try {
            const result = apply(writer);
            this.db.run('RELEASE write');
            this.pending.push({ apply, statements: writer.statements });
            return result;
        } catch (e) {
            this.db.run('ROLLBACK TO write');
            this.db.run('RELEASE write');
            throw e;
        } finally {
            writer.close();
        }
    }

    /**
     * Records a refresh of `segment` in `series`: the count, who entered and left since the
     * series' previous run. `state` (what the run depended on) is kept for the next refresh;
     * without it the series' state is cleared. With the same definition, data and members as the
     * series' latest run, no run is added (see `Recorded`). `webhooks`: the run's entered/exited
     * batches are queued in the outbox for these destinations, in the run's own write (saved with
     * it or not at all).
     */
    record(segment: string, asOf: string, keys: readonly Key[], recordedAt = isoNow(), state?: RefreshState, webhooks?: WebhookQueue, series = ''): Recorded {
        const unique = [...new Set(keys)];
        return this.write(w => applyRecord(w, { segment, series, asOf, keys: unique, recordedAt, ...(state ? { state } : {}), ...(webhooks ? { webhooks } : {}) }));
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
        this.write(w => applyDelivered(w, segment, destination, run, batch, at));
    }

    /** An attempt to deliver to a webhook destination failed; the next is not before `nextAttemptAt` (ISO instants). */
    markFailed(segment: string, destination: string, error: string, nextAttemptAt: string, at = new Date().toISOString()): void {
        this.write(w => applyFailed(w, segment, destination, at, error, nextAttemptAt));
    }

    /**
     * Records what became of each destination at the segment's latest refresh (recorded just
     * before): a destination sent remembers that run and its time; one failing remembers since
     * when, and the latest error.
     */
    recordSends(segment: string, attempts: readonly SendAttempt[]): void {
        if (attempts.length === 0) return;
        const copy = [...attempts];
        this.write(w => applySends(w, segment, copy));
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
     * For each member of the segment's latest run, the "as of" instant of the refresh it last
     * entered at: the run from which it has been a member at every refresh since, across series
     * (a new series, after an edit or at another pinned instant, keeps the instant a member
     * already had at the run before it).
     */
    enteredAt(segment: string): Map<Key, string> {
        const result = new Map<Key, string>();
        const runs = this.db.exec('SELECT id, series, as_of FROM runs WHERE segment = ? AND backfill = 0 ORDER BY id', [segment])[0]?.values
            .map(r => ({ id: Number(r[0]), series: String(r[1]), asOf: String(r[2]) })) ?? [];
        if (runs.length === 0) return result;
        let at = runs.length - 1;
        let pending = this.membersAt(segment, runs, at);
        while (pending.size > 0) {
            // The runs of one series in a row up to `at`: changes compare runs within it (the first's, with an earlier run of its series).
            const { series } = runs[at];
            let first = at;
            while (first > 0 && runs[first - 1].series === series) first--;
            const entered = this.db.exec("SELECT c.member, r.as_of FROM changes c JOIN runs r ON r.id = c.run_id WHERE r.segment = ? AND r.series = ? AND r.id > ? AND r.id <= ? AND c.change = 'entered' ORDER BY r.id",
                [segment, series, runs[first].id, runs[at].id]);
            const latest = new Map<Key, string>(entered.length ? entered[0].values.map(([m, asOf]) => [m as Key, String(asOf)]) : []);
            const since: Key[] = [];
            for (const k of pending) {
                const instant = latest.get(k);
                if (instant !== undefined) result.set(k, instant);
                else since.push(k);
            }
            // The rest are members since the first of these runs: and before it, if the run before had them.
            const before = first - 1;
            const earlier = before >= 0 ? this.membersAt(segment, runs, before) : new Set<Key>();
            pending = new Set();
            for (const k of since) {
                if (earlier.has(k)) pending.add(k);
                else result.set(k, runs[first].asOf);
            }
            at = before;
        }
        return result;
    }

    /** The members of the segment's run `runs[index]`: its series' snapshot, without the changes of the series' later runs. */
    private membersAt(segment: string, runs: readonly { id: number; series: string }[], index: number): Set<Key> {
        const { id, series } = runs[index];
        const members = snapshotOf(this.db, segment, series) ?? new Set<Key>();
        const later = this.db.exec('SELECT c.member, c.change FROM changes c JOIN runs r ON r.id = c.run_id WHERE r.segment = ? AND r.series = ? AND r.id > ? ORDER BY r.id DESC',
            [segment, series, id]);
        for (const [member, change] of later.length ? later[0].values : []) {
            if (change === 'entered') members.delete(member as Key);
            else members.add(member as Key);
        }
        return members;
    }

    /** The columns of a table in the store's file (name and declared type), none when there is no such table. */
    tableColumns(table: string): { name: string; type: string }[] {
        const rows = this.db.exec('SELECT name, type FROM pragma_table_info(?)', [table]);
        return rows.length === 0 ? [] : rows[0].values.map(r => ({ name: String(r[0]), type: String(r[1]) }));
    }

    /**
     * Runs statements on the store's tables in one transaction, now and again at the save (where
     * they are journalled with the runs): a table destination of a segment on sql.js lives here.
     * Throws the database's error, with nothing applied; run again at a save after another
     * writer's, a failure leaves them out and the runs are still saved (the destination is
     * written again at the next refresh). The save that journals them also folds the journal into
     * the snapshot, so a tool reading the file as a plain SQLite database sees the table as written.
     */
    runStatements(sql: readonly string[]): void {
        this.foldAtSave = true;
        const statements = [...sql];
        let first = true;
        this.write(w => {
            try {
                applyStatements(w, statements);
            } catch (e) {
                if (first) throw e;
            } finally {
                first = false;
            }
        });
    }

    /** What the latest refresh of the series depended on, if it recorded it. */
    refreshState(segment: string, series = ''): RefreshState | undefined {
        const rows = this.db.exec('SELECT fingerprint, tables, instants FROM refresh_states WHERE segment = ? AND series = ?', [segment, series]);
        if (rows.length === 0) return undefined;
        const [fingerprint, tables, instants] = rows[0].values[0];
        return { fingerprint: String(fingerprint), ...(instants === null ? {} : { instants: String(instants) }), tables: JSON.parse(String(tables)) as Record<string, string> };
    }

    /** Every run of a segment (refreshes and back-filled points), in the order recorded. */
    runs(segment: string): RunRecord[] {
        const rows = this.db.exec('SELECT id, recorded_at, as_of, count, entered, left_count, backfill, series FROM runs WHERE segment = ? ORDER BY id', [segment]);
        return rows.length === 0 ? [] : rows[0].values.map(r => ({
            id: Number(r[0]), recordedAt: String(r[1]), asOf: String(r[2]), count: Number(r[3]),
            ...(r[4] === null ? {} : { entered: Number(r[4]) }),
            ...(r[5] === null ? {} : { left: Number(r[5]) }),
            backfill: Number(r[6]) === 1,
            series: String(r[7])
        }));
    }

    /** The members that entered and left at run `runId`, each in ascending order. */
    changesAt(runId: number): { entered: Key[]; left: Key[] } {
        const rows = this.db.exec('SELECT member, change FROM changes WHERE run_id = ?', [runId]);
        const values = rows.length ? rows[0].values : [];
        return {
            entered: values.filter(r => r[1] === 'entered').map(r => r[0] as Key).sort(compareStoredKeys),
            left: values.filter(r => r[1] === 'left').map(r => r[0] as Key).sort(compareStoredKeys)
        };
    }

    /**
     * The members of `segment` just after refresh `runId`: its series' latest snapshot with the
     * changes of every later refresh of the series undone. Undefined when `runId` is not a refresh of the segment.
     */
    membersAfter(segment: string, runId: number): Key[] | undefined {
        const run = this.runs(segment).find(r => r.id === runId && !r.backfill);
        if (!run) return undefined;
        const members = snapshotOf(this.db, segment, run.series) ?? new Set<Key>();
        for (const later of this.runs(segment).filter(r => r.id > runId && !r.backfill && r.series === run.series).reverse()) {
            const { entered, left } = this.changesAt(later.id);
            for (const k of entered) members.delete(k);
            for (const k of left) members.add(k);
        }
        return [...members].sort(compareStoredKeys);
    }

    /** A back-filled point of the trendline ("as of" a past date); the member snapshots are kept. */
    recordPoint(segment: string, asOf: string, count: number, recordedAt = isoNow()): void {
        this.write(w => {
            w.run('DELETE FROM runs WHERE segment = ? AND as_of = ? AND backfill = 1', [segment, asOf]);
            w.run('INSERT INTO runs (id, segment, recorded_at, as_of, count, backfill) VALUES (?, ?, ?, ?, ?, 1)', [nextRunId(w), segment, recordedAt, asOf, count]);
        });
    }

    /** The members recorded by the series' latest refresh, or undefined before its first. */
    snapshot(segment: string, series = ''): Set<Key> | undefined {
        return snapshotOf(this.db, segment, series);
    }

    /**
     * The trendline: every refresh and back-filled point, by "as of" instant, then in the order
     * recorded (refreshes pinned to one "as of" each still show as a point).
     */
    trend(segment: string): TrendPoint[] {
        const rows = this.db.exec('SELECT as_of, count FROM runs WHERE segment = ? ORDER BY as_of, id', [segment]);
        return rows.length ? rows[0].values.map(r => ({ asOf: String(r[0]), count: Number(r[1]) })) : [];
    }

    /** Members gained or lost at the latest refresh (of `series`, when given), compared with the series' run before. */
    latestChanges(segment: string, series?: string): MemberChanges {
        const latest = this.latestRuns(segment, series);
        if (latest.length < 2) return { entered: [], left: [] };
        const { entered, left } = this.changesAt(latest[0].id);
        return { since: latest[1].recordedAt, entered, left };
    }

    /** Count at the latest refresh (of `series`, when given) minus the count at the series' run before, if there was one. */
    change(segment: string, series?: string): number | undefined {
        const latest = this.latestRuns(segment, series);
        return latest.length === 2 ? latest[0].count - latest[1].count : undefined;
    }

    /** The latest refresh of the series (of the segment's latest series when not given) and the one before it in that series. */
    private latestRuns(segment: string, series?: string): { id: number; count: number; recordedAt: string }[] {
        const chosen = series ?? this.db.exec('SELECT series FROM runs WHERE segment = ? AND backfill = 0 ORDER BY id DESC LIMIT 1', [segment])[0]?.values[0]?.[0];
        if (chosen === undefined || chosen === null) return [];
        const rows = this.db.exec('SELECT id, count, recorded_at FROM runs WHERE segment = ? AND series = ? AND backfill = 0 ORDER BY id DESC LIMIT 2', [segment, String(chosen)]);
        return rows.length ? rows[0].values.map(r => ({ id: Number(r[0]), count: Number(r[1]), recordedAt: String(r[2]) })) : [];
    }

    /** The table versions last recorded for a database (`engine/refresh.ts`), with the file stamp they were read at. */
    dataVersions(source: string): { stamp: string; versions: Record<string, string> } | undefined {
        const row = this.db.exec('SELECT stamp, versions FROM data_versions WHERE source = ?', [source])[0]?.values[0];
        return row ? { stamp: String(row[0]), versions: JSON.parse(String(row[1])) as Record<string, string> } : undefined;
    }

    setDataVersions(source: string, stamp: string, versions: Readonly<Record<string, string>>): void {
        const known = this.dataVersions(source);
        if (known && known.stamp === stamp && JSON.stringify(known.versions) === JSON.stringify(versions)) return;
        this.write(w => w.run('INSERT OR REPLACE INTO data_versions (source, stamp, versions) VALUES (?, ?, ?)', [source, stamp, JSON.stringify(versions)]));
    }

    /** Writes not saved yet (kept after a failed save, written by the next one). */
    get unsaved(): number {
        return this.pending.length;
    }

    /**
     * Journals this writer's writes under the lock: appended to what is there when no other writer
     * saved since this store was read, else applied again to the store read afresh. Throws a
     * `HistoryWriteError` (one sentence) when the file cannot be written; the store on disk is
     * then as it was and the writes stay pending.
     */
    async save(): Promise<void> {
        if (this.pending.length === 0) return;
        await withLock(this.file, this.options.lockTimeoutMs ?? LOCK_TIMEOUT_MS, async () => {
            await removeOrphans(this.file);
            const snapshot = await fileId(this.file);
            const journalSize = await sizeOf(journalFile(this.file));
            const current = this.loaded;
            const unchanged = current.journalLength >= 0 && journalSize === current.journalLength && sameFile(snapshot, current.snapshot);
            let target = current;
            let statements: Statement[];
            if (unchanged) statements = this.pending.flatMap(p => p.statements);
            else {
                target = await load(this.file);
                statements = [];
                try {
                    for (const p of this.pending) statements.push(...applyAgain(target.db, p));
                } catch (e) {
                    target.db.close();
                    throw e;
                }
            }
            try {
                target = await this.persist(target, snapshot, journalSize, statements);
            } catch (e) {
                if (target.db !== current.db) target.db.close();
                throw e;
            }
            if (target.db !== current.db) current.db.close();
            this.loaded = target;
            this.pending = [];
            this.foldAtSave = false;
        });
    }

    /** Writes `statements` (already applied to `target`) to disk: a new snapshot for a new store, else one journal record. */
    private async persist(target: Loaded, snapshot: FileId | undefined, journalSize: number, statements: readonly Statement[]): Promise<Loaded> {
        const fs = this.options.fs ?? nodeHistoryFileSystem;
        if (!snapshot) return this.fold(target);
        const journal = journalFile(this.file);
        let length = target.journalLength;
        if (length < 0) {
            // No journal for this snapshot (none yet, or one left by a fold that stopped half-way): start one.
            const header = journalHeader(target.generation);
            await writeAtomically(journal, header, fs);
            length = header.length;
        } else if (journalSize > length) {
            await fs.truncate(journal, length).catch((e: unknown) => { throw new HistoryWriteError(this.file, reasonOf(e)); });
        }
        const record = encodeRecord(statements);
        try {
            await fs.append(journal, record);
        } catch (e) {
            await fs.truncate(journal, length).catch(() => undefined);
            throw new HistoryWriteError(this.file, reasonOf(e));
        }
        const appended: Loaded = { ...target, snapshot, journalLength: length + record.length };
        const limit = this.options.foldBytes ?? Math.max(FOLD_MIN_BYTES, snapshot.size / 2);
        // The records are safe in the journal: a fold that fails is tried again by a later save.
        return appended.journalLength > limit || this.foldAtSave ? this.fold(appended).catch(() => appended) : appended;
    }

    /** Replaces the snapshot with the store as it is (a new generation), then empties the journal. */
    private async fold(target: Loaded): Promise<Loaded> {
        const fs = this.options.fs ?? nodeHistoryFileSystem;
        const generation = randomBytes(8).toString('hex');
        target.db.run("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('generation', ?)", [generation]);
        try {
            await writeAtomically(this.file, target.db.export(), fs);
        } catch (e) {
            target.db.run("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('generation', ?)", [target.generation]);
            throw e;
        }
        const snapshot = await fileId(this.file);
        const header = journalHeader(generation);
        // A journal of the older generation left here is ignored by readers, and replaced by the next save.
        const journalLength = await writeAtomically(journalFile(this.file), header, fs).then(() => header.length, () => -1);
        return { db: target.db, ...(snapshot ? { snapshot } : {}), generation, journalLength };
    }

    close(): void {
        this.db.close();
    }
}

/** Applies a pending write again (to the store read afresh under the lock); its statements as applied there. */
function applyAgain(db: Database, p: Pending): Statement[] {
    const writer = new CapturingWriter(db);
    db.run('SAVEPOINT write');
    try {
        p.apply(writer);
        db.run('RELEASE write');
        return writer.statements;
    } catch (e) {
        db.run('ROLLBACK TO write');
        db.run('RELEASE write');
        throw e;
    } finally {
        writer.close();
    }
}

/**
 * The store read into memory: the snapshot, then the journal of its generation replayed. A
 * journal of another generation is read once more after the snapshot (a fold may have replaced
 * both between the two reads); if it still does not match, it was folded in already.
 */
async function load(file: string, again = true): Promise<Loaded> {
    sqlJs ??= initSqlJs();
    const SQL = await sqlJs;
    const { bytes, id } = await readSnapshot(file);
    const db = new SQL.Database(bytes);
    try {
        migrate(db);
    } catch (e) {
        db.close();
        throw new Error(`The history store ${file} is not a readable SQLite file (${(e as Error).message}): move it away to start a new history.`);
    }
    const generation = String(db.exec("SELECT value FROM store_meta WHERE key = 'generation'")[0]?.values[0]?.[0] ?? '');
    const journal = await readJournal(journalFile(file)).catch((e: unknown) => {
        db.close();
        throw new HistoryWriteError(file, `its journal cannot be read (${reasonOf(e)})`);
    });
    if (journal.generation !== undefined && journal.generation !== generation && again) {
        db.close();
        return load(file, false);
    }
    if (journal.generation !== generation) return { db, ...(id ? { snapshot: id } : {}), generation, journalLength: -1 };
    try {
        replay(db, journal.records);
    } catch (e) {
        db.close();
        throw new Error(`The history journal ${journalFile(file)} does not apply to its store (${(e as Error).message}): move both away to start a new history.`);
    }
    return { db, ...(id ? { snapshot: id } : {}), generation, journalLength: journal.validLength };
}

async function readSnapshot(file: string): Promise<{ bytes?: Uint8Array; id?: FileId }> {
    let handle;
    try {
        handle = await open(file, 'r');
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw new HistoryWriteError(file, `it cannot be read (${reasonOf(e)})`);
    }
    try {
        const info = await handle.stat();
        const bytes = await handle.readFile();
        return { bytes, id: { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs } };
    } catch (e) {
        throw new HistoryWriteError(file, `it cannot be read (${reasonOf(e)})`);
    } finally {
        await handle.close();
    }
}

async function fileId(file: string): Promise<FileId | undefined> {
    try {
        const info = await stat(file);
        if (info.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
        return { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new HistoryWriteError(file, reasonOf(e));
    }
}

async function sizeOf(file: string): Promise<number> {
    return stat(file).then(s => s.size, () => -1);
}

function sameFile(a: FileId | undefined, b: FileId | undefined): boolean {
    return a === undefined ? b === undefined : b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

interface RecordInput {
    readonly segment: string;
    readonly series: string;
    readonly asOf: string;
    readonly keys: readonly Key[];
    readonly recordedAt: string;
    readonly state?: RefreshState;
    readonly webhooks?: WebhookQueue;
}

/** A refresh: the run, its changes against the series' snapshot, the snapshot brought up to date (by the changes only), the refresh state. */
function applyRecord(w: StoreWriter, r: RecordInput): Recorded {
    const previous = snapshotIn(w, r.segment, r.series);
    if (r.state && previous && sameRun(w, r, previous)) {
        w.run('UPDATE refresh_states SET instants = ? WHERE segment = ? AND series = ?', [r.state.instants ?? null, r.segment, r.series]);
        return { entered: [], left: [], first: false, recorded: false };
    }
    const now = new Set<Key>(r.keys);
    const entered = previous ? r.keys.filter(k => !previous.has(k)) : [];
    const left = previous ? [...previous].filter(k => !now.has(k)) : [];
    // A webhook was last given the segment's latest run, whatever its series: a new series (an
    // edit, another pinned instant) sends who entered and exited since then, not every member again.
    const given = r.webhooks && !previous ? latestSnapshotIn(w, r.segment) : undefined;
    const id = nextRunId(w);
    w.run('INSERT INTO runs (id, segment, recorded_at, as_of, count, entered, left_count, series) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [id, r.segment, r.recordedAt, r.asOf, r.keys.length, previous ? entered.length : null, previous ? left.length : null, r.series]);
    for (const k of entered) w.run('INSERT INTO changes (run_id, member, change) VALUES (?, ?, ?)', [id, k, 'entered']);
    for (const k of left) w.run('INSERT INTO changes (run_id, member, change) VALUES (?, ?, ?)', [id, k, 'left']);
    for (const k of left) w.run('DELETE FROM snapshots WHERE segment = ? AND series = ? AND member = ?', [r.segment, r.series, k]);
    for (const k of previous ? entered : r.keys) w.run('INSERT INTO snapshots (segment, series, member) VALUES (?, ?, ?)', [r.segment, r.series, k]);
    w.run('DELETE FROM refresh_states WHERE segment = ? AND series = ?', [r.segment, r.series]);
    if (r.state) {
        w.run('INSERT INTO refresh_states (segment, series, run_id, fingerprint, tables, instants) VALUES (?, ?, ?, ?, ?, ?)',
            [r.segment, r.series, id, r.state.fingerprint, JSON.stringify(r.state.tables), r.state.instants ?? null]);
    }
    const webhookChanges = previous ? { entered, exited: left } : given ? { entered: r.keys.filter(k => !given.has(k)), exited: [...given].filter(k => !now.has(k)) } : undefined;
    if (r.webhooks) queueRun(w, id, r.segment, r.asOf, r.keys, webhookChanges, r.webhooks);
    return { entered, left, first: !previous, recorded: true };
}

/** The series' latest run has the same definition and data (its instants may differ) and these members. */
function sameRun(w: StoreWriter, r: RecordInput, members: ReadonlySet<Key>): boolean {
    const row = w.rows('SELECT fingerprint, tables FROM refresh_states WHERE segment = ? AND series = ?', [r.segment, r.series])[0];
    if (!row || row[0] !== r.state!.fingerprint || row[1] !== JSON.stringify(r.state!.tables)) return false;
    return members.size === r.keys.length && r.keys.every(k => members.has(k));
}

/** The sends of the segment's latest refresh: at that run, at the instant it was recorded. */
function applySends(db: StoreWriter, segment: string, attempts: readonly SendAttempt[]): void {
    const latest = db.rows('SELECT id, recorded_at FROM runs WHERE segment = ? AND backfill = 0 ORDER BY id DESC LIMIT 1', [segment]);
    if (latest.length === 0) return;
    const [runId, recordedAt] = latest[0];
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

function applyStatements(db: StoreWriter, sql: readonly string[]): void {
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

function nextRunId(w: StoreWriter): number {
    return Number(w.rows('SELECT coalesce(max(id), 0) + 1 FROM runs')[0][0]);
}

function snapshotIn(w: StoreWriter, segment: string, series: string): Set<Key> | undefined {
    if (w.rows('SELECT 1 FROM runs WHERE segment = ? AND series = ? AND backfill = 0 LIMIT 1', [segment, series]).length === 0) return undefined;
    return new Set(w.rows('SELECT member FROM snapshots WHERE segment = ? AND series = ?', [segment, series]).map(r => r[0] as Key));
}

/** The members of the segment's latest run (refreshes only), in any series; undefined before its first. */
function latestSnapshotIn(w: StoreWriter, segment: string): Set<Key> | undefined {
    const latest = w.rows('SELECT series FROM runs WHERE segment = ? AND backfill = 0 ORDER BY id DESC LIMIT 1', [segment])[0];
    return latest ? snapshotIn(w, segment, String(latest[0])) : undefined;
}

function snapshotOf(db: Database, segment: string, series: string): Set<Key> | undefined {
    if (db.exec('SELECT 1 FROM runs WHERE segment = ? AND series = ? AND backfill = 0 LIMIT 1', [segment, series]).length === 0) return undefined;
    const rows = db.exec('SELECT member FROM snapshots WHERE segment = ? AND series = ?', [segment, series]);
    return new Set(rows.length ? rows[0].values.map(r => r[0] as Key) : []);
}

/**
 * Runs `body` holding the store's delivery lock (`FILE.delivery.lock`, taken and broken like
 * the save lock): one process at a time sends the webhook outbox, so two refreshers at once do
 * not send the same batch twice. A `HistoryLockTimeout` when another holds it for `timeoutMs`.
 */
export function withDeliveryLock<T>(file: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
    return withLock(`${file}.delivery`, timeoutMs, body);
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
