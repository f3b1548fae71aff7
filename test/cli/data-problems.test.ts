import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';

// Schema errors found in the data, database files that are not databases, and members files:
// the bundled command line (out/cli.cjs) in a child process, as a user runs it.
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/cli.cjs');
const SAMPLE = join(ROOT, 'samples/retail');

function segments(args: readonly string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function sampleCopy(): string {
    const dir = join(mkdtempSync(join(tmpdir(), 'segments-data-')), 'retail');
    cpSync(SAMPLE, dir, { recursive: true, filter: src => !src.endsWith('.ts') && !src.endsWith('.history.sqlite') });
    return dir;
}

beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
    if (!existsSync(join(SAMPLE, 'retail.sqlite'))) throw new Error('the sample database is missing: run `npm run sample` first');
});

describe('a schema error never reaches the engine', () => {
    test('run: segments that read a missing column print its diagnostic and are not run, the others run; exit 1', () => {
        const dir = sampleCopy();
        const schema = join(dir, 'schema.segment');
        writeFileSync(schema, readFileSync(schema, 'utf8').replace('column email', 'column e_mail'));
        const r = segments(['run', dir, '--as-of', '2027-02-11', '--format', 'json']);
        expect(r.code).toBe(1);
        expect(r.stderr).not.toMatch(/internal error/);
        expect(r.stderr).toMatch(/^LapsedBuyers has errors and was not run:\n {2}.*schema\.segment:\d+:\d+: error: Table customers has no column e_mail\. Did you mean email\?.*\[column-missing\]$/m);
        const ran = (JSON.parse(r.stdout) as { name: string; count: number }[]).map(x => x.name);
        // HighBalance shows Name and CreditBalance only: it still runs.
        expect(ran).toContain('HighBalance');
        expect(ran).toContain('HighBalanceFollowUp');
        expect(ran).not.toContain('LapsedBuyers');
        const blocked = [...r.stderr.matchAll(/^(\w+) has errors and was not run:$/gm)].map(m => m[1]);
        expect(blocked.length).toBeGreaterThan(0);
        expect(blocked.some(n => ran.includes(n))).toBe(false);
    });

    test('run: a missing table blocks the segments that read it, through compound parts too', () => {
        const dir = sampleCopy();
        const schema = join(dir, 'schema.segment');
        writeFileSync(schema, readFileSync(schema, 'utf8').replace('entity Interaction from interactions', 'entity Interaction from interaction_log'));
        const r = segments(['run', dir, '--as-of', '2027-02-11', '--format', 'json']);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/error: The database has no table interaction_log\..*\[table-missing\]/);
        expect(r.stderr).not.toMatch(/internal error/);
        const ran = (JSON.parse(r.stdout) as { name: string }[]).map(x => x.name);
        expect(ran).toEqual(expect.arrayContaining(['DoNotCall', 'HighBalance', 'HighBalanceFollowUp']));
    });
});

describe('database files that are not databases', () => {
    const cases: [string, (dir: string) => string, RegExp][] = [
        ['a 0-byte file', dir => { writeFileSync(join(dir, 'retail.sqlite'), ''); return 'retail.sqlite'; }, /empty \(0 bytes\)/],
        ['a folder', dir => { rmSync(join(dir, 'retail.sqlite')); mkdirSync(join(dir, 'retail.sqlite')); return 'retail.sqlite'; }, /is a folder, not a database file/],
        ['/dev/zero', () => '/dev/zero', /is a device, not a database file/],
        ['a FIFO', dir => { execFileSync('mkfifo', [join(dir, 'pipe.sqlite')]); return 'pipe.sqlite'; }, /is a named pipe \(FIFO\), not a database file/]
    ];
    for (const [what, make, message] of cases) {
        test(`${what}: run is one line and exit 2; check gives a database-unreadable diagnostic`, () => {
            const dir = sampleCopy();
            const database = make(dir);
            const schema = join(dir, 'schema.segment');
            writeFileSync(schema, readFileSync(schema, 'utf8').replace('database "retail.sqlite"', `database ${JSON.stringify(database)}`));
            const started = Date.now();
            const run = segments(['run', dir, '--segment', 'HighBalance']);
            expect(run.code).toBe(2);
            expect(run.stderr.trim().split('\n')).toHaveLength(1);
            expect(run.stderr).toMatch(message);
            const check = segments(['check', dir]);
            expect(check.code).toBe(1);
            expect(check.stdout).toMatch(/schema\.segment:\d+:\d+: error: The database file .* cannot be read: .*\[database-unreadable\]/);
            expect(check.stdout).toMatch(message);
            expect(check.stderr).toBe('');
            // Before, /dev/zero was read until memory ran out.
            expect(Date.now() - started).toBeLessThan(30_000);
        });
    }
});

describe('segment files that are not files', () => {
    test('a FIFO named like a segment file is skipped in a folder, and refused in one line when named', () => {
        const dir = sampleCopy();
        execFileSync('mkfifo', [join(dir, 'pipe.segment')]);
        const folder = segments(['check', dir]);
        expect(folder.code).toBe(0);
        expect(folder.stdout).not.toMatch(/error/);
        const named = segments(['check', join(dir, 'pipe.segment')]);
        expect(named.code).toBe(2);
        expect(named.stderr).toMatch(/pipe\.segment: not a \.segment file or a folder \(it is a device, FIFO or socket\)\n$/);
    });
});

describe('members files', () => {
    test('a file outside the workspace folder: check reports it, run and sql refuse it, and nothing of it is printed', () => {
        const dir = sampleCopy();
        writeFileSync(join(dir, 'outside.segment'), 'static segment Passwords {\n  audience Customer\n  members from "../../../../../../../../etc/passwd"\n}\n');
        const check = segments(['check', join(dir, 'outside.segment')]);
        expect(check.code).toBe(1);
        expect(check.stdout).toMatch(/outside\.segment:3:16: error: The members file \/etc\/passwd is outside the workspace folder .*\[members-file-outside\]/);
        const sql = segments(['sql', dir, '--segment', 'Passwords']);
        expect(sql.code).toBe(1);
        expect(sql.stdout).toBe('');
        expect(sql.stderr).toMatch(/\[members-file-outside\]/);
        const run = segments(['run', dir, '--as-of', '2027-02-11', '--format', 'json']);
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/^Passwords has errors and was not run:/m);
        expect(`${run.stdout}${run.stderr}${sql.stderr}`).not.toMatch(/root:/);
        expect((JSON.parse(run.stdout) as { name: string }[]).map(x => x.name)).toContain('HighBalance');
    });

    test('keys that do not parse are reported by check with their lines, and the segment is not run', () => {
        const dir = sampleCopy();
        writeFileSync(join(dir, 'keys.csv'), 'CustomerId\n1010\n1028x\n0x3F6\n');
        writeFileSync(join(dir, 'list.segment'), 'static segment FromFile {\n  audience Customer\n  members from "keys.csv"\n}\n');
        const check = segments(['check', join(dir, 'list.segment')]);
        expect(check.code).toBe(1);
        const file = relative(ROOT, join(dir, 'list.segment'));
        expect(check.stdout.trim().split('\n')).toEqual([
            `${file}:3:16: error: keys.csv, line 3: "1028x" is not a number key (write the key in decimal digits, such as 1028). [members-file-key]`,
            `${file}:3:16: error: keys.csv, line 4: "0x3F6" is not a number key (write the key in decimal digits, such as 1028). [members-file-key]`
        ]);
        const run = segments(['run', dir, '--segment', 'FromFile']);
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/line 3: "1028x" is not a number key/);
    });
});
