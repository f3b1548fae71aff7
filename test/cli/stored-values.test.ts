import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import initSqlJs from 'sql.js';
import { beforeAll, describe, expect, test } from 'vitest';

// Reference, section 2, as a user of the command line meets it: exact 64-bit keys in every
// output format, and counts that agree with the member lists.
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/cli.cjs');

function segments(args: readonly string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function workspace(setup: string, text: string): Promise<string> {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec(setup);
    const dir = mkdtempSync(join(tmpdir(), 'segments-values-'));
    writeFileSync(join(dir, 'data.sqlite'), db.export());
    db.close();
    writeFileSync(join(dir, 'main.segment'), `database "data.sqlite"\n${text}`);
    return dir;
}

const SCHEMA = `entity Customer from customers key Id { Id number  Name text }
entity Order from orders key OrderId { OrderId number  CustomerId number -> Customer  Total number }
static segment Listed { audience Customer members 9007199254740993, 1234567890123456789 }
dynamic segment Buyers { audience Customer show Customer.Name group { Order.Total > 10 } }
`;
const DATA = `CREATE TABLE customers (Id INTEGER PRIMARY KEY, Name TEXT);
INSERT INTO customers VALUES (9007199254740992, 'a'), (9007199254740993, 'b'), (1234567890123456789, 'c'), (5, 'e');
CREATE TABLE orders (OrderId INTEGER PRIMARY KEY, CustomerId, Total);
INSERT INTO orders VALUES (1, 1234567890123456789, 20), (2, '9007199254740993', 30), (3, ' 5 ', ' 40.50 ');`;

beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
});

describe('64-bit keys, end to end', () => {
    test('JSON writes them as exact numbers; the static segment finds exactly the listed people', async () => {
        const dir = await workspace(DATA, SCHEMA);
        const r = segments(['run', dir, '--format', 'json', '--as-of', '2027-02-11']);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('"keys": [\n      9007199254740993,\n      1234567890123456789\n    ]');
        expect(r.stdout).toContain('"keys": [\n      5,\n      9007199254740993,\n      1234567890123456789\n    ]');
        expect(r.stdout).toContain('"Id": 1234567890123456789');
        expect(r.stdout).not.toMatch(/12345678901234567(?:00|68|80)\b/);
    });

    test('CSV and the table print every digit', async () => {
        const dir = await workspace(DATA, SCHEMA);
        const csv = segments(['run', dir, '--segment', 'Buyers', '--format', 'csv', '--as-of', '2027-02-11']);
        expect(csv.code).toBe(0);
        expect(csv.stdout.trim().split(/\r?\n/)).toEqual(['Id,Name', '5,e', '9007199254740993,b', '1234567890123456789,c']);
        const table = segments(['run', dir, '--segment', 'Listed', '--as-of', '2027-02-11']);
        expect(table.code).toBe(0);
        expect(table.stdout).toContain('9007199254740993');
        expect(table.stdout).toContain('1234567890123456789');
        expect(table.stdout).toContain('2 members');
    });

    test('the SQL view writes the listed keys exactly', async () => {
        const dir = await workspace(DATA, SCHEMA);
        const r = segments(['sql', dir, '--segment', 'Listed']);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('IN (9007199254740993, 1234567890123456789)');
    });
});

describe('decimal sums on SQLite', () => {
    test('a sum beyond what 64-bit decimal units hold is an error that says so, never a rounded count', async () => {
        const dir = await workspace(`CREATE TABLE customers (Id INTEGER PRIMARY KEY, Name TEXT); INSERT INTO customers VALUES (1, 'a');
            CREATE TABLE orders (OrderId INTEGER PRIMARY KEY, CustomerId INTEGER, Total REAL); INSERT INTO orders VALUES (1, 1, 900000000.5), (2, 1, 900000000.5);`,
            `entity Customer from customers key Id { Id number  Name text }
entity Order from orders key OrderId { OrderId number  CustomerId number -> Customer  Total number }
dynamic segment Whales { audience Customer group { sum(Order.Total) > 1000 } }`);
        const r = segments(['run', dir, '--as-of', '2027-02-11']);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/sum or average .* beyond .*922,337,203/);
        expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    });
});
