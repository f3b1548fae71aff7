import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import initSqlJs from 'sql.js';
import { beforeAll, describe, expect, test } from 'vitest';

// The `segments` command line, run as a user runs it: the bundled out/cli.cjs in a child process.
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/cli.cjs');
const SAMPLE = join(ROOT, 'samples/retail');

function segments(args: readonly string[], cwd = ROOT): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the sample workspace (with its database) in a temporary folder. */
function sampleCopy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-cli-'));
    cpSync(SAMPLE, dir, { recursive: true, filter: src => !src.endsWith('.ts') });
    return dir;
}

interface JsonResult { name: string; kind: string; audience: string; count: number; keys: number[] }

beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
    if (!existsSync(join(SAMPLE, 'retail.sqlite'))) throw new Error('the sample database is missing: run `npm run sample` first');
});

describe('segments run', () => {
    test('--format json prints one array, one object per segment, keys ascending, --limit caps keys but not count', () => {
        const r = segments(['run', 'samples/retail/contact.segment', '--as-of', '2027-02-11', '--format', 'json', '--limit', '3']);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const results = JSON.parse(r.stdout) as JsonResult[];
        expect(results.map(x => [x.name, x.kind, x.audience])).toEqual([
            ['DoNotCall', 'static', 'Customer'], ['HighBalance', 'dynamic', 'Customer'], ['HighBalanceFollowUp', 'compound', 'Customer']
        ]);
        for (const x of results) {
            expect(x.keys).toHaveLength(3);
            expect([...x.keys].sort((a, b) => a - b)).toEqual(x.keys);
        }
        expect(results.map(x => x.count)).toEqual([25, 173, 169]);
    });

    test('the seed compound: exactly four high-balance customers are excluded, all of them on the do-not-call list', () => {
        const r = segments(['run', 'samples/retail', '--as-of', '2027-02-11', '--format', 'json']);
        const byName = new Map((JSON.parse(r.stdout) as JsonResult[]).map(x => [x.name, x]));
        const high = byName.get('HighBalance')!.keys;
        const followUp = new Set(byName.get('HighBalanceFollowUp')!.keys);
        const excluded = high.filter(k => !followUp.has(k));
        expect(excluded).toHaveLength(4);
        const dnc = new Set(byName.get('DoNotCall')!.keys);
        expect(excluded.every(k => dnc.has(k))).toBe(true);
    });

    test('as of a past date, records of event entities made later do not exist: the counts of that day', () => {
        const counts = (asOf: string): Record<string, number> => Object.fromEntries((JSON.parse(segments(['run', 'samples/retail', '--as-of', asOf, '--format', 'json']).stdout) as JsonResult[]).map(x => [x.name, x.count]));
        const then = counts('2026-06-30');
        // Customers who signed up later are no profiles yet; purchases made later are not counted.
        expect(then).toMatchObject({ HighBalance: 167, HighBalanceFollowUp: 163, BigSpenders: 95, NeverPurchased: 380 });
        expect(counts('2027-02-11')).toMatchObject({ HighBalance: 173, HighBalanceFollowUp: 169, BigSpenders: 131, NeverPurchased: 317 });
    });

    test('--segment runs one segment, resolving references in other files of the workspace folder', () => {
        const r = segments(['run', 'samples/retail/contact.segment', '--segment', 'SecurityLowSatisfaction', '--as-of', '2027-02-11', '--format', 'json']);
        expect(r.code).toBe(0);
        expect((JSON.parse(r.stdout) as JsonResult[])[0]).toMatchObject({ name: 'SecurityLowSatisfaction', count: 182 });
    });

    test('the table format names each segment with its kind, audience and count', () => {
        const r = segments(['run', 'samples/retail/contact.segment', '--segment', 'HighBalanceFollowUp', '--as-of', '2027-02-11']);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/HighBalanceFollowUp\s+\(compound, audience Customer\)\s+169 members as of 2027-02-11/);
    });

    test('--format csv lists the members with their show columns', () => {
        const r = segments(['run', 'samples/retail', '--segment', 'HighBalance', '--as-of', '2027-02-11', '--format', 'csv', '--limit', '2']);
        expect(r.stdout.split(/\r?\n/)[0]).toBe('CustomerId,Name,CreditBalance');
        expect(r.stdout.trim().split(/\r?\n/)).toHaveLength(3);
    });

    test('an unknown segment name is one clear line, exit 2', () => {
        const r = segments(['run', 'samples/retail', '--segment', 'Nope']);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^segments: no segment named Nope/);
    });

    test('a bad --as-of is one clear line, exit 2', () => {
        const r = segments(['run', 'samples/retail', '--as-of', '2027-02-30']);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('--as-of 2027-02-30');
    });

    test('nothing is ever written to the database file', () => {
        const dir = sampleCopy();
        const db = join(dir, 'retail.sqlite');
        const before = readFileSync(db);
        const mtime = statSync(db).mtimeMs;
        expect(segments(['run', dir, '--as-of', '2027-02-11', '--format', 'json']).code).toBe(0);
        expect(readFileSync(db).equals(before)).toBe(true);
        expect(statSync(db).mtimeMs).toBe(mtime);
    });
});

test('static members from "file.csv": the first column after the header, relative to the segment file', () => {
    const dir = sampleCopy();
    writeFileSync(join(dir, 'optout.csv'), '\uFEFFcustomer_id,source\r\n1002,"web, form"\r\n1001,phone\r\n99999,unknown\r\n');
    writeFileSync(join(dir, 'optout.segment'), 'static segment OptOut { audience Customer show Customer.DoNotCall members from "optout.csv" }\n');
    const r = segments(['run', join(dir, 'optout.segment'), '--format', 'json']);
    expect(r.stderr).toBe('');
    const [result] = JSON.parse(r.stdout) as (JsonResult & { members: Record<string, unknown>[] })[];
    expect(result.keys).toEqual([1001, 1002]);
    expect(typeof result.members[0].DoNotCall).toBe('boolean');
});

describe('errors', () => {
    test('a segment with errors is not run: its diagnostics are printed and the exit code is 1', () => {
        const dir = sampleCopy();
        writeFileSync(join(dir, 'broken.segment'), 'dynamic segment Broken {\n  audience Customer\n  group { Customer.CreditBalance > "lots" }\n}\n');
        const r = segments(['run', join(dir, 'broken.segment'), '--as-of', '2027-02-11']);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('Broken has errors and was not run');
        expect(r.stderr).toMatch(/broken\.segment:3:\d+: error: .* \[type-mismatch\]/);
    });

    test('segments check lists each mistake with line, column and code; exit 1', () => {
        const dir = sampleCopy();
        writeFileSync(join(dir, 'mistakes.segment'), [
            'dynamic segment TypeError {',
            '  audience Customer',
            '  group { Customer.CustomerSatisfaction < "sixty" }',
            '}',
            'dynamic segment SyntaxError {',
            '  audience Customer',
            '  group { Customer.Name = }',
            '}',
            ''
        ].join('\n'));
        const r = segments(['check', join(dir, 'mistakes.segment')], dir);
        expect(r.code).toBe(1);
        const lines = r.stdout.trim().split('\n');
        expect(lines.some(l => /^mistakes\.segment:3:\d+: error: .+ \[type-mismatch\]$/.test(l))).toBe(true);
        expect(lines.some(l => /^mistakes\.segment:7:\d+: error: .+ \[syntax-error\]$/.test(l))).toBe(true);
    });

    test('segments check on the sample has no errors', () => {
        const r = segments(['check', 'samples/retail']);
        expect(r.stdout.split('\n').filter(l => l.includes(': error:'))).toEqual([]);
        expect(r.code).toBe(0);
    });

    test('a missing database gives one line naming the file, exit 2', () => {
        const dir = sampleCopy();
        const db = join(dir, 'retail.sqlite');
        copyFileSync(db, join(dir, 'moved.sqlite'));
        writeFileSync(db, '');
        const gone = mkdtempSync(join(tmpdir(), 'segments-gone-'));
        cpSync(dir, gone, { recursive: true, filter: src => !src.endsWith('.sqlite') });
        const r = segments(['run', gone, '--segment', 'HighBalance']);
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toContain(join(gone, 'retail.sqlite'));
        expect(r.stderr).not.toMatch(/\n\s+at /);
    });

    test('a corrupt database file gives one line naming the file, exit 2', () => {
        const dir = sampleCopy();
        writeFileSync(join(dir, 'retail.sqlite'), 'this is not a database, just some text that is long enough to look like a header'.repeat(20));
        const r = segments(['run', dir, '--segment', 'HighBalance']);
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toContain(join(dir, 'retail.sqlite'));
        expect(r.stderr).toContain('not a readable SQLite database');
    });

    test('a path that does not exist is one clear line, exit 2', () => {
        const r = segments(['check', 'no/such/place.segment']);
        expect(r.code).toBe(2);
        expect(r.stderr).toBe('segments: no/such/place.segment: no such file or folder\n');
    });
});

describe('segments sql and schema', () => {
    test('sql prints the query that would run, with today resolved as of the given date', () => {
        const r = segments(['sql', 'samples/retail', '--segment', 'FrequentBuyers', '--as-of', '2027-02-11']);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^SELECT /);
        expect(r.stdout).toContain("'2026-11-13 23:59:59'");
        // Records of event entities after the instant do not exist: every table of one is read through that condition.
        expect(r.stdout).toContain('FROM (SELECT * FROM "customers" AS t0 WHERE');
        expect(r.stdout).toContain('FROM (SELECT * FROM "purchases" AS t1 WHERE');
        expect(r.stdout).toContain("<= '2027-02-11 23:59:59') AS t1");
    });

    test('schema writes a database line and one entity per table, with foreign keys as ->', () => {
        const r = segments(['schema', 'samples/retail/retail.sqlite']);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('database "samples/retail/retail.sqlite"');
        expect(r.stdout).toMatch(/entity Purchase from purchases key PurchaseId \{/);
        expect(r.stdout).toMatch(/CustomerId\s+number\s+column customer_id\s+-> Customer/);
        expect(r.stdout).toMatch(/PurchasedAt\s+datetime\s+column purchased_at/);
        expect(r.stdout).toMatch(/DoNotCall\s+boolean\s+column do_not_call/);
    });

    test('a generated schema is valid: segments written over it run', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-schema-'));
        copyFileSync(join(SAMPLE, 'retail.sqlite'), join(dir, 'shop.sqlite'));
        const schema = segments(['schema', 'shop.sqlite'], dir).stdout;
        writeFileSync(join(dir, 'schema.segment'), schema);
        writeFileSync(join(dir, 'vip.segment'), 'dynamic segment Vip { audience Customer group { Product.Category = "Security" and Customer.CreditBalance > 5000 } }\n');
        const r = segments(['run', join(dir, 'vip.segment'), '--format', 'json'], dir);
        expect(r.stderr).toBe('');
        expect((JSON.parse(r.stdout) as JsonResult[])[0].count).toBeGreaterThan(0);
    });
});

describe('segments schema on odd databases', () => {
    /** A SQLite file made by `sql` in a fresh folder. */
    async function sqliteFile(sql: string): Promise<string> {
        const SQL = await initSqlJs();
        const db = new SQL.Database();
        db.exec(sql);
        const dir = mkdtempSync(join(tmpdir(), 'segments-cli-schema-'));
        writeFileSync(join(dir, 'odd.sqlite'), db.export());
        db.close();
        return dir;
    }

    const ODD = `
CREATE TABLE members (MemberNo INTEGER PRIMARY KEY, status TEXT, "time" TEXT, "group" TEXT);
CREATE TABLE member (id INTEGER PRIMARY KEY, "first name" TEXT, first_name TEXT);
CREATE TABLE "order lines" ("line no" INTEGER PRIMARY KEY, "e-mail" TEXT, "say ""hi""" TEXT, "new
line" TEXT, "from" INTEGER REFERENCES members(MemberNo));
CREATE TABLE playlist_track (PlaylistId INTEGER, TrackId INTEGER, PRIMARY KEY (PlaylistId, TrackId));
INSERT INTO members VALUES (1, 'active', '2027-01-01 10:00:00', 'a'), (2, 'lapsed', NULL, 'b');
INSERT INTO "order lines" VALUES (1, 'a@b', 'hi', 'x', 1);
`;

    test('the schema of a database with keyword, spaced, quoted and duplicate names passes check; warnings on stderr', async () => {
        const dir = await sqliteFile(ODD);
        const r = segments(['schema', 'odd.sqlite'], dir);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('database "odd.sqlite"');
        expect(r.stdout).toContain('entity OrderLine from "order lines" key LineNo {');
        expect(r.stdout).toMatch(/SayHi\s+text\s+column "say \\"hi\\""/);
        expect(r.stdout).toMatch(/NewLine\s+text\s+column "new\\nline"/);
        expect(r.stdout).toContain('// The table members would be named Member, like the table member: it is Members here.');
        expect(r.stderr).toContain('segments: warning: playlist_track has a composite primary key (PlaylistId, TrackId)');
        expect(r.stderr).toContain('segments: the database path "odd.sqlite" is relative to the current folder');
        writeFileSync(join(dir, 'schema.segment'), r.stdout);
        writeFileSync(join(dir, 'active.segment'), 'dynamic segment Active { audience Members  group { Members.Status = "active" and count(OrderLine) >= 1 } }\n');
        const checked = segments(['check', dir], dir);
        expect([checked.code, checked.stdout, checked.stderr]).toEqual([0, '', '']);
        const ran = segments(['run', dir, '--format', 'json'], dir);
        expect(ran.code).toBe(0);
        expect((JSON.parse(ran.stdout) as JsonResult[])[0].keys).toEqual([1]);
    });

    test('--out FILE writes the file, its database path relative to FILE, and says so on stderr', async () => {
        const dir = await sqliteFile(ODD);
        const r = segments(['schema', 'odd.sqlite', '--out', 'schemas/odd.segment'], dir);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('cannot write schemas/odd.segment: its folder does not exist');
        expect(existsSync(join(dir, 'schemas'))).toBe(false);
        const written = segments(['schema', join(dir, 'odd.sqlite'), '--out', join(dir, 'odd.segment')]);
        expect(written.code).toBe(0);
        expect(written.stdout).toBe('');
        expect(written.stderr).toContain(`segments: wrote ${join(dir, 'odd.segment')}; its database path, "odd.sqlite", is relative to that file.`);
        expect(readFileSync(join(dir, 'odd.segment'), 'utf8').split('\n')[0]).toBe('database "odd.sqlite"');
        expect(segments(['check', dir]).code).toBe(0);
    });

    test('--engine postgres needs a URL; a file with it is a usage error', () => {
        const none = spawnSync(process.execPath, [CLI, 'schema', '--engine', 'postgres'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SEGMENTS_PG_URL: '' } });
        expect([none.status, none.stderr.trim()]).toEqual([2, 'segments: --engine postgres needs --url postgres://user@host:port/database (or SEGMENTS_PG_URL)']);
        const file = segments(['schema', 'x.sqlite', '--engine', 'postgres', '--url', 'postgres://u@127.0.0.1:1/db']);
        expect(file.code).toBe(2);
        expect(file.stderr).toContain('schema --engine postgres reads a server, not a file');
    });
});
