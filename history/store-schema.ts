import type { Database } from 'sql.js';
import { OUTBOX_SCHEMA } from './outbox.js';

/**
 * The history store's tables. `runs`: a refresh or back-filled point of a segment in a series
 * (`seriesOf`); `changes`: the members entered or left at a refresh; `snapshots`: each series'
 * latest members; `refresh_states`: what each series' latest refresh depended on;
 * `sends`, `outbox` and `deliveries`: destinations' sends and the webhook outbox (`outbox.ts`); `data_versions`: the table versions last read from a database, with its file's stamp
 * (`engine/refresh.ts`); `store_meta`: the snapshot's generation (`journal.ts`).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    segment TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    count INTEGER NOT NULL,
    entered INTEGER,
    left_count INTEGER,
    backfill INTEGER NOT NULL DEFAULT 0,
    series TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_segment ON runs (segment, id);
CREATE TABLE IF NOT EXISTS changes (run_id INTEGER NOT NULL, member, change TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS changes_run ON changes (run_id);
CREATE TABLE IF NOT EXISTS snapshots (segment TEXT NOT NULL, series TEXT NOT NULL, member NOT NULL, PRIMARY KEY (segment, series, member));
CREATE TABLE IF NOT EXISTS refresh_states (segment TEXT NOT NULL, series TEXT NOT NULL, run_id INTEGER NOT NULL, fingerprint TEXT NOT NULL, tables TEXT NOT NULL, instants TEXT, PRIMARY KEY (segment, series));
CREATE TABLE IF NOT EXISTS data_versions (source TEXT PRIMARY KEY, stamp TEXT NOT NULL, versions TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sends (segment TEXT NOT NULL, destination TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
    sent_run INTEGER, sent_at TEXT, failing_since TEXT, error TEXT, PRIMARY KEY (segment, destination));
${OUTBOX_SCHEMA}`;

/**
 * Creates the tables, and brings a store written before series existed up to date (in memory;
 * the file follows at the next fold): its runs, snapshot and refresh state are the empty series'.
 */
export function migrate(db: Database): void {
    const has = (table: string): boolean => db.exec('SELECT 1 FROM sqlite_master WHERE type = \'table\' AND name = ?', [table]).length > 0;
    if (has('runs') && !db.exec("SELECT 1 FROM pragma_table_info('runs') WHERE name = 'series'").length) {
        db.run("ALTER TABLE runs ADD COLUMN series TEXT NOT NULL DEFAULT ''");
    }
    db.exec(SCHEMA);
    // Only the old store's own `members` (segment, member): a table destination may be named members.
    const columns = (table: string): string => (db.exec("SELECT group_concat(name, ',') FROM pragma_table_info(?)", [table])[0]?.values[0][0] as string | null) ?? '';
    if (has('members') && columns('members') === 'segment,member') {
        db.run("INSERT OR IGNORE INTO snapshots (segment, series, member) SELECT segment, '', member FROM members");
        db.run('DROP TABLE members');
    }
    if (has('refresh_state')) {
        db.run("INSERT OR REPLACE INTO refresh_states (segment, series, run_id, fingerprint, tables) SELECT segment, '', run_id, fingerprint, tables FROM refresh_state");
        db.run('DROP TABLE refresh_state');
    }
}
