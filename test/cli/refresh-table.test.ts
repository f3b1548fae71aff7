import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import pg from 'pg';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copySqliteIntoDuckDb } from '../../engine/duckdb-copy.js';
import { copySqliteIntoPostgres } from '../../engine/postgres-copy.js';
import { PostgresEngine } from '../../engine/postgres-engine.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { HistoryStore } from '../../history/history-store.js';
import { tableDatabaseFor } from '../../activation/table-databases.js';
import { writeMemberTable, type TableDatabase } from '../../activation/table-destination.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { requireBuild, sampleCopy, segments, type RefreshJson } from './refresh-support.js';

// Table destinations (reference, section 7): rows (segment, key, entered_at) for the current
// members, replaced for the segment in one transaction per refresh, in the engine's database
// (PostgreSQL, a DuckDB file) or, for sql.js and a SQLite file under DuckDB, in the history
// store's file; the user's SQLite file is never written.

beforeAll(requireBuild);

const FIRST = '2027-03-01';
const SECOND = '2027-03-02';
/** An "as of" date as the refresh resolves it: the end of that day. */
const instant = (day: string): string => `${day} 23:59:59`;

type Row = [string, number, string];

/** A copy of the sample where NeverPurchased and HighBalance activate `Warehouse { table "NAME" }`. */
function workspace(table = 'segment_members'): string {
    const dir = sampleCopy();
    const activation = join(dir, 'activation.segment');
    writeFileSync(activation, `${readFileSync(activation, 'utf8')}\ndestination Warehouse { table "${table}" }\n`);
    for (const [file, segment] of [['marketing.segment', 'NeverPurchased'], ['contact.segment', 'HighBalance']]) {
        const path = join(dir, file);
        // The sample's webhook (CrmEvents on NeverPurchased) is left out: these tests are about tables.
        const text = readFileSync(path, 'utf8').replace(/^ {2}activate CrmEvents\n/m, '');
        const patched = text.replace(new RegExp(`(dynamic segment ${segment} \\{\\n)`), '$1  activate Warehouse\n');
        expect(patched, `${segment} in ${file}`).not.toBe(text);
        writeFileSync(path, patched);
    }
    return dir;
}

function refresh(dir: string, day: string, extra: readonly string[] = []): { code: number; result: RefreshJson; stderr: string } {
    const r = segments(['refresh', '.', '--as-of', day, '--format', 'json', ...extra], dir);
    if (r.code !== 0 && r.code !== 1) throw new Error(`segments refresh exited ${r.code}: ${r.stderr}`);
    return { code: r.code, result: JSON.parse(r.stdout) as RefreshJson, stderr: r.stderr };
}

/** Every segment's members by `segments run` at `day`. */
function members(dir: string, day: string, extra: readonly string[] = []): Map<string, number[]> {
    const r = segments(['run', '.', '--as-of', day, '--format', 'json', ...extra], dir);
    if (r.code !== 0) throw new Error(`segments run exited ${r.code}: ${r.stderr}`);
    return new Map((JSON.parse(r.stdout) as { name: string; keys: number[] }[]).map(s => [s.name, s.keys]));
}

/** The rows a members table should hold: each member with the instant it entered. */
function expected(segment: string, keys: readonly number[], enteredAt: (key: number) => string): Row[] {
    return keys.map(k => [segment, k, enteredAt(k)] as Row).sort(byRow);
}

function byRow(a: Row, b: Row): number {
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1];
}

async function historyRows(dir: string, table: string): Promise<Row[]> {
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(join(dir, 'retail.history.sqlite')));
    try {
        const result = db.exec(`SELECT segment, key, entered_at FROM "${table}" ORDER BY segment, key`);
        return result.length ? result[0].values.map(r => [String(r[0]), Number(r[1]), String(r[2])] as Row) : [];
    } finally {
        db.close();
    }
}

function sha(file: string): string {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** One customer who bought and one who never did, in a SQLite file (the data changes the tests make). */
function pickCustomers(file: string): { buyer: number; never: number } {
    const db = new Database(file, { readonly: true });
    try {
        const buyer = (db.prepare('SELECT min(customer_id) AS id FROM purchases').get() as { id: number }).id;
        const never = (db.prepare('SELECT min(customer_id) AS id FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM purchases WHERE customer_id IS NOT NULL)').get() as { id: number }).id;
        return { buyer, never };
    } finally {
        db.close();
    }
}

/** The second day's change: the buyer's purchases are deleted (they enter NeverPurchased), the other buys (they leave it). */
const CHANGE = (buyer: number, never: number, quote: (t: string) => string = t => t): string[] => [
    `DELETE FROM ${quote('purchases')} WHERE customer_id = ${buyer}`,
    `INSERT INTO ${quote('purchases')} (purchase_id, customer_id, product_id, purchased_at, amount, channel) SELECT max(purchase_id) + 1, ${never}, 5007, '2027-03-02 10:00:00', 10, 'web' FROM ${quote('purchases')}`
];

/**
 * The refreshes every engine is tested with: a first refresh (every member entered at its "as
 * of"), then a change of data and a refresh a day later: the buyer entered NeverPurchased,
 * the other customer left it, the others kept their first `entered_at`. `read` gives the table.
 */
async function enterAndLeave(dir: string, args: readonly string[], change: (statements: string[]) => Promise<void>, read: () => Promise<Row[]>, where: RegExp): Promise<void> {
    const { buyer, never } = pickCustomers(join(dir, 'retail.sqlite'));
    const first = refresh(dir, FIRST, args);
    expect(first.code, first.stderr).toBe(0);
    const before = members(dir, FIRST, args);
    for (const name of ['NeverPurchased', 'HighBalance']) {
        const d = first.result.segments.find(s => s.name === name)!.destinations.find(x => x.name === 'Warehouse')!;
        expect(d.status, d.reason).toBe('sent');
        expect(d.kind).toBe('table');
        expect((d as { where?: string }).where).toMatch(where);
    }
    expect(before.get('NeverPurchased')).toContain(never);
    expect(before.get('NeverPurchased')).not.toContain(buyer);
    expect(await read()).toEqual([
        ...expected('HighBalance', before.get('HighBalance')!, () => instant(FIRST)),
        ...expected('NeverPurchased', before.get('NeverPurchased')!, () => instant(FIRST))
    ].sort(byRow));

    await change(CHANGE(buyer, never));
    const second = refresh(dir, SECOND, args);
    expect(second.code, second.stderr).toBe(0);
    const after = members(dir, SECOND, args);
    expect(after.get('NeverPurchased')).toContain(buyer);
    expect(after.get('NeverPurchased')).not.toContain(never);
    const kept = new Set(before.get('NeverPurchased'));
    const never2 = second.result.segments.find(s => s.name === 'NeverPurchased')!;
    // Pinned at another instant, the run starts another series (its line counts every member, issue 11 item 4);
    // the table keeps each member's instant across it.
    expect([never2.entered, never2.left, never2.newSeries]).toEqual([after.get('NeverPurchased')!.length, 0, true]);
    const rows = await read();
    expect(rows).toEqual([
        ...expected('HighBalance', after.get('HighBalance')!, k => (before.get('HighBalance')!.includes(k) ? instant(FIRST) : instant(SECOND))),
        ...expected('NeverPurchased', after.get('NeverPurchased')!, k => (kept.has(k) ? instant(FIRST) : instant(SECOND)))
    ].sort(byRow));
    expect(rows).toContainEqual(['NeverPurchased', buyer, instant(SECOND)]);
    expect(rows.some(r => r[0] === 'NeverPurchased' && r[1] === never)).toBe(false);
}

function sqliteChange(dir: string): (statements: string[]) => Promise<void> {
    return async statements => {
        const db = new Database(join(dir, 'retail.sqlite'));
        try {
            for (const s of statements) db.exec(s);
        } finally {
            db.close();
        }
    };
}

describe('table destinations on sql.js: in the history store file', { timeout: 300_000 }, () => {
    test('members enter and leave: the rows are the members, each with the instant it entered; the user\'s SQLite file is not written by a refresh', async () => {
        const dir = workspace();
        const database = join(dir, 'retail.sqlite');
        let hash = sha(database);
        await enterAndLeave(dir, [], async statements => {
            expect(sha(database)).toBe(hash);
            await sqliteChange(dir)(statements);
            hash = sha(database);
        }, () => historyRows(dir, 'segment_members'), /^the history store .*retail\.history\.sqlite$/);
        expect(sha(database)).toBe(hash);
        const rows = await historyRows(dir, 'segment_members');
        // Nothing changed: nothing written. The table dropped by hand: written again, the same rows.
        expect(refresh(dir, SECOND).result.segments.find(s => s.name === 'NeverPurchased')!.status).toBe('unchanged');
        const SQL = await initSqlJs();
        const history = join(dir, 'retail.history.sqlite');
        const db = new SQL.Database(readFileSync(history));
        db.run('DROP TABLE segment_members');
        writeFileSync(history, db.export());
        db.close();
        const again = refresh(dir, SECOND).result.segments.filter(s => s.status === 'refreshed').map(s => [s.name, s.entered, s.left]);
        expect(again).toEqual([['HighBalance', 0, 0], ['NeverPurchased', 0, 0]]);
        expect(await historyRows(dir, 'segment_members')).toEqual(rows);
    });

    test('a table named like one of the history store\'s own (snapshots) is refused with a sentence, exit 1; the run is recorded and the history\'s table is intact', async () => {
        const dir = workspace('snapshots');
        const r = refresh(dir, FIRST);
        expect(r.code).toBe(1);
        const d = r.result.segments.find(s => s.name === 'NeverPurchased')!.destinations.find(x => x.name === 'Warehouse')!;
        expect(d.status).toBe('failed');
        expect(d.reason).toMatch(/^the history store .*retail\.history\.sqlite already has a table snapshots that is not a members table \(its columns are segment, series, member, not segment, key, entered_at\), so it was left alone: name another table in the destination$/);
        const text = segments(['refresh', '.', '--as-of', FIRST], dir);
        expect(text.code).toBe(1);
        expect(text.stdout).toMatch(/^NeverPurchased +\d+ +\+0 -0 +Warehouse failed: the history store .* already has a table snapshots/m);
        const store = await HistoryStore.open(join(dir, 'retail.history.sqlite'));
        try {
            const keys = members(dir, FIRST).get('NeverPurchased')!;
            expect(store.runs('NeverPurchased').map(run => run.count)).toEqual([keys.length, keys.length]);
            expect([...store.snapshot('NeverPurchased', store.runs('NeverPurchased').at(-1)!.series)!].sort((a, b) => Number(a) - Number(b))).toEqual(keys);
            expect(store.sends('NeverPurchased')).toEqual([expect.objectContaining({ destination: 'Warehouse', kind: 'table', target: 'snapshots', failingSince: expect.any(String), error: d.reason })]);
        } finally {
            store.close();
        }
    });
});

describe('table destinations on DuckDB', { timeout: 300_000 }, () => {
    test('on a SQLite file (copied into DuckDB) the table is in the history store, as on sql.js; the SQLite file is not written', async () => {
        const dir = workspace();
        const database = join(dir, 'retail.sqlite');
        const hash = sha(database);
        const r = segments(['refresh', '.', '--as-of', FIRST, '--engine', 'duckdb'], dir);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^NeverPurchased +\d+ +\+\d+ -0 \(first refresh\) +sent Warehouse \(table segment_members in the history store .*retail\.history\.sqlite\)$/m);
        const keys = members(dir, FIRST);
        expect(await historyRows(dir, 'segment_members')).toEqual([
            ...expected('HighBalance', keys.get('HighBalance')!, () => instant(FIRST)),
            ...expected('NeverPurchased', keys.get('NeverPurchased')!, () => instant(FIRST))
        ].sort(byRow));
        expect(sha(database)).toBe(hash);
    });

    /** The sample as a DuckDB database file, `database "retail.duckdb"`. */
    async function duckdbWorkspace(table?: string): Promise<{ dir: string; file: string }> {
        const dir = workspace(table);
        const file = join(dir, 'retail.duckdb');
        const source = await SqlJsEngine.open(join(dir, 'retail.sqlite'));
        const instance = await DuckDBInstance.create(file);
        try {
            const conn = await instance.connect();
            await copySqliteIntoDuckDb(conn, source.reader(), 'main');
            conn.closeSync();
        } finally {
            instance.closeSync();
            await source.close();
        }
        const schema = join(dir, 'schema.segment');
        writeFileSync(schema, readFileSync(schema, 'utf8').replace('database "retail.sqlite"', 'database "retail.duckdb"'));
        return { dir, file };
    }

    async function onDuckDb<T>(file: string, work: (conn: import('@duckdb/node-api').DuckDBConnection) => Promise<T>): Promise<T> {
        const instance = await DuckDBInstance.create(file);
        const conn = await instance.connect();
        try {
            return await work(conn);
        } finally {
            conn.closeSync();
            instance.closeSync();
        }
    }

    test('on a DuckDB database file the table is written in it: members enter and leave', async () => {
        const { dir, file } = await duckdbWorkspace();
        await enterAndLeave(dir, ['--engine', 'duckdb'], statements => onDuckDb(file, async conn => {
            for (const s of statements) await conn.run(s);
        }), () => onDuckDb(file, async conn => {
            const reader = await conn.runAndReadAll('SELECT segment, key, strftime(entered_at, \'%Y-%m-%d %H:%M:%S\') FROM segment_members ORDER BY segment, key');
            return reader.getRowsJS().map(r => [String(r[0]), Number(r[1]), String(r[2])] as Row);
        }), /^the DuckDB file .*retail\.duckdb$/);
        const types = await onDuckDb(file, async conn => (await conn.runAndReadAll("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'segment_members' ORDER BY ordinal_position")).getRowsJS());
        expect(types).toEqual([['segment', 'VARCHAR'], ['key', 'BIGINT'], ['entered_at', 'TIMESTAMP']]);
    });

    test('a table destination named like a user\'s table (customers) is refused, the table untouched, the run recorded; exit 1', async () => {
        const { dir, file } = await duckdbWorkspace('customers');
        const count = async (): Promise<number> => onDuckDb(file, async conn => Number((await conn.runAndReadAll('SELECT count(*) FROM customers')).getRowsJS()[0][0]));
        const before = await count();
        const r = refresh(dir, FIRST, ['--engine', 'duckdb']);
        expect(r.code).toBe(1);
        const d = r.result.segments.find(s => s.name === 'NeverPurchased')!.destinations.find(x => x.name === 'Warehouse')!;
        expect(d.status).toBe('failed');
        expect(d.reason).toMatch(/^the DuckDB file .*retail\.duckdb already has a table customers that is not a members table \(its columns are customer_id, .*\), so it was left alone: name another table in the destination$/);
        expect(await count()).toBe(before);
        const history = segments(['history', '.', '--segment', 'NeverPurchased', '--format', 'json'], dir);
        expect(history.code, history.stderr).toBe(0);
        expect((JSON.parse(history.stdout) as unknown[]).length).toBe(1);
    });
});

const url = process.env.SEGMENTS_PG_URL;

// PostgreSQL needs a server: CI starts one (SEGMENTS_PG_URL), as for the language tests.
if (url) describe('table destinations on PostgreSQL: in the schema the engine reads', () => {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    const schemas: string[] = [];
    afterAll(async () => {
        for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
        await pool.end();
    });

    async function schemaOf(dir: string): Promise<string> {
        const schema = `table_${randomUUID().slice(0, 8)}`;
        schemas.push(schema);
        const source = await SqlJsEngine.open(join(dir, 'retail.sqlite'));
        try {
            const engine = await PostgresEngine.onPool(pool, schema);
            await engine.withClient(client => copySqliteIntoPostgres(client, source.reader(), schema));
        } finally {
            await source.close();
        }
        return schema;
    }

    test('members enter and leave: the rows are the members, each with the instant it entered', async () => {
        const dir = workspace();
        const schema = await schemaOf(dir);
        await enterAndLeave(dir, ['--engine', 'postgres', '--url', url!, '--schema', schema], async statements => {
            for (const s of statements) await pool.query(s.replaceAll('purchases', `"${schema}".purchases`));
        }, async () => {
            const { rows } = await pool.query<{ segment: string; key: string; at: string }>(`SELECT segment, key::text AS key, to_char(entered_at, 'YYYY-MM-DD HH24:MI:SS') AS at FROM "${schema}".segment_members ORDER BY segment, key`);
            return rows.map(r => [r.segment, Number(r.key), r.at] as Row);
        }, new RegExp(`^the PostgreSQL schema ${schema}$`));
        const { rows } = await pool.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'segment_members' ORDER BY ordinal_position`, [schema]);
        expect(rows).toEqual([{ column_name: 'segment', data_type: 'text' }, { column_name: 'key', data_type: 'bigint' }, { column_name: 'entered_at', data_type: 'timestamp without time zone' }]);
    }, 300_000);

    test('a table destination named like a user\'s table (customers) is refused, the table untouched, the run recorded; exit 1', async () => {
        const dir = workspace('customers');
        const schema = await schemaOf(dir);
        const count = async (): Promise<number> => Number((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".customers`)).rows[0].n);
        const before = await count();
        const args = ['--engine', 'postgres', '--url', url!, '--schema', schema];
        const r = refresh(dir, FIRST, args);
        expect(r.code).toBe(1);
        const d = r.result.segments.find(s => s.name === 'NeverPurchased')!.destinations.find(x => x.name === 'Warehouse')!;
        expect(d.status).toBe('failed');
        expect(d.reason).toMatch(new RegExp(`^the PostgreSQL schema ${schema} already has a table customers that is not a members table \\(its columns are customer_id, .*\\), so it was left alone: name another table in the destination$`));
        expect(await count()).toBe(before);
        const store = await HistoryStore.open(join(dir, 'retail.history.sqlite'));
        try {
            expect(store.runs('NeverPurchased').length).toBe(1);
        } finally {
            store.close();
        }
    }, 300_000);

    test('a database error (a role that may read the schema but not create in it) is said with the database\'s words, exit 1, and the history still records the run', async () => {
        const dir = workspace();
        const schema = await schemaOf(dir);
        const role = `reader_${randomUUID().slice(0, 8)}`;
        await pool.query(`CREATE ROLE ${role} LOGIN`);
        try {
            await pool.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
            const readerUrl = url!.replace(/\/\/[^@/]+@/, `//${role}@`);
            const r = refresh(dir, FIRST, ['--engine', 'postgres', '--url', readerUrl, '--schema', schema]);
            expect(r.code, r.stderr).toBe(1);
            const d = r.result.segments.find(s => s.name === 'NeverPurchased')!.destinations.find(x => x.name === 'Warehouse')!;
            expect(d.status).toBe('failed');
            expect(d.reason).toBe(`the table segment_members could not be written in the PostgreSQL schema ${schema} (permission denied for schema ${schema}); nothing of this refresh was written to it`);
            const store = await HistoryStore.open(join(dir, 'retail.history.sqlite'));
            try {
                expect(store.runs('NeverPurchased').length).toBe(1);
                expect(store.sends('NeverPurchased')[0]).toMatchObject({ destination: 'Warehouse', error: d.reason });
            } finally {
                store.close();
            }
        } finally {
            await pool.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
        }
    }, 300_000);

    test('a reader never sees a half-written table: while 20,000 rows replace 30,000 in batches, every read gives the old rows or the new, and two writers at once take turns', async () => {
        const schema = `table_${randomUUID().slice(0, 8)}`;
        schemas.push(schema);
        await pool.query(`CREATE SCHEMA "${schema}"`);
        const engine = await PostgresEngine.onPool(pool, schema);
        const store = await HistoryStore.open(join(mkdtempSync(join(tmpdir(), 'segments-table-')), 'unused.history.sqlite'));
        try {
            const db = tableDatabaseFor(engine, store) as TableDatabase;
            expect(db.dialect.name).toBe('postgres');
            const rows = (from: number, to: number, at: string): { key: number; enteredAt: string }[] => Array.from({ length: to - from + 1 }, (_, i) => ({ key: from + i, enteredAt: at }));
            await writeMemberTable(db, 'big_members', 'Big', 'number', rows(1, 30_000, '2027-03-01 00:00:00'));
            await writeMemberTable(db, 'big_members', 'Other', 'number', rows(1, 10, '2027-03-01 00:00:00'));
            const old = '30000 1 30000 2027-03-01 00:00:00';
            const next = '20000 15001 35000 2027-03-02 00:00:00';
            const seen: { state: string; at: number }[] = [];
            let writing = true;
            const reader = (async () => {
                const client = await pool.connect();
                try {
                    while (writing) {
                        const { rows: r } = await client.query(`SELECT count(*)::int AS n, min(key)::int AS lo, max(key)::int AS hi, min(to_char(entered_at, 'YYYY-MM-DD HH24:MI:SS')) AS at FROM "${schema}".big_members WHERE segment = 'Big'`);
                        seen.push({ state: `${r[0].n} ${r[0].lo} ${r[0].hi} ${r[0].at}`, at: performance.now() });
                    }
                } finally {
                    client.release();
                }
            })();
            while (seen.length < 3) await new Promise(r => setTimeout(r, 5));
            const started = performance.now();
            await writeMemberTable(db, 'big_members', 'Big', 'number', rows(15_001, 35_000, '2027-03-02 00:00:00'));
            const ended = performance.now();
            await new Promise(r => setTimeout(r, 50));
            writing = false;
            await reader;
            expect(new Set(seen.map(s => s.state))).toEqual(new Set([old, next]));
            expect(seen.filter(s => s.at > started && s.at < ended).length, `reads during the ${Math.round(ended - started)} ms write`).toBeGreaterThan(0);
            expect(seen.filter(s => s.at < ended).every(s => s.state === old)).toBe(true);
            // Two writers at once (two refreshers): one waits for the other; the table holds one whole membership.
            const results = await Promise.allSettled([
                writeMemberTable(db, 'big_members', 'Big', 'number', rows(1, 5_000, '2027-03-03 00:00:00')),
                writeMemberTable(db, 'big_members', 'Big', 'number', rows(2_001, 9_000, '2027-03-04 00:00:00'))
            ]);
            expect(results.map(r => r.status)).toEqual(['fulfilled', 'fulfilled']);
            const { rows: final } = await pool.query(`SELECT count(*)::int AS n, min(key)::int AS lo, max(key)::int AS hi FROM "${schema}".big_members WHERE segment = 'Big'`);
            expect([[5_000, 1, 5_000], [7_000, 2_001, 9_000]]).toContainEqual([final[0].n, final[0].lo, final[0].hi]);
            const { rows: other } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".big_members WHERE segment = 'Other'`);
            expect(other[0].n).toBe(10);
        } finally {
            store.close();
        }
    }, 120_000);
});
