import { mkdtempSync, utimesSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs, { type Database } from 'sql.js';
import { describe, expect, it } from 'vitest';
import { fileTableVersions } from '../../engine/refresh.js';
import { fileStamp, sqlitePageVersions } from '../../engine/sqlite-pages.js';

// Change detection on a SQLite file: a table's version changes with any change to its rows
// (inserted, deleted, updated in place, a change that keeps its row count and largest rowid),
// and only with a change to its rows; an unchanged file is told by its stamp, without reading it.

const SETUP = `
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT, score INTEGER, notes TEXT);
CREATE TABLE purchases (purchase_id INTEGER PRIMARY KEY, customer_id INTEGER, amount REAL);
CREATE TABLE tags (customer_id INTEGER, tag TEXT, PRIMARY KEY (customer_id, tag)) WITHOUT ROWID;
CREATE INDEX purchases_customer ON purchases (customer_id);
CREATE VIEW big_buyers AS SELECT customer_id FROM purchases WHERE amount > 100;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO customers SELECT i, 'customer ' || i, i % 100, CASE WHEN i % 500 = 0 THEN printf('%.6000c', 'x') END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO purchases SELECT i, i % 3000 + 1, (i % 250) * 1.5 FROM n;
INSERT INTO tags VALUES (1, 'vip'), (2, 'new'), (3, 'vip');
`;

const TABLES = ['customers', 'purchases', 'tags', 'big_buyers'];

async function fixture(): Promise<{ db: Database; file: string; write: () => void }> {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec(SETUP);
    const file = join(mkdtempSync(join(tmpdir(), 'segments-changes-')), 'data.sqlite');
    const write = (): void => writeFileSync(file, db.export());
    write();
    return { db, file, write };
}

async function versions(file: string): Promise<Record<string, string>> {
    return Object.fromEntries((await sqlitePageVersions(file, TABLES)).versions);
}

/** The tables whose version differs between two readings. */
function changed(a: Record<string, string>, b: Record<string, string>): string[] {
    return TABLES.filter(t => a[t] !== b[t]);
}

describe('change detection from a SQLite file\'s pages', () => {
    it('a version holds the row count and the largest rowid, read from the b-tree', async () => {
        const { file } = await fixture();
        const v = await versions(file);
        expect(v.customers).toMatch(/^3000 rows, rowid 3000, \d+ pages, [0-9a-f]{16}$/);
        expect(v.purchases).toMatch(/^20000 rows, rowid 20000, /);
        expect(v.tags).toMatch(/^3 rows, rowid 0, 1 pages, /);
        // A view reads other tables: it gets the version of the whole file.
        expect(v.big_buyers).toMatch(/^file of \d+ pages, /);
    });

    it('an insert, a delete and an update in place each change the version of their table only', async () => {
        const { db, file, write } = await fixture();
        const before = await versions(file);
        db.run("INSERT INTO purchases VALUES (20001, 7, 12.5)");
        write();
        const inserted = await versions(file);
        expect(changed(before, inserted)).toEqual(['purchases', 'big_buyers']);
        db.run('DELETE FROM purchases WHERE purchase_id = 10');
        write();
        const deleted = await versions(file);
        expect(changed(inserted, deleted)).toEqual(['purchases', 'big_buyers']);
        db.run('UPDATE customers SET score = 99 WHERE customer_id = 1234');
        write();
        const updated = await versions(file);
        expect(changed(deleted, updated)).toEqual(['customers', 'big_buyers']);
        db.run("UPDATE tags SET tag = 'old' WHERE customer_id = 2");
        write();
        expect(changed(updated, await versions(file))).toEqual(['tags', 'big_buyers']);
    });

    it('a change that keeps the row count and the largest rowid is seen: a value of the same length, the last row deleted and inserted again, a large value past its first page', async () => {
        const { db, file, write } = await fixture();
        const before = await versions(file);
        db.run("UPDATE customers SET name = 'customer 9999' WHERE customer_id = 2000");
        write();
        const renamed = await versions(file);
        expect(changed(before, renamed)).toEqual(['customers', 'big_buyers']);
        expect(renamed.customers.split(',').slice(0, 2)).toEqual(before.customers.split(',').slice(0, 2));
        db.run('DELETE FROM purchases WHERE purchase_id = 20000');
        db.run('INSERT INTO purchases VALUES (20000, 1, 999)');
        write();
        const replaced = await versions(file);
        expect(replaced.purchases.split(',').slice(0, 2)).toEqual(before.purchases.split(',').slice(0, 2));
        expect(changed(renamed, replaced)).toEqual(['purchases', 'big_buyers']);
        // The last bytes of a 6,000-character value live on an overflow page.
        db.run("UPDATE customers SET notes = substr(notes, 1, 5999) || 'y' WHERE customer_id = 1500");
        write();
        expect(changed(replaced, await versions(file))).toEqual(['customers', 'big_buyers']);
    });

    it('an unchanged file is told by its stamp without reading it; a rewrite with the same bytes and times is read and gives the same versions', async () => {
        const { db, file, write } = await fixture();
        const first = await fileTableVersions(file, ['customers', 'purchases']);
        expect(first?.read).toBe(true);
        const again = await fileTableVersions(file, ['customers', 'purchases'], first!.file);
        expect(again).toMatchObject({ read: false });
        expect(Object.fromEntries(again!.versions)).toEqual(Object.fromEntries(first!.versions));
        // A table the cache does not hold is read.
        expect((await fileTableVersions(file, ['customers', 'tags'], first!.file))?.read).toBe(true);
        // The same bytes written again (a new change time): read again, same versions.
        const { mtime } = statSync(file);
        write();
        utimesSync(file, mtime, mtime);
        const rewritten = await fileTableVersions(file, ['customers', 'purchases'], first!.file);
        expect(rewritten?.read).toBe(true);
        expect(Object.fromEntries(rewritten!.versions)).toEqual(Object.fromEntries(first!.versions));
        // A change with the modification time put back is still seen (the change time and counter move).
        db.run('UPDATE customers SET score = score + 1 WHERE customer_id = 5');
        write();
        utimesSync(file, mtime, mtime);
        const stamp = await fileStamp(file);
        expect(stamp).not.toBe(first!.file.stamp);
        const after = await fileTableVersions(file, ['customers', 'purchases'], first!.file);
        expect(after?.versions.get('customers')).not.toBe(first!.versions.get('customers'));
        expect(after?.versions.get('purchases')).toBe(first!.versions.get('purchases'));
    });

    it('a file that is not SQLite (DuckDB on a folder of Parquet files, a CSV) has no file versions: the engine is scanned', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-changes-'));
        writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');
        expect(await fileTableVersions(join(dir, 'data.csv'), ['data'])).toBeUndefined();
        expect(await fileTableVersions(dir, ['data'])).toBeUndefined();
    });
});
