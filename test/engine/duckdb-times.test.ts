import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, test } from 'vitest';
import { clockAsOf } from '../../compiler/time.js';
import { copySqliteIntoDuckDb, type ConvertedColumn } from '../../engine/duckdb-copy.js';
import { DuckDbEngine } from '../../engine/duckdb-engine.js';
import { DatabaseError } from '../../engine/engine.js';
import { SegmentRunner } from '../../engine/runner.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { build, run } from '../support/harness.js';

/**
 * DuckDB's copy of a SQLite file holds a text column of datetimes as DuckDB's own timestamps
 * (dates alone as dates), converted once with the reading the reference gives stored values
 * (section 2: `T` or space, a fraction that counts, `Z` or an offset converted to UTC), so the
 * queries no longer parse every text. A column with one value that is no datetime stays text,
 * so that value stays missing for every condition as on the other engines.
 */

const MIXED = ['2027-02-10 08:00:00', '2027-02-10T23:30:00-02:00', '2027-02-11T00:15:00Z', '2027-02-09 12:00:00.250', '2027-02-01', null];
const PLAIN = ['2027-02-10 08:00:00', '2027-01-31 23:59:59', null];
const DATES = ['2027-02-10', '1999-12-31', null];
const NOT_ALL = ['2027-02-10 08:00:00', '2026/06/01', null];
const lit = (v: string | null): string => (v === null ? 'NULL' : `'${v}'`);

/** Six events; and 2,500 rows whose first 2,000 are datetimes, one unreadable value after them (the full pass sees it). */
const SETUP = `CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT, plain TEXT, day TEXT, odd TEXT, name TEXT);
INSERT INTO events VALUES ${MIXED.map((at, i) => `(${i + 1}, ${lit(at)}, ${lit(PLAIN[i % 3])}, ${lit(DATES[i % 3])}, ${lit(NOT_ALL[i % 3])}, 'n${i}')`).join(', ')};
CREATE TABLE late (id INTEGER PRIMARY KEY, at TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
INSERT INTO late SELECT i, CASE WHEN i = 2400 THEN '2027-02-30 10:00:00' ELSE '2027-02-01 10:00:00' END FROM n;`;

function writeSource(file: string): void {
    const db = new Database(file);
    db.exec(SETUP);
    db.close();
}

const folder = (): string => mkdtempSync(join(tmpdir(), 'segments-duckdb-times-'));

async function copyOf(file: string): Promise<{ read(sql: string): Promise<unknown[][]>; converted: Record<string, ConvertedColumn[]>; close(): void }> {
    const source = await SqlJsEngine.open(file);
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const converted: Record<string, ConvertedColumn[]> = {};
    await copySqliteIntoDuckDb(conn, source.reader(), 'main', { onConverted: (table, column) => void (converted[table] = [...(converted[table] ?? []), column]) });
    await source.close();
    return { read: async sql => (await conn.runAndReadAll(sql)).getRowsJS(), converted, close: () => { conn.closeSync(); instance.closeSync(); } };
}

describe('the copy converts columns of datetimes once', () => {
    const file = join(folder(), 'events.sqlite');
    writeSource(file);

    test('every value a readable datetime: TIMESTAMP in UTC; dates alone: DATE; any other value: the column stays text', async () => {
        const copy = await copyOf(file);
        try {
            expect(copy.converted).toEqual({
                events: [
                    { column: 'at', type: 'TIMESTAMP', sameText: false },
                    { column: 'plain', type: 'TIMESTAMP', sameText: true },
                    { column: 'day', type: 'DATE', sameText: true }
                ]
            });
            const types = await copy.read("SELECT table_name, column_name, data_type FROM information_schema.columns ORDER BY table_name, ordinal_position");
            expect(types.map(t => t.join(' '))).toEqual([
                'events id BIGINT', 'events at TIMESTAMP', 'events plain TIMESTAMP', 'events day DATE', 'events odd VARCHAR', 'events name VARCHAR',
                'late id BIGINT', 'late at VARCHAR'
            ]);
            // The offset moved to UTC, the fraction kept, a date alone its midnight.
            expect(await copy.read('SELECT id, CAST("at" AS VARCHAR) FROM events ORDER BY id')).toEqual([
                [1n, '2027-02-10 08:00:00'], [2n, '2027-02-11 01:30:00'], [3n, '2027-02-11 00:15:00'],
                [4n, '2027-02-09 12:00:00.25'], [5n, '2027-02-01 00:00:00'], [6n, null]
            ]);
            expect(await copy.read("SELECT count(*) FROM events WHERE odd = '2026/06/01'")).toEqual([[2n]]);
            expect(await copy.read(`SELECT count(*) FROM late WHERE "at" = '2027-02-30 10:00:00'`)).toEqual([[1n]]);
        } finally {
            copy.close();
        }
    });

    const SCHEMA = `
entity Event from events key Id time At {
  Id     number column id
  At     datetime column at
  Plain  datetime column plain
  Day    date column day
  Odd    datetime column odd
}
entity Late from late key Id {
  Id  number column id
  At  datetime column at
}
`;
    const segments = `
dynamic segment LastDay { audience Event group { At in last 1 days } }
dynamic segment AfterLocalMidnight { audience Event group { At after 2027-02-10T23:00:00 } }
dynamic segment WithFraction { audience Event group { At after 2027-02-09T12:00:00 and At before 2027-02-09T12:00:01 } }
dynamic segment PlainJanuary { audience Event group { Plain before 2027-02-01 } }
dynamic segment OldDays { audience Event group { Day before 2000-01-01 } }
dynamic segment OddEmpty { audience Event group { Odd is empty } }
dynamic segment LateMissing { audience Late group { At is empty } }
`;

    test('the same keys as sql.js: offsets, fractions, dates and event time read from the converted values', async () => {
        // The harness runs each segment on sql.js and on DuckDB's copy, and fails when their keys differ.
        const keys = await run(SCHEMA + segments, SETUP, '2027-02-11T12:00:00');
        expect(await keys('LastDay')).toEqual([2, 3]);
        expect(await keys('AfterLocalMidnight')).toEqual([2, 3]);
        expect(await keys('WithFraction')).toEqual([4]);
        expect(await keys('PlainJanuary')).toEqual([2, 5]);
        expect(await keys('OldDays')).toEqual([2, 5]);
        // Record 6 has no time: it does not exist (reference 6.1).
        expect(await keys('OddEmpty')).toEqual([2, 3, 5]);
        expect(await keys('LateMissing')).toEqual([2400]);
    });
});

describe('a converted column read as text', () => {
    const TEXT_SCHEMA = `
entity Event from events key Id {
  Id         number column id
  AtText     text column at
  PlainText  text column plain
}
dynamic segment MixedAsText { audience Event group { AtText contains "T" } }
dynamic segment PlainAsText { audience Event group { PlainText starts with "2027-01" } }
`;

    test('stored in one form DuckDB writes back: the same text, the same keys', async () => {
        const keys = await run(TEXT_SCHEMA, SETUP);
        expect(await keys('PlainAsText')).toEqual([2, 5]);
    });

    test('stored in several forms: DuckDB refuses with a sentence rather than read other text', async () => {
        const dir = folder();
        const file = join(dir, 'events.sqlite');
        writeSource(file);
        const built = await build(TEXT_SCHEMA);
        const engine = await DuckDbEngine.open(file, { cacheDir: join(dir, 'cache') });
        try {
            const runner = new SegmentRunner(engine, built.plans.plans, clockAsOf('2027-02-11'));
            const refused = await runner.keys('MixedAsText').then(() => undefined, (e: unknown) => e);
            expect(refused).toBeInstanceOf(DatabaseError);
            expect((refused as Error).message).toContain('column events.at holds datetimes');
            expect((refused as Error).message).toContain('declare the attribute `datetime`');
            expect(await runner.keys('PlainAsText')).toEqual([2, 5]);
        } finally {
            await engine.close();
        }
        // sql.js reads the stored text.
        const sqljs = await SqlJsEngine.open(file);
        try {
            expect(await new SegmentRunner(sqljs, built.plans.plans, clockAsOf('2027-02-11')).keys('MixedAsText')).toEqual([2, 3]);
        } finally {
            await sqljs.close();
        }
    });
});

describe('the kept copy holds the converted columns', () => {
    test('the second open reads timestamps from the cache, not text', async () => {
        const dir = folder();
        const file = join(dir, 'events.sqlite');
        writeSource(file);
        const types = async (): Promise<string[]> => {
            const engine = await DuckDbEngine.open(file, { cacheDir: join(dir, 'cache') });
            try {
                const rows = await engine.query("SELECT data_type FROM information_schema.columns WHERE table_name = 'events' AND column_name IN ('at', 'day') ORDER BY column_name");
                return [engine.copyFrom ?? '', ...rows.map(r => String(r[0]))];
            } finally {
                await engine.close();
            }
        };
        expect(await types()).toEqual(['copied', 'TIMESTAMP', 'DATE']);
        expect(await types()).toEqual(['cache', 'TIMESTAMP', 'DATE']);
    });
});
