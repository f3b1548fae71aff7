import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { check, run, schema, type SchemaOptions } from '../../cli/commands.js';
import { capture } from '../support/capture-io.js';
import { PostgresEngine } from '../../engine/postgres-engine.js';

/**
 * `segments schema --engine duckdb FILE` and `--engine postgres --url URL [--schema S]`: the
 * same rules as for SQLite, read from each engine's catalog. PostgreSQL runs when
 * SEGMENTS_PG_URL points at a server, as for the language tests.
 */


/** The music-store shape and hostile names, in SQL both DuckDB and PostgreSQL read. */
const TABLES = `
CREATE TABLE employees ("EmployeeId" INTEGER PRIMARY KEY, "LastName" VARCHAR, "Title" VARCHAR, "ReportsTo" INTEGER REFERENCES employees("EmployeeId"));
CREATE TABLE customers ("CustomerId" INTEGER PRIMARY KEY, "FirstName" VARCHAR, "SupportRepId" INTEGER REFERENCES employees("EmployeeId"));
CREATE TABLE invoices ("InvoiceId" INTEGER PRIMARY KEY, "CustomerId" INTEGER NOT NULL REFERENCES customers("CustomerId"), "InvoiceDate" TIMESTAMP, "Total" NUMERIC(10,2));
CREATE TABLE playlists ("PlaylistId" INTEGER PRIMARY KEY, "Name" VARCHAR);
CREATE TABLE tracks ("TrackId" INTEGER PRIMARY KEY, "Name" VARCHAR);
CREATE TABLE invoice_lines ("InvoiceLineId" INTEGER PRIMARY KEY, "InvoiceId" INTEGER NOT NULL REFERENCES invoices("InvoiceId"), "TrackId" INTEGER NOT NULL REFERENCES tracks("TrackId"), "Quantity" INTEGER);
CREATE TABLE playlist_track ("PlaylistId" INTEGER NOT NULL REFERENCES playlists("PlaylistId"), "TrackId" INTEGER NOT NULL REFERENCES tracks("TrackId"), PRIMARY KEY ("PlaylistId", "TrackId"));
CREATE TABLE albums ("AlbumId" INTEGER PRIMARY KEY, "Code" VARCHAR NOT NULL UNIQUE);
CREATE TABLE album_notes ("NoteId" INTEGER PRIMARY KEY, "AlbumCode" VARCHAR REFERENCES albums("Code"));
CREATE TABLE "group" ("key" INTEGER PRIMARY KEY, "where" VARCHAR);
CREATE TABLE "order lines" ("line no" INTEGER PRIMARY KEY, "e-mail" VARCHAR, "say ""hi""" VARCHAR, "from" INTEGER REFERENCES "group"("key"), "status" BOOLEAN, "time" TIMESTAMP, "span" INTERVAL);
INSERT INTO employees VALUES (1, 'Adams', 'General Manager', NULL);
INSERT INTO employees VALUES (2, 'Edwards', 'Sales Manager', 1);
INSERT INTO employees VALUES (3, 'Peacock', 'Sales Support Agent', 2);
INSERT INTO customers VALUES (10, 'Luís', 3), (11, 'Leonie', 3), (12, 'François', 2);
INSERT INTO invoices VALUES (100, 10, '2026-01-01 00:00:00', 1.98), (101, 11, '2026-02-01 00:00:00', 3.96);
INSERT INTO playlists VALUES (1, 'Music'), (2, 'Grunge');
INSERT INTO tracks VALUES (1000, 'For Those About To Rock'), (1001, 'Balls to the Wall'), (1002, 'Fast As a Shark');
INSERT INTO invoice_lines VALUES (1, 100, 1000, 1), (2, 101, 1002, 4);
INSERT INTO playlist_track VALUES (1, 1000), (1, 1001), (2, 1002);
INSERT INTO albums VALUES (1, 'A-1');
INSERT INTO album_notes VALUES (1, 'A-1');
INSERT INTO "group" VALUES (7, 'here'), (8, 'there');
INSERT INTO "order lines" VALUES (1, 'a@b', 'hi', 7, true, '2026-05-01 10:00:00', INTERVAL '1 day'), (2, 'c@d', 'hi', 8, false, NULL, NULL);
`;

const SEGMENTS = `
dynamic segment MusicBuyers { audience Customer  group { Playlist.Name = "Music" } }
dynamic segment BigSpenders { audience Customer  group { sum(Invoice.Total) >= 2 } }
dynamic segment Flagged { audience Group  group { OrderLine.Status = true and OrderLine.EMail contains "@" } }
`;

const EXPECTED = { MusicBuyers: [10], BigSpenders: [11], Flagged: [7] };

/** The same rules hold whichever catalog the tables come from. */
function expectSameRules(text: string, warnings: readonly string[]): void {
    expect(text).toContain('// playlist_track has a composite primary key (PlaylistId, TrackId), and an entity has one key attribute.');
    expect(text).toMatch(/entity PlaylistTrack from playlist_track key PlaylistId \{/);
    expect(text).toContain('// AlbumCode refers to albums.Code, which is not the key of Album (AlbumId): `-> Album`');
    expect(text).toMatch(/^ {2}AlbumCode\s+text\n/m);
    expect(text).toMatch(/ReportsTo\s+number\s+-> Employee\n/);
    expect(text).toContain('// ReportsTo refers to another Employee.');
    expect(text).toContain('entity Group from group key Key {');
    expect(text).toContain('entity OrderLine from "order lines" key LineNo {');
    expect(text).toMatch(/SayHi\s+text\s+column "say \\"hi\\""\n/);
    expect(text).toMatch(/From\s+number\s+column from\s+-> Group\n/);
    expect(text).toMatch(/Status\s+boolean\s+column status\n/);
    expect(text).toMatch(/Time\s+datetime\s+column time\n/);
    expect(text).toMatch(/Span\s+text\s+column span\n/);
    expect(text).toMatch(/Total\s+number\n/);
    expect(warnings).toEqual([
        'segments: warning: album_notes.AlbumCode refers to albums.Code, which is not the key of Album: it is not written as a relationship.',
        'segments: warning: playlist_track has a composite primary key (PlaylistId, TrackId): PlaylistTrack is written with key PlaylistId, which does not identify one record; decide which key it needs (see the comment above entity PlaylistTrack).'
    ]);
}

async function generate(file: string | undefined, options: SchemaOptions, dir: string): Promise<{ text: string; warnings: string[] }> {
    const io = capture();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
        expect(await schema(file, options, io)).toBe(0);
    } finally {
        process.chdir(cwd);
    }
    return { text: io.stdout.join('\n'), warnings: io.stderr.filter(l => l.startsWith('segments: warning: ')) };
}

describe('segments schema --engine duckdb FILE', () => {
    test('a DuckDB file: the same rules, and segments over the schema run on DuckDB with the right members', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-schema-duckdb-'));
        const { DuckDBInstance } = await import('@duckdb/node-api');
        const instance = await DuckDBInstance.create(join(dir, 'music.duckdb'));
        const connection = await instance.connect();
        await connection.run(TABLES);
        connection.closeSync();
        instance.closeSync();
        const { text, warnings } = await generate('music.duckdb', { engine: 'duckdb' }, dir);
        expect(text.split('\n').slice(0, 2)).toEqual(['// Generated from music.duckdb on DuckDB: run it with --engine duckdb.', 'database "music.duckdb"']);
        expectSameRules(text, warnings);
        writeFileSync(join(dir, 'schema.segment'), text);
        writeFileSync(join(dir, 'use.segment'), SEGMENTS);
        // The data-aware checks read SQLite files only: a DuckDB file is the one thing `check` says about the workspace.
        const checked = capture();
        await check([dir], checked);
        expect(checked.stdout.filter(l => !l.includes('[database-unreadable]'))).toEqual([]);
        const io = capture();
        expect(await run(dir, { format: 'json', engine: 'duckdb' }, io)).toBe(0);
        const results = JSON.parse(io.stdout.join('\n')) as { name: string; keys: number[] }[];
        expect(Object.fromEntries(results.map(r => [r.name, r.keys]))).toEqual(EXPECTED);
    });

    test('a SQLite file read for DuckDB keeps its own keys', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-schema-duckdb-sqlite-'));
        const initSqlJs = (await import('sql.js')).default;
        const SQL = await initSqlJs();
        const db = new SQL.Database();
        db.exec('CREATE TABLE a (x INTEGER, y INTEGER, PRIMARY KEY (x, y)); CREATE TABLE b (id INTEGER PRIMARY KEY, ax INTEGER REFERENCES a(x));');
        writeFileSync(join(dir, 'k.sqlite'), db.export());
        db.close();
        const { text } = await generate('k.sqlite', { engine: 'duckdb' }, dir);
        expect(text).toContain('// a has a composite primary key (X, Y), and an entity has one key attribute.');
        expect(text).toContain('// Ax refers to a.x, which does not identify one A (its primary key has more columns):');
    });
});

const pgUrl = process.env.SEGMENTS_PG_URL;
const pgSchema = `schema_${randomUUID().slice(0, 8)}`;

// PostgreSQL needs a server: CI starts one (SEGMENTS_PG_URL), as for the language tests.
if (pgUrl) describe('segments schema --engine postgres --url URL --schema S', () => {
    afterAll(async () => {
        const pg = await PostgresEngine.connect(pgUrl!);
        await pg.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
        await pg.close();
    });

    test('a PostgreSQL schema: the same rules, no database line, and segments over it run on PostgreSQL with the right members', async () => {
        const setup = await PostgresEngine.connect(pgUrl!);
        await setup.withClient(async client => {
            await client.query(`CREATE SCHEMA "${pgSchema}"`);
            await client.query(`SET search_path TO "${pgSchema}"`);
            await client.query(TABLES);
            await client.query(`CREATE TABLE events (id integer, at date) PARTITION BY RANGE (at);
                CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`);
        });
        await setup.close();
        const dir = mkdtempSync(join(tmpdir(), 'segments-schema-pg-'));
        const { text, warnings } = await generate(undefined, { engine: 'postgres', url: pgUrl, schema: pgSchema }, dir);
        expect(text.split('\n')[0]).toBe(`// Generated from the PostgreSQL schema ${pgSchema}: run it with --engine postgres (and --schema ${pgSchema}).`);
        expect(text).not.toMatch(/^database /m);
        // A partitioned table is one entity; its partitions are not entities.
        expect(text).toContain('entity Event from events key Id {');
        expect(text).not.toContain('events_2026');
        expectSameRules(text, warnings.filter(w => !w.includes('events')));
        writeFileSync(join(dir, 'schema.segment'), text);
        writeFileSync(join(dir, 'use.segment'), SEGMENTS);
        const checked = capture();
        expect(await check([dir], checked)).toBe(0);
        expect(checked.stdout).toEqual([]);
        const io = capture();
        expect(await run(dir, { format: 'json', engine: 'postgres', url: pgUrl, schema: pgSchema }, io)).toBe(0);
        const results = JSON.parse(io.stdout.join('\n')) as { name: string; keys: number[] }[];
        expect(Object.fromEntries(results.map(r => [r.name, r.keys]))).toEqual(EXPECTED);
    });

    test('a schema that does not exist is one line, not a schema of another one', async () => {
        await expect(schema(undefined, { engine: 'postgres', url: pgUrl, schema: `${pgSchema}_none` }, capture())).rejects.toThrow(`the PostgreSQL database has no schema named ${pgSchema}_none`);
    });
});
