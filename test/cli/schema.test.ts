import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, describe, expect, test } from 'vitest';
import { check, run, schema, type SchemaOptions } from '../../cli/commands.js';
import { capture } from '../support/capture-io.js';
import { generateSchema, inferType, type TableInfo } from '../../compiler/schema-text.js';
import { keywords } from '../../grammar/keywords.js';

/**
 * `segments schema`: the generated text passes `check` for any database, whatever its tables
 * and columns are named, and says in comments and warnings what the language cannot express.
 */


const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A SQLite file made by `sql` in a fresh folder. */
async function sqlite(sql: string, name = 'data.sqlite'): Promise<{ dir: string; file: string }> {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec(sql);
    const dir = mkdtempSync(join(tmpdir(), 'segments-schema-'));
    const file = join(dir, name);
    writeFileSync(file, db.export());
    db.close();
    return { dir, file };
}

/** Runs `schema`, writes its text as schema.segment in `dir` and checks the folder. */
async function generated(file: string, dir: string, options: SchemaOptions = {}, extra: Record<string, string> = {}): Promise<{ text: string; warnings: string[]; checked: string[]; status: number }> {
    const io = capture();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
        expect(await schema(file, options, io)).toBe(0);
    } finally {
        process.chdir(cwd);
    }
    const text = io.stdout.join('\n');
    writeFileSync(join(dir, 'schema.segment'), text);
    for (const [name, body] of Object.entries(extra)) writeFileSync(join(dir, name), body);
    const checkIo = capture();
    const status = await check([dir], checkIo);
    return { text, warnings: io.stderr.filter(l => l.startsWith('segments: warning: ')), checked: checkIo.stdout, status };
}

const HOSTILE = `
CREATE TABLE members (id INTEGER PRIMARY KEY, "group" TEXT, "from" TEXT, "where" TEXT, title TEXT, status TEXT, date TEXT, count INTEGER, "time" TEXT, "table" INTEGER);
CREATE TABLE member (id INTEGER PRIMARY KEY, "first name" TEXT, first_name TEXT, "first-name" TEXT);
CREATE TABLE "group" ("key" INTEGER PRIMARY KEY, "from" INTEGER REFERENCES members(id));
CREATE TABLE "from" ("where" TEXT PRIMARY KEY);
CREATE TABLE "where" (a INTEGER, b TEXT);
CREATE TABLE title (id INTEGER PRIMARY KEY);
CREATE TABLE status (id INTEGER PRIMARY KEY);
CREATE TABLE date (id INTEGER PRIMARY KEY);
CREATE TABLE count (id INTEGER PRIMARY KEY);
CREATE TABLE ${q('order lines')} (${q('line.no')} INTEGER PRIMARY KEY, ${q('e-mail')} TEXT, ${q('say "hi"')} TEXT, ${q('back\\slash')} TEXT,
  ${q('tab\there')} TEXT, ${q('new\nline')} TEXT, ${q('cr\rhere')} TEXT, ${q('ctl\u0001x')} TEXT, ${q('a.b')} TEXT, member INTEGER REFERENCES members(id));
CREATE TABLE "123" ("456" INTEGER PRIMARY KEY);
CREATE TABLE "---" (x INTEGER PRIMARY KEY);
CREATE TABLE "café" (id INTEGER PRIMARY KEY);
CREATE TABLE ${q('dots.and "quotes"')} (id INTEGER PRIMARY KEY);
INSERT INTO members VALUES (1, 'a', 'b', 'c', 'd', 'active', '2027-01-01', 3, '2027-01-01 10:00:00', 4), (2, 'a', 'b', 'c', 'd', 'lapsed', '2027-01-02', 5, NULL, 1);
INSERT INTO ${q('order lines')} VALUES (1, 'x@y', 'hi', 'b', 't', 'n', 'r', 'c', 'd', 1), (2, 'x@z', 'hi', 'b', 't', 'n', 'r', 'c', 'd', 1), (3, 'x@z', 'hi', 'b', 't', 'n', 'r', 'c', 'd', 2);
`;

/** The shape of a public music-store sample: a self-reference, a junction table with a composite key. */
const MUSIC = `
CREATE TABLE employees (EmployeeId INTEGER PRIMARY KEY, LastName TEXT, Title TEXT, ReportsTo INTEGER REFERENCES employees(EmployeeId));
CREATE TABLE customers (CustomerId INTEGER PRIMARY KEY, FirstName TEXT, Country TEXT, SupportRepId INTEGER REFERENCES employees(EmployeeId));
CREATE TABLE invoices (InvoiceId INTEGER PRIMARY KEY, CustomerId INTEGER NOT NULL REFERENCES customers(CustomerId), InvoiceDate DATETIME, Total NUMERIC(10,2));
CREATE TABLE tracks (TrackId INTEGER PRIMARY KEY, Name TEXT, UnitPrice NUMERIC(10,2));
CREATE TABLE invoice_lines (InvoiceLineId INTEGER PRIMARY KEY, InvoiceId INTEGER NOT NULL REFERENCES invoices(InvoiceId), TrackId INTEGER NOT NULL REFERENCES tracks(TrackId), UnitPrice NUMERIC(10,2), Quantity INTEGER);
CREATE TABLE playlists (PlaylistId INTEGER PRIMARY KEY, Name TEXT);
CREATE TABLE playlist_track (PlaylistId INTEGER NOT NULL REFERENCES playlists(PlaylistId), TrackId INTEGER NOT NULL REFERENCES tracks(TrackId), PRIMARY KEY (PlaylistId, TrackId));
CREATE TABLE albums (AlbumId INTEGER PRIMARY KEY, Code TEXT NOT NULL UNIQUE, Title TEXT);
CREATE TABLE album_notes (NoteId INTEGER PRIMARY KEY, AlbumCode TEXT REFERENCES albums(Code), Note TEXT);
INSERT INTO employees VALUES (1, 'Adams', 'General Manager', NULL), (2, 'Edwards', 'Sales Manager', 1), (3, 'Peacock', 'Sales Support Agent', 2);
INSERT INTO customers VALUES (10, 'Luís', 'Brazil', 3), (11, 'Leonie', 'Germany', 3), (12, 'François', 'Canada', 2);
INSERT INTO invoices VALUES (100, 10, '2026-01-01 00:00:00', 1.98), (101, 11, '2026-02-01 00:00:00', 3.96), (102, 10, '2026-03-01 00:00:00', 0.99);
INSERT INTO tracks VALUES (1000, 'For Those About To Rock', 0.99), (1001, 'Balls to the Wall', 0.99), (1002, 'Fast As a Shark', 0.99);
INSERT INTO invoice_lines VALUES (1, 100, 1000, 0.99, 1), (2, 100, 1001, 0.99, 1), (3, 101, 1002, 0.99, 4), (4, 102, 1000, 0.99, 1);
INSERT INTO playlists VALUES (1, 'Music'), (2, 'Grunge');
INSERT INTO playlist_track VALUES (1, 1000), (1, 1001), (2, 1002);
INSERT INTO albums VALUES (1, 'A-1', 'Let There Be Rock');
INSERT INTO album_notes VALUES (1, 'A-1', 'classic');
`;

describe('generated schemas pass check for any SQLite file', () => {
    test('tables and columns named like keywords, with spaces, dots, quotes, dashes, backslashes and control characters', async () => {
        const { dir, file } = await sqlite(HOSTILE);
        const { text, checked, status } = await generated(file, dir);
        expect(checked).toEqual([]);
        expect(status).toBe(0);
        expect(text).toContain('entity Members from members key Id {');
        expect(text).toContain('entity Group from group key Key {');
        expect(text).toMatch(/From\s+number\s+column from\s+-> Members/);
        expect(text).toMatch(/Status\s+text\s+column status\n/);
        expect(text).toMatch(/Time\s+datetime\s+column time\n/);
        expect(text).toMatch(/Table\s+number\s+column table\n/);
        expect(text).toContain('entity OrderLine from "order lines" key LineNo {');
        expect(text).toMatch(/column "e-mail"\n/);
        expect(text).toMatch(/column "say \\"hi\\""\n/);
        expect(text).toMatch(/column "back\\\\slash"\n/);
        expect(text).toMatch(/column "tab\\there"\n/);
        expect(text).toMatch(/column "new\\nline"\n/);
        expect(text).toMatch(/column "cr\\rhere"\n/);
        expect(text).toContain('from "dots.and \\"quotes\\""');
        expect(text).toContain('entity Cafe from "café" key Id {');
        // Entity names are never keywords; PascalCase names never are.
        for (const m of text.matchAll(/^entity (\w+)/gm)) expect(keywords().has(m[1]), m[1]).toBe(false);
    });

    test('segments over the generated schema run: keyword-named attributes through `Entity.`, odd column names, relationships', async () => {
        const { dir, file } = await sqlite(HOSTILE);
        const { checked } = await generated(file, dir, {}, {
            'use.segment': 'dynamic segment Active { audience Members  group { Members.Status = "active" and count(OrderLine where OrderLine.EMail contains "z") >= 1 } }\n'
                + 'dynamic segment Timed { audience Members  group { Members.Time is not empty and Members.Table = 4 } }\n'
        });
        expect(checked).toEqual([]);
        const io = capture();
        expect(await run(dir, { format: 'json' }, io)).toBe(0);
        const results = JSON.parse(io.stdout.join('\n')) as { name: string; keys: number[] }[];
        expect(results.map(r => [r.name, r.keys])).toEqual([['Active', [1]], ['Timed', [1]]]);
        const both = capture();
        writeFileSync(join(dir, 'use.segment'), 'dynamic segment Two { audience Members  group { Members.Status != "x" and count(OrderLine where OrderLine.SayHi = "hi") >= 2 } }\n');
        expect(await run(dir, { format: 'json' }, both)).toBe(0);
        expect((JSON.parse(both.stdout.join('\n')) as { keys: number[] }[])[0].keys).toEqual([1]);
    });

    test('empty names, names in other scripts, line separators and comment marks', async () => {
        const { dir, file } = await sqlite(`CREATE TABLE "" ("" TEXT, "名前" TEXT, "名" INTEGER PRIMARY KEY, "a\u2028b" TEXT, " " TEXT);
CREATE TABLE "名前" (id INTEGER PRIMARY KEY, "x*/y" TEXT, "//" TEXT);
INSERT INTO "" VALUES ('a', 'b', 1, 'c', 'd'), ('a', 'x', 2, 'c', 'd');`);
        const { text, checked, status } = await generated(file, dir, {}, { 's.segment': 'dynamic segment S { audience Table  group { Table.Column = "a" and Table.Column2 = "b" } }\n' });
        expect([checked, status]).toEqual([[], 0]);
        expect(text).toContain('entity Table from "" key Column3 {');
        expect(text).toContain('// The table "名前" would be named Table, like the table "": it is Table2 here.');
        expect(text).toMatch(/Column\s+text\s+column "\/\/"/);
        const io = capture();
        expect(await run(dir, { format: 'json' }, io)).toBe(0);
        expect((JSON.parse(io.stdout.join('\n')) as { keys: number[] }[])[0].keys).toEqual([1]);
    });

    test('a foreign key spelled in another case than its table and columns is still a relationship (SQLite compares names in any case)', async () => {
        const { dir, file } = await sqlite(`CREATE TABLE members (MemberId INTEGER PRIMARY KEY, Name TEXT);
CREATE TABLE visits (VisitId INTEGER PRIMARY KEY, MemberRef INTEGER, FOREIGN KEY (memberref) REFERENCES MEMBERS(memberid));
INSERT INTO members VALUES (1, 'Ann'), (2, 'Bob');
INSERT INTO visits VALUES (10, 2);`);
        const { text, checked } = await generated(file, dir, {}, { 'v.segment': 'dynamic segment Visited { audience Member  group { count(Visit) >= 1 } }\n' });
        expect(checked).toEqual([]);
        expect(text).toMatch(/MemberRef\s+number\s+-> Member\n/);
        const io = capture();
        expect(await run(dir, { format: 'json' }, io)).toBe(0);
        expect((JSON.parse(io.stdout.join('\n')) as { keys: number[] }[])[0].keys).toEqual([2]);
    });

    test('two tables or columns that make one name get unique names, with a comment saying so', async () => {
        const { dir, file } = await sqlite(HOSTILE);
        const { text } = await generated(file, dir);
        expect(text).toContain('entity Member from member key Id {');
        expect(text).toContain('// The table members would be named Member, like the table member: it is Members here.');
        expect(text).toMatch(/FirstName\s+text\s+column "first name"/);
        expect(text).toContain('// The column first_name would be named FirstName, like the column "first name": it is FirstName2 here.');
        expect(text).toMatch(/FirstName2\s+text\s+column first_name/);
        expect(text).toMatch(/FirstName3\s+text\s+column "first-name"/);
    });

    test('every keyword as a table and as a column name', async () => {
        const words = [...keywords()];
        const { dir, file } = await sqlite(words.map(w => `CREATE TABLE ${q(w)} (${q(w)} INTEGER PRIMARY KEY, ${words.filter(o => o !== w).slice(0, 5).map(o => `${q(o)} TEXT`).join(', ')});`).join('\n'));
        const { text, checked, status } = await generated(file, dir);
        expect(checked).toEqual([]);
        expect(status).toBe(0);
        expect(text).toContain('entity Status from status key Status {');
    });

    test('a table with no primary key: a comment and a warning', async () => {
        const { dir, file } = await sqlite(HOSTILE);
        const { text, warnings } = await generated(file, dir);
        expect(text).toContain('// where has no primary key: check that A identifies one record, or pick the attribute that does.\nentity Where from where key A {');
        expect(warnings).toContain('segments: warning: where has no primary key: Where is written with key A; check that it identifies one record.');
    });
});

describe('a music-store shape: self-reference, composite key, foreign key to a column that is not the key', () => {
    test('the composite key of a junction table is never silently the first column: a comment and a warning say what to decide', async () => {
        const { dir, file } = await sqlite(MUSIC);
        const { text, warnings, checked, status } = await generated(file, dir);
        // No errors; the data-aware checks warn that the written key is not unique, as the comment says.
        expect(checked.filter(l => !l.endsWith('[duplicate-keys]'))).toEqual([]);
        expect(checked).toEqual([expect.stringMatching(/warning: PlaylistTrack\.PlaylistId is not unique in the data: 1 key is held by 2 rows\..*\[duplicate-keys\]$/)]);
        expect(status).toBe(0);
        expect(text).toContain('// playlist_track has a composite primary key (PlaylistId, TrackId), and an entity has one key attribute.');
        expect(text).toContain('count(PlaylistTrack) and other aggregates over PlaylistTrack count');
        expect(text).toMatch(/entity PlaylistTrack from playlist_track key PlaylistId \{\n\s+PlaylistId\s+number\s+-> Playlist\n\s+TrackId\s+number\s+-> Track\n\}/);
        expect(warnings).toEqual([
            'segments: warning: album_notes.AlbumCode refers to albums.Code, which is not the key of Album: it is not written as a relationship.',
            'segments: warning: playlist_track has a composite primary key (PlaylistId, TrackId): PlaylistTrack is written with key PlaylistId, which does not identify one record; decide which key it needs (see the comment above entity PlaylistTrack).'
        ]);
    });

    test('a foreign key to a column other than the key is a comment, not `->`', async () => {
        const { dir, file } = await sqlite(MUSIC);
        const { text } = await generated(file, dir);
        expect(text).toContain('// AlbumCode refers to albums.Code, which is not the key of Album (AlbumId): `-> Album`');
        expect(text).toMatch(/^ {2}AlbumCode\s+text\n/m);
        expect(text).not.toMatch(/^ {2}AlbumCode\s+text.*->/m);
    });

    test('a self-reference keeps `-> Employee` with a comment on walking it with a second entity and `via`', async () => {
        const { dir, file } = await sqlite(MUSIC);
        const { text } = await generated(file, dir);
        expect(text).toMatch(/ReportsTo\s+number\s+-> Employee\n/);
        expect(text).toContain('// ReportsTo refers to another Employee.');
        expect(text).toContain('`entity OtherEmployee from employees key EmployeeId { ... }`, write `-> OtherEmployee`');
        expect(text).toContain('`group via Employee.ReportsTo { OtherEmployee.EmployeeId = 1 }`');
    });

    test('segments over it run with the right members, through the junction table and through a second entity for the self-reference', async () => {
        const { dir, file } = await sqlite(MUSIC);
        const { checked } = await generated(file, dir, {}, {
            'music.segment': `
dynamic segment MusicBuyers { audience Customer  group { Playlist.Name = "Music" } }
dynamic segment BigSpenders { audience Customer  group { sum(Invoice.Total) >= 2 } }
entity Manager from employees key EmployeeId {
  EmployeeId  number
  Title       text
}
entity Report from employees key EmployeeId {
  EmployeeId  number
  ReportsTo   number  -> Manager
}
dynamic segment ManagedBySalesManager { audience Report  group { Manager.Title = "Sales Manager" } }
`
        });
        expect(checked.filter(l => !l.endsWith('[duplicate-keys]'))).toEqual([]);
        const io = capture();
        expect(await run(dir, { format: 'json' }, io)).toBe(0);
        const results = JSON.parse(io.stdout.join('\n')) as { name: string; keys: number[] }[];
        expect(Object.fromEntries(results.map(r => [r.name, r.keys]))).toEqual({ MusicBuyers: [10], BigSpenders: [10, 11], ManagedBySalesManager: [3] });
    });
});

describe('segments schema --out', () => {
    test('writes the file with the database path relative to it, and says so; stdout is empty', async () => {
        const { dir, file } = await sqlite(MUSIC, 'music.sqlite');
        mkdirSync(join(dir, 'segments', 'schema'), { recursive: true });
        const io = capture();
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            expect(await schema('music.sqlite', { out: 'segments/schema/music.segment' }, io)).toBe(0);
        } finally {
            process.chdir(cwd);
        }
        expect(io.stdout).toEqual([]);
        const text = readFileSync(join(dir, 'segments/schema/music.segment'), 'utf8');
        expect(text.split('\n')[0]).toBe('database "../../music.sqlite"');
        expect(io.stderr).toContain('segments: wrote segments/schema/music.segment; its database path, "../../music.sqlite", is relative to that file.');
        expect(readdirSync(join(dir, 'segments/schema'))).toEqual(['music.segment']);
        const checkIo = capture();
        expect(await check([join(dir, 'segments')], checkIo)).toBe(0);
        expect(checkIo.stdout.filter(l => !l.endsWith('[duplicate-keys]'))).toEqual([]);
        expect(existsSync(file)).toBe(true);
    });

    test('without --out, the path is relative to the current folder and stderr says so', async () => {
        const { dir } = await sqlite(MUSIC, 'music.sqlite');
        mkdirSync(join(dir, 'work'));
        const io = capture();
        const cwd = process.cwd();
        process.chdir(join(dir, 'work'));
        try {
            expect(await schema('../music.sqlite', {}, io)).toBe(0);
        } finally {
            process.chdir(cwd);
        }
        expect(io.stdout.join('\n').split('\n')[0]).toBe('database "../music.sqlite"');
        expect(io.stderr).toContain('segments: the database path "../music.sqlite" is relative to the current folder: save the schema there, or use --out FILE to have it relative to FILE.');
    });

    test('a failed write leaves no file and no temporary file behind', async () => {
        const { dir } = await sqlite(MUSIC, 'music.sqlite');
        mkdirSync(join(dir, 'taken'));
        const io = capture();
        await expect(schema(join(dir, 'music.sqlite'), { out: join(dir, 'taken') }, io)).rejects.toThrow(`cannot write ${join(dir, 'taken')}: it is a folder`);
        await expect(schema(join(dir, 'music.sqlite'), { out: join(dir, 'missing', 'x.segment') }, io)).rejects.toThrow('its folder does not exist');
        expect(readdirSync(dir).sort()).toEqual(['music.sqlite', 'taken']);
        expect(readdirSync(join(dir, 'taken'))).toEqual([]);
    });
});

describe('schema text', () => {
    test('a composite foreign key and a key-less target are comments', () => {
        const tables: TableInfo[] = [
            { name: 'a', columns: [{ name: 'x', declaredType: 'INTEGER', primaryKey: 1, sample: [] }, { name: 'y', declaredType: 'INTEGER', primaryKey: 2, sample: [] }], foreignKeys: [] },
            { name: 'b', columns: [{ name: 'id', declaredType: 'INTEGER', primaryKey: 1, sample: [] }, { name: 'ax', declaredType: 'INTEGER', primaryKey: 0, sample: [] }, { name: 'ay', declaredType: 'INTEGER', primaryKey: 0, sample: [] }],
                foreignKeys: [{ columns: ['ax', 'ay'], table: 'a', to: ['x', 'y'] }, { columns: ['ax'], table: 'a', to: [null] }] }
        ];
        const { text, warnings } = generateSchema('db.sqlite', tables);
        expect(text).toContain('// The foreign key (Ax, Ay) refers to a by more than one column: a relationship joins on one attribute, so it is not written.');
        expect(text).toContain('// Ax refers to the primary key of a, which has more than one column: not written as a relationship.');
        expect(warnings).toHaveLength(3);
        const partOfKey = generateSchema('db.sqlite', [tables[0], { ...tables[1], foreignKeys: [{ columns: ['ax'], table: 'a', to: ['x'] }] }]);
        expect(partOfKey.text).toContain('// Ax refers to a.x, which does not identify one A (its primary key has more columns):');
        expect(partOfKey.text).not.toMatch(/^ {2}Ax .*->/m);
    });

    test('types from SQLite, PostgreSQL and DuckDB declarations; lists, structures and intervals are text', () => {
        const cases: [string, string][] = [['INTEGER', 'number'], ['NUMERIC(10,2)', 'number'], ['double precision', 'number'], ['bigint', 'number'],
            ['boolean', 'boolean'], ['date', 'date'], ['timestamp with time zone', 'datetime'], ['TIMESTAMP_S', 'datetime'], ['DATETIME', 'datetime'],
            ['integer[]', 'text'], ['INTEGER[]', 'text'], ['STRUCT(a INTEGER)', 'text'], ['MAP(VARCHAR, INTEGER)', 'text'], ['interval', 'text'],
            ['jsonb', 'text'], ['uuid', 'text'], ['character varying(20)', 'text'], ['time without time zone', 'text']];
        for (const [declared, type] of cases) expect(inferType(declared, [], 'x'), declared).toBe(type);
    });

    test('a header naming a file with a line break stays a comment', () => {
        expect(generateSchema('a\nb.sqlite', [], ['Generated from a\nb.sqlite.']).text.split('\n').slice(0, 2)).toEqual(['// Generated from a b.sqlite.', 'database "a\\nb.sqlite"']);
    });

    test('a database path with a quote, a backslash or a control character is escaped as the language reads strings', () => {
        expect(generateSchema('dir "x"\\y\u0001.sqlite', []).text.split('\n')[0]).toBe('database "dir \\"x\\"\\\\y\u0001.sqlite"');
    });
});

afterAll(() => undefined);
