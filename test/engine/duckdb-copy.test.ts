import { existsSync, mkdtempSync, readdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, test } from 'vitest';
import { copySqliteIntoDuckDb } from '../../engine/duckdb-copy.js';
import { copyPath, ensureCopy, stampOf } from '../../engine/duckdb-cache.js';
import { DuckDbEngine } from '../../engine/duckdb-engine.js';
import { nativeReader, type NativeDatabase } from '../../engine/native-sqlite.js';
import type { SqliteReader } from '../../engine/sqlite-source.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';

const folder = (): string => mkdtempSync(join(tmpdir(), 'segments-duckdb-copy-'));

/** Text that CSV must carry as it is: separators, quotes, line ends, NUL, the empty text, what looks like NULL. */
const TEXTS = ['', 'x,y', 'say "hi"', '"', 'line1\nline2', 'cr\r\nlf', 'é ß 😀 İ K', ' lead', 'trail ', 'a\u0000b', '\\N', 'NULL'];
/** Doubles whose shortest form has 17 digits, the extremes, and integral ones. */
const REALS = [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, -2.5e-10, 1e21, 123456789.125, 2];
const HUGE = 9223372036854775807n;

function writeSource(file: string, rows = 1): void {
    const db = new Database(file);
    db.defaultSafeIntegers(true);
    db.exec('CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, score REAL, big INTEGER, note TEXT, mixed, later TEXT)');
    const insert = db.prepare('INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.exec('BEGIN');
    for (let r = 0; r < rows; r++) {
        TEXTS.forEach((text, i) => {
            const id = r * 100 + i;
            insert.run(BigInt(id), text, REALS[i % REALS.length], i === 0 ? HUGE : BigInt(-i), i % 3 === 0 ? null : `n${i}`, i % 2 === 0 ? BigInt(i) : `t${i}`, r === rows - 1 && i === TEXTS.length - 1 ? 'last' : null);
        });
    }
    db.exec('COMMIT');
    db.exec('CREATE TABLE blobs (id INTEGER, data BLOB); INSERT INTO blobs VALUES (1, x\'00ff10\'), (2, NULL)');
    db.exec('CREATE TABLE text_and_reals (id INTEGER, v); INSERT INTO text_and_reals VALUES (1, \'a\'), (2, 2.0), (3, 0.30000000000000004)');
    db.exec('CREATE TABLE empty (id INTEGER, v TEXT)');
    // Integers first, text in the last row: a chunk after the first needs another type.
    db.exec('CREATE TABLE late_text (v); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 19) INSERT INTO late_text SELECT i FROM n; INSERT INTO late_text VALUES (\'twenty\')');
    db.close();
}

async function copied(reader: SqliteReader, chunkRows?: number): Promise<{ rows: number; read(sql: string): Promise<unknown[][]>; types: string[][]; how: Record<string, string> }> {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const how: Record<string, string> = {};
    const rows = await copySqliteIntoDuckDb(conn, reader, 'main', { chunkRows, onTable: (table, path) => void (how[table] = path) });
    const read = async (sql: string): Promise<unknown[][]> => (await conn.runAndReadAll(sql)).getRowsJS();
    const types = (await read("SELECT table_name, column_name, data_type FROM information_schema.columns ORDER BY table_name, ordinal_position")) as string[][];
    return { rows, read, types, how };
}

async function expectExactCopy(reader: SqliteReader, rowsPerTable: number, chunkRows?: number): Promise<void> {
    const copy = await copied(reader, chunkRows);
    expect(copy.rows).toBe(TEXTS.length * rowsPerTable + 2 + 3 + 20);
    expect(copy.how).toEqual({ people: 'csv', blobs: 'values', text_and_reals: 'values', empty: 'csv', late_text: chunkRows ? 'values' : 'csv' });
    expect(await copy.read("SELECT count(*), count(*) FILTER (v = '7'), count(*) FILTER (v = 'twenty') FROM late_text")).toEqual([[20n, 1n, 1n]]);
    expect(copy.types.filter(t => t[0] === 'late_text').map(t => t[2])).toEqual(['VARCHAR']);
    expect(copy.types.filter(t => t[0] === 'people').map(t => `${t[1]} ${t[2]}`)).toEqual([
        'id BIGINT', 'name VARCHAR', 'score DOUBLE', 'big BIGINT', 'note VARCHAR', 'mixed VARCHAR', 'later VARCHAR'
    ]);
    const people = await copy.read('SELECT id, name, score, big, note, mixed, later FROM people WHERE id < 100 ORDER BY id');
    expect(people).toEqual(TEXTS.map((text, i) => [
        BigInt(i), text, REALS[i % REALS.length], i === 0 ? HUGE : BigInt(-i), i % 3 === 0 ? null : `n${i}`, i % 2 === 0 ? String(i) : `t${i}`,
        rowsPerTable === 1 && i === TEXTS.length - 1 ? 'last' : null
    ]));
    expect(await copy.read("SELECT count(*) FROM people WHERE later = 'last'")).toEqual([[1n]]);
    // Through the value-by-value copy: blobs, and reals in a text column as JavaScript writes them.
    expect(await copy.read('SELECT id, hex(data) FROM blobs ORDER BY id')).toEqual([[1n, '00FF10'], [2n, null]]);
    expect(await copy.read('SELECT id, v FROM text_and_reals ORDER BY id')).toEqual([[1n, 'a'], [2n, '2'], [3n, '0.30000000000000004']]);
    expect(copy.types.filter(t => t[0] === 'empty').map(t => t[2])).toEqual(['BIGINT', 'VARCHAR']);
}

describe('DuckDB copies a SQLite file exactly', () => {
    const dir = folder();
    const file = join(dir, 'source.sqlite');
    writeSource(file);
    const native = (f: string): NativeDatabase => new Database(f, { readonly: true }) as unknown as NativeDatabase;

    test('read by native SQLite: text, doubles and 64-bit integers as stored, NULL apart from the empty text', async () => {
        const db = native(file);
        try {
            await expectExactCopy(nativeReader(db), 1);
        } finally {
            db.close();
        }
    });

    test('read by sql.js: the same values', async () => {
        const engine = await SqlJsEngine.open(file);
        try {
            await expectExactCopy(engine.reader(), 1);
        } finally {
            await engine.close();
        }
    });

    test('a column empty in the first chunks and text later gets the type a full pass finds', async () => {
        const many = join(dir, 'many.sqlite');
        writeSource(many, 30);
        const db = native(many);
        try {
            await expectExactCopy(nativeReader(db), 30, 7);
        } finally {
            db.close();
        }
    });
});

describe('the copy is kept, keyed by the file', () => {
    test('the second open reads the kept copy; a changed file gets a new copy and the old one is removed', async () => {
        const dir = folder();
        const cache = join(dir, 'cache');
        const file = join(dir, 'data.sqlite');
        writeSource(file);
        const first = await DuckDbEngine.open(file, { cacheDir: cache });
        expect(first.copyFrom).toBe('copied');
        expect(await first.query('SELECT count(*) FROM people')).toEqual([[TEXTS.length]]);
        await first.close();
        const started = performance.now();
        const second = await DuckDbEngine.open(file, { cacheDir: cache });
        const reopenMs = performance.now() - started;
        expect(second.copyFrom).toBe('cache');
        expect(second.copyFile).toBe(first.copyFile);
        expect(await second.query("SELECT name FROM people WHERE id = 2")).toEqual([['say "hi"']]);
        await second.close();
        expect(reopenMs).toBeLessThan(2000);

        const db = new Database(file);
        db.exec("INSERT INTO people (id, name) VALUES (1000, 'new')");
        db.close();
        const third = await DuckDbEngine.open(file, { cacheDir: cache });
        expect(third.copyFrom).toBe('copied');
        expect(await third.query('SELECT count(*) FROM people')).toEqual([[TEXTS.length + 1]]);
        await third.close();
        expect(readdirSync(cache)).toEqual([third.copyFile!.slice(cache.length + 1)]);

        // The same size but another modification time is another version of the file.
        utimesSync(file, new Date(), new Date(Date.now() + 5000));
        expect(copyPath(cache, stampOf(file))).not.toBe(third.copyFile);
    });

    test('a copy that fails half-way leaves nothing under the copy\'s name, and the next open copies again', async () => {
        const dir = folder();
        const cache = join(dir, 'cache');
        const file = join(dir, 'data.sqlite');
        writeSource(file);
        await expect(ensureCopy(cache, file, async temporary => {
            const instance = await DuckDBInstance.create(temporary);
            (await instance.connect()).closeSync();
            instance.closeSync();
            throw new Error('interrupted');
        })).rejects.toThrow('interrupted');
        expect(readdirSync(cache)).toEqual([]);
        expect(existsSync(copyPath(cache, stampOf(file)))).toBe(false);
        const engine = await DuckDbEngine.open(file, { cacheDir: cache });
        expect(engine.copyFrom).toBe('copied');
        await engine.close();
    });

    test('two processes\' worth of opens at once both read a whole copy', async () => {
        const dir = folder();
        const cache = join(dir, 'cache');
        const file = join(dir, 'data.sqlite');
        writeSource(file, 20);
        const engines = await Promise.all([DuckDbEngine.open(file, { cacheDir: cache }), DuckDbEngine.open(file, { cacheDir: cache })]);
        for (const engine of engines) {
            expect(await engine.query('SELECT count(*) FROM people')).toEqual([[TEXTS.length * 20]]);
            await engine.close();
        }
        expect(readdirSync(cache).filter(f => f.endsWith('.duckdb'))).toHaveLength(1);
    });

    test('a cache folder that cannot be written: the copy is made in memory, and the file still opens', async () => {
        const dir = folder();
        const file = join(dir, 'data.sqlite');
        writeSource(file);
        const engine = await DuckDbEngine.open(file, { cacheDir: join(file, 'not-a-folder') });
        expect(engine.copyFrom).toBe('copied');
        expect(engine.copyFile).toBeUndefined();
        expect(await engine.query('SELECT count(*) FROM people')).toEqual([[TEXTS.length]]);
        await engine.close();
    });
});
