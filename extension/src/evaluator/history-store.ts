import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import type { Key, MemberChanges, TrendPoint } from '../shared/data.js';

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
`;

/** The default history file: beside the database, named after it. */
export function defaultHistoryFile(database: string): string {
    return join(dirname(database), `${basename(database).replace(/\.(sqlite3?|db)$/i, '')}.history.sqlite`);
}

/**
 * Segment counts and member changes over time, in a SQLite file written through sql.js.
 * The file is replaced atomically (a temporary file, flushed, then renamed over it), so a
 * crash in the middle of a write leaves the previous version intact.
 */
export class HistoryStore {
    private dirty = false;

    private constructor(private readonly db: Database, readonly file: string) {}

    static async open(file: string): Promise<HistoryStore> {
        sqlJs ??= initSqlJs();
        const SQL = await sqlJs;
        const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
            if (e.code === 'ENOENT') return undefined;
            throw e;
        });
        const db = new SQL.Database(bytes);
        db.exec(SCHEMA);
        return new HistoryStore(db, file);
    }

    /** Records a refresh: the count, who entered and left since the previous snapshot. */
    record(segment: string, asOf: string, keys: readonly Key[], recordedAt = isoNow()): { entered: Key[]; left: Key[]; first: boolean } {
        const previous = this.snapshot(segment);
        const now = new Set<Key>(keys);
        const entered = previous ? keys.filter(k => !previous.has(k)) : [];
        const left = previous ? [...previous].filter(k => !now.has(k)) : [];
        this.db.run('BEGIN');
        this.db.run('INSERT INTO runs (segment, recorded_at, as_of, count, entered, left_count) VALUES (?, ?, ?, ?, ?, ?)',
            [segment, recordedAt, asOf, keys.length, previous ? entered.length : null, previous ? left.length : null]);
        const runId = Number(this.db.exec('SELECT last_insert_rowid()')[0].values[0][0]);
        const change = this.db.prepare('INSERT INTO changes (run_id, member, change) VALUES (?, ?, ?)');
        for (const k of entered) change.run([runId, k, 'entered']);
        for (const k of left) change.run([runId, k, 'left']);
        change.free();
        this.db.run('DELETE FROM members WHERE segment = ?', [segment]);
        const member = this.db.prepare('INSERT INTO members (segment, member) VALUES (?, ?)');
        for (const k of keys) member.run([segment, k]);
        member.free();
        this.db.run('COMMIT');
        this.dirty = true;
        return { entered, left, first: !previous };
    }

    /** A back-filled point of the trendline ("as of" a past date); the member snapshot is kept. */
    recordPoint(segment: string, asOf: string, count: number, recordedAt = isoNow()): void {
        this.db.run('DELETE FROM runs WHERE segment = ? AND as_of = ? AND backfill = 1', [segment, asOf]);
        this.db.run('INSERT INTO runs (segment, recorded_at, as_of, count, backfill) VALUES (?, ?, ?, ?, 1)', [segment, recordedAt, asOf, count]);
        this.dirty = true;
    }

    /** The members recorded by the latest refresh, or undefined before the first. */
    snapshot(segment: string): Set<Key> | undefined {
        const runs = this.db.exec('SELECT 1 FROM runs WHERE segment = ? AND backfill = 0 LIMIT 1', [segment]);
        if (runs.length === 0) return undefined;
        const rows = this.db.exec('SELECT member FROM members WHERE segment = ?', [segment]);
        return new Set(rows.length ? rows[0].values.map(r => r[0] as Key) : []);
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

    /** Writes the file if anything changed: temporary file, flush, rename. */
    async save(): Promise<void> {
        if (!this.dirty) return;
        await writeAtomically(this.file, this.db.export());
        this.dirty = false;
    }

    close(): void {
        this.db.close();
    }
}

/** Writes bytes to `file` so that readers see the old or the new content, never a mix. */
export async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
    const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
    const handle = await open(temp, 'w');
    try {
        await handle.writeFile(bytes);
        await handle.sync();
    } finally {
        await handle.close();
    }
    try {
        await rename(temp, file);
    } catch (e) {
        await unlink(temp).catch(() => undefined);
        throw e;
    }
}

function isoNow(): string {
    const iso = new Date().toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
