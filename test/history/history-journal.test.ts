import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { describe, expect, it } from 'vitest';
import { HistoryStore, journalFile, seriesOf } from '../../history/history-store.js';

function storeFile(): string {
    return join(mkdtempSync(join(tmpdir(), 'segments-journal-')), 'h.history.sqlite');
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('history store: a save appends what changed', () => {
    it('a refresh of 20,000 members with two changes leaves the snapshot as it was and adds a short record to the journal', async () => {
        const file = storeFile();
        const first = await HistoryStore.open(file);
        first.record('Big', '2027-02-11 00:00:00', range(1, 20_000));
        await first.save();
        first.close();
        const snapshot = readFileSync(file);
        const journal = statSync(journalFile(file)).size;
        const next = await HistoryStore.open(file);
        next.record('Big', '2027-02-12 00:00:00', [...range(2, 19_999), 30_000]);
        await next.save();
        next.close();
        expect(readFileSync(file).equals(snapshot)).toBe(true);
        const added = statSync(journalFile(file)).size - journal;
        expect(added).toBeGreaterThan(0);
        expect(added).toBeLessThan(2_000);
        const reopened = await HistoryStore.open(file);
        expect(reopened.latestChanges('Big')).toMatchObject({ entered: [30_000], left: [1] });
        expect(reopened.snapshot('Big')?.size).toBe(20_000);
        const [run1] = reopened.runs('Big');
        expect(reopened.membersAfter('Big', run1.id)).toEqual(range(1, 20_000));
        reopened.close();
    });

    it('a torn last record (no end of line) or a damaged one is ignored, and what comes before it is kept; the next save cuts it off', async () => {
        const file = storeFile();
        const store = await HistoryStore.open(file);
        store.record('S', '2027-02-11 00:00:00', [1, 2]);
        await store.save();
        store.record('S', '2027-02-12 00:00:00', [2, 3]);
        await store.save();
        store.close();
        const whole = readFileSync(journalFile(file));
        appendFileSync(journalFile(file), '0123456789abcdef [["INSERT INTO runs (id, segment');
        let reader = await HistoryStore.open(file);
        expect(reader.trend('S').map(p => p.count)).toEqual([2, 2]);
        reader.close();
        // A whole line whose hash does not match its text is damaged: it is ignored too.
        writeFileSync(journalFile(file), Buffer.concat([whole, Buffer.from('0123456789abcdef [["DELETE FROM runs",[]]]\n')]));
        reader = await HistoryStore.open(file);
        expect(reader.runs('S')).toHaveLength(2);
        reader.record('S', '2027-02-13 00:00:00', [3]);
        await reader.save();
        reader.close();
        const after = await HistoryStore.open(file);
        expect(after.trend('S').map(p => p.count)).toEqual([2, 2, 1]);
        expect(after.latestChanges('S')).toMatchObject({ entered: [], left: [2] });
        after.close();
        expect(readFileSync(journalFile(file)).subarray(0, whole.length).equals(whole)).toBe(true);
    });

    it('the journal is folded into the snapshot from time to time; a fold stopped before the journal was emptied does not apply it twice', async () => {
        const file = storeFile();
        const store = await HistoryStore.open(file, { foldBytes: 1 << 30 });
        store.record('S', '2027-02-11 00:00:00', [1, 2]);
        await store.save();
        store.record('S', '2027-02-12 00:00:00', [1, 2, 3]);
        await store.save();
        store.close();
        const unfolded = join(file, '..', 'unfolded.journal');
        copyFileSync(journalFile(file), unfolded);
        const snapshot = readFileSync(file);
        const folding = await HistoryStore.open(file, { foldBytes: 1 });
        folding.record('S', '2027-02-13 00:00:00', [1, 2, 3, 4]);
        await folding.save();
        folding.close();
        expect(readFileSync(file).equals(snapshot)).toBe(false);
        expect(readFileSync(journalFile(file), 'utf8')).toMatch(/^segments-history-journal 1 [0-9a-f]{16}\n$/);
        let reopened = await HistoryStore.open(file);
        expect(reopened.trend('S').map(p => p.count)).toEqual([2, 3, 4]);
        reopened.close();
        // The new snapshot was renamed into place, and the process stopped before emptying the journal.
        copyFileSync(unfolded, journalFile(file));
        reopened = await HistoryStore.open(file);
        expect(reopened.trend('S').map(p => p.count)).toEqual([2, 3, 4]);
        reopened.record('S', '2027-02-14 00:00:00', [4]);
        await reopened.save();
        reopened.close();
        const after = await HistoryStore.open(file);
        expect(after.trend('S').map(p => p.count)).toEqual([2, 3, 4, 1]);
        expect(after.latestChanges('S')).toMatchObject({ entered: [], left: [1, 2, 3] });
        after.close();
    });

    it('a write of any table through `write` is journalled, and applied again under the lock after another writer saved', async () => {
        const file = storeFile();
        const a = await HistoryStore.open(file);
        const b = await HistoryStore.open(file);
        a.write(w => {
            w.run('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT)');
            w.run('INSERT INTO notes (id, text) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM notes), ?)', ['from a']);
        });
        b.record('S', '2027-02-11 00:00:00', [1]);
        b.setDataVersions('/data/retail.sqlite', 'stamp-1', { customers: 'v1' });
        await b.save();
        await a.save();
        const merged = await HistoryStore.open(file);
        expect(merged.runs('S')).toHaveLength(1);
        expect(merged.dataVersions('/data/retail.sqlite')).toEqual({ stamp: 'stamp-1', versions: { customers: 'v1' } });
        const notes = merged.write(w => w.rows('SELECT id, text FROM notes'));
        expect(notes).toEqual([[1, 'from a']]);
        [a, b, merged].forEach(s => s.close());
    });

    it('a store written before the journal and series (members and refresh_state tables) is read, and its runs go on in the empty series', async () => {
        const file = storeFile();
        const SQL = await initSqlJs();
        const old = new SQL.Database();
        old.exec(`CREATE TABLE runs (id INTEGER PRIMARY KEY, segment TEXT NOT NULL, recorded_at TEXT NOT NULL, as_of TEXT NOT NULL, count INTEGER NOT NULL, entered INTEGER, left_count INTEGER, backfill INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE changes (run_id INTEGER NOT NULL, member, change TEXT NOT NULL);
            CREATE TABLE members (segment TEXT NOT NULL, member NOT NULL, PRIMARY KEY (segment, member));
            CREATE TABLE refresh_state (segment TEXT PRIMARY KEY, run_id INTEGER NOT NULL, fingerprint TEXT NOT NULL, tables TEXT NOT NULL);
            INSERT INTO runs VALUES (1, 'S', '2027-02-11 00:00:00', '2027-02-11 00:00:00', 2, NULL, NULL, 0);
            INSERT INTO members VALUES ('S', 1), ('S', 2);
            INSERT INTO refresh_state VALUES ('S', 1, 'f', '{"customers":"1"}');`);
        writeFileSync(file, old.export());
        old.close();
        const store = await HistoryStore.open(file);
        expect(store.snapshot('S')).toEqual(new Set([1, 2]));
        expect(store.refreshState('S')).toEqual({ fingerprint: 'f', tables: { customers: '1' } });
        store.record('S', '2027-02-12 00:00:00', [2, 3]);
        await store.save();
        store.close();
        const after = await HistoryStore.open(file);
        expect(after.runs('S').map(r => [r.count, r.entered, r.left, r.series])).toEqual([[2, undefined, undefined, ''], [2, 1, 1, '']]);
        after.close();
    });

    it('a table destination named members (segment, key, entered_at) is not taken for the old store\'s members table: it is kept as written', async () => {
        const file = storeFile();
        const store = await HistoryStore.open(file);
        store.record('S', '2027-02-11 00:00:00', [1]);
        await store.save();
        store.runStatements(['CREATE TABLE members (segment TEXT NOT NULL, key BIGINT NOT NULL, entered_at TEXT, PRIMARY KEY (segment, key))', "INSERT INTO members VALUES ('S', 1, '2027-02-11 00:00:00')"]);
        await store.save();
        store.close();
        const again = await HistoryStore.open(file);
        expect(again.tableColumns('members').map(c => c.name)).toEqual(['segment', 'key', 'entered_at']);
        expect(again.snapshot('S')).toEqual(new Set([1]));
        again.close();
        const SQL = await initSqlJs();
        const plain = new SQL.Database(readFileSync(file));
        expect(plain.exec('SELECT segment, key FROM members')[0].values).toEqual([['S', 1]]);
        plain.close();
    });
});

describe('history store: series', () => {
    it('entered and left compare with the previous run of the same definition at the same kind of instant', async () => {
        const file = storeFile();
        const now = seriesOf('def-1', undefined);
        const pinned = seriesOf('def-1', '2027-02-11 00:00:00');
        const store = await HistoryStore.open(file);
        store.record('S', '2027-03-01 10:00:00', [1, 2, 3], '2027-03-01 10:00:00', undefined, undefined, now);
        store.record('S', '2027-02-11 00:00:00', [1, 2], '2027-03-01 10:00:01', undefined, undefined, pinned);
        const later = store.record('S', '2027-03-02 10:00:00', [1, 2, 3, 4], '2027-03-02 10:00:00', undefined, undefined, now);
        // Compared with the run "now" before it, not with the pinned one recorded in between.
        expect(later).toEqual({ entered: [4], left: [], first: false, recorded: true });
        expect(store.latestChanges('S', now)).toEqual({ since: '2027-03-01 10:00:00', entered: [4], left: [] });
        expect(store.latestChanges('S', pinned)).toEqual({ entered: [], left: [] });
        expect(store.change('S', now)).toBe(1);
        expect(store.change('S', pinned)).toBeUndefined();
        // Another definition is a series of its own: its first run is no change.
        const edited = seriesOf('def-2', undefined);
        expect(store.record('S', '2027-03-02 10:00:05', [9], '2027-03-02 10:00:05', undefined, undefined, edited)).toEqual({ entered: [], left: [], first: true, recorded: true });
        expect(store.change('S', edited)).toBeUndefined();
        await store.save();
        store.close();
        const reopened = await HistoryStore.open(file);
        const runs = reopened.runs('S');
        expect(runs.map(r => [r.count, r.entered, r.left])).toEqual([[3, undefined, undefined], [2, undefined, undefined], [4, 1, 0], [1, undefined, undefined]]);
        expect(reopened.membersAfter('S', runs[0].id)).toEqual([1, 2, 3]);
        expect(reopened.membersAfter('S', runs[1].id)).toEqual([1, 2]);
        reopened.close();
    });

    it('a member\'s entered instant (a table destination\'s entered_at) is the run from which it was a member at every refresh, across series', async () => {
        const store = await HistoryStore.open(storeFile());
        const x = seriesOf('def-1', '2027-03-01 00:00:00');
        const y = seriesOf('def-1', '2027-03-02 00:00:00');
        store.record('S', '2027-03-01 00:00:00', [1, 2, 3], undefined, undefined, undefined, x);
        store.record('S', '2027-03-01 00:00:00', [1, 2, 3, 4], undefined, undefined, undefined, x);
        // Another pinned instant: 1 and 2 stay, 3 and 4 leave, 5 enters.
        store.record('S', '2027-03-02 00:00:00', [1, 2, 5], undefined, undefined, undefined, y);
        expect(Object.fromEntries(store.enteredAt('S'))).toEqual({ 1: '2027-03-01 00:00:00', 2: '2027-03-01 00:00:00', 5: '2027-03-02 00:00:00' });
        // Back to the first instant: its snapshot had 3 and 4, but they were not members at the run in between.
        store.record('S', '2027-03-01 00:00:00', [1, 3, 5], undefined, undefined, undefined, x);
        expect(Object.fromEntries(store.enteredAt('S'))).toEqual({ 1: '2027-03-01 00:00:00', 3: '2027-03-01 00:00:00', 5: '2027-03-02 00:00:00' });
        const runs = store.runs('S');
        expect(runs.map(r => [r.entered, r.left])).toEqual([[undefined, undefined], [1, 0], [undefined, undefined], [1, 2]]);
        store.close();
    });
});
