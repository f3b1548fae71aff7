import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { beforeAll, describe, expect, test } from 'vitest';
import { SCHEMA } from '../support/shop.js';

// `segments test PATH [--engine ...] [--reporter default|json|junit|github]`, run as a user runs
// it: the bundled out/cli.cjs in a child process, in a folder of its own.
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/cli.cjs');

function segments(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const SEGMENTS = `
dynamic segment Happy { audience Customer  group Satisfied { Satisfaction > 50 }  exclude group Opted { DoNotCall = true } }
`;

const PASSING = `test Happy "satisfied" as of 2027-02-11 {
  with Customer { CustomerId = 1, Satisfaction = 80 }
  with Customer { CustomerId = 2, Satisfaction = 20 }
  members 1
  not members 2 by Satisfied
}
`;

const FAILING = `test Happy "callable & <happy>" as of 2027-02-11 {
  with Customer { CustomerId = 1, Satisfaction = 80, DoNotCall = true }
  with Customer { CustomerId = 2, Satisfaction = 90 }
  members 1, 2
  count 2
}
`;

/** A workspace folder: the shop schema, one segment, and `tests` in tests.segment. */
function workspace(tests: string, extra: Record<string, string> = {}): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-test-cmd-'));
    writeFileSync(join(dir, 'schema.segment'), SCHEMA);
    writeFileSync(join(dir, 'segments.segment'), SEGMENTS);
    writeFileSync(join(dir, 'tests.segment'), tests);
    for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
    return dir;
}

/** Parses XML strictly: any error or warning of the parser fails the test. */
function parseXml(text: string): Element {
    const doc = new DOMParser({ onError: (level, message) => { throw new Error(`${level}: ${message}`); } }).parseFromString(text, 'text/xml');
    return doc.documentElement!;
}

const children = (e: Element, name: string): Element[] => Array.from(e.getElementsByTagName(name));

beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
});

describe('segments test', () => {
    test('every test passes: one line each and a summary, exit 0', () => {
        const dir = workspace(PASSING);
        const r = segments(['test', '.'], dir);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^ok {4}tests\.segment:1 Happy: satisfied \[sql\.js\] \(\d+ ms\)\n\n1 passed, 0 failed, 0 could not run \(sql\.js\)\n$/);
    });

    test('a failing check: its line, expected and actual, the explanation of each differing key; exit 1', () => {
        const dir = workspace(PASSING + FAILING);
        const r = segments(['test', 'tests.segment'], dir);
        expect(r.code).toBe(1);
        expect(r.stdout.split('\n')).toEqual(expect.arrayContaining([
            'FAIL  tests.segment:7 Happy: callable & <happy> [sql.js]',
            '      line 10: members 1, 2',
            '        1 is not a member of Happy.',
            '        expected: members 1, 2',
            '        actual:   members 2',
            '        1 is not a member of Happy:',
            '          group Satisfied: holds it',
            '          exclude group Opted: holds it',
            '      line 11: count 2',
            '        expected: count 2',
            '        actual:   count 1',
            '1 passed, 1 failed, 0 could not run (sql.js)'
        ]));
    });

    test('several engines: each test on each, in turn', () => {
        const dir = workspace(PASSING);
        const r = segments(['test', '.', '--engine', 'sqljs', 'duckdb'], dir);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('Happy: satisfied [sql.js]');
        expect(r.stdout).toContain('Happy: satisfied [DuckDB]');
        expect(r.stdout).toContain('2 passed, 0 failed, 0 could not run (sql.js, DuckDB)');
    });

    test('--reporter json: one array, an object per test and engine, with the keys of each check', () => {
        const dir = workspace(PASSING + FAILING);
        const r = segments(['test', '.', '--reporter', 'json'], dir);
        expect(r.code).toBe(1);
        const results = JSON.parse(r.stdout) as { file: string; line: number; name: string; engine: string; status: string; count: number; checks: { line: number; passed: boolean; expectedKeys?: number[]; actualKeys?: number[]; differing: number[]; explanations: { key: number; lines: string[] }[] }[] }[];
        expect(results.map(x => [x.file, x.line, x.name, x.engine, x.status, x.count])).toEqual([
            ['tests.segment', 1, 'Happy: satisfied', 'sqljs', 'passed', 1],
            ['tests.segment', 7, 'Happy: callable & <happy>', 'sqljs', 'failed', 1]
        ]);
        expect(results[1].checks[0]).toMatchObject({ line: 10, passed: false, expectedKeys: [1, 2], actualKeys: [2], differing: [1] });
        expect(results[1].checks[0].explanations[0].key).toBe(1);
    });

    test('--reporter junit: XML a CI system reads, a suite per engine, a failure with expected and actual', () => {
        const dir = workspace(PASSING + FAILING);
        const r = segments(['test', '.', '--reporter', 'junit', '--engine', 'sqljs', 'duckdb'], dir);
        expect(r.code).toBe(1);
        const root = parseXml(r.stdout);
        expect(root.tagName).toBe('testsuites');
        expect([root.getAttribute('tests'), root.getAttribute('failures'), root.getAttribute('errors')]).toEqual(['4', '2', '0']);
        const suites = children(root, 'testsuite');
        expect(suites.map(s => [s.getAttribute('name'), s.getAttribute('tests'), s.getAttribute('failures')])).toEqual([['sql.js', '2', '1'], ['DuckDB', '2', '1']]);
        const cases = children(suites[0], 'testcase');
        expect(cases.map(c => [c.getAttribute('classname'), c.getAttribute('name'), c.getAttribute('file'), c.getAttribute('line')])).toEqual([
            ['tests.segment', 'Happy: satisfied', 'tests.segment', '1'],
            ['tests.segment', 'Happy: callable & <happy>', 'tests.segment', '7']
        ]);
        expect(Number(cases[0].getAttribute('time'))).toBeGreaterThanOrEqual(0);
        expect(children(cases[0], 'failure')).toEqual([]);
        const [failure] = children(cases[1], 'failure');
        expect(failure.getAttribute('message')).toBe('line 10: 1 is not a member of Happy. line 11: Happy has 1 member.');
        expect(failure.textContent).toContain('expected: members 1, 2\n  actual:   members 2');
        expect(failure.textContent).toContain('exclude group Opted: holds it');
    });

    test('--reporter github: an ::error annotation on the line of each failing check, escaped as workflow commands are', () => {
        const dir = workspace(PASSING + FAILING);
        const r = segments(['test', '.', '--reporter', 'github'], dir);
        expect(r.code).toBe(1);
        const lines = r.stdout.trimEnd().split('\n');
        expect(lines).toHaveLength(3);
        expect(lines[0]).toBe('::error file=tests.segment,line=10,title=Happy%3A callable & <happy> [sql.js]::members 1, 2: 1 is not a member of Happy.%0Aexpected: members 1, 2%0Aactual: members 2%0A1 is not a member of Happy:%0A  group Satisfied: holds it%0A    Satisfaction > 50: passes%0A  exclude group Opted: holds it%0A    DoNotCall = true: passes');
        expect(lines[1]).toBe('::error file=tests.segment,line=11,title=Happy%3A callable & <happy> [sql.js]::count 2: Happy has 1 member.%0Aexpected: count 2%0Aactual: count 1');
        expect(lines[2]).toBe('1 passed, 1 failed, 0 could not run (sql.js)');
    });

    test('a test with errors is reported at its line and exits 1; a database that cannot be read exits 2', () => {
        const invalid = workspace('test Happy { with Customer { } members 1 }\n');
        const r = segments(['test', '.', '--reporter', 'github'], invalid);
        expect(r.code).toBe(1);
        expect(r.stdout).toContain('::error file=tests.segment,line=1,title=Happy [sql.js]::The test has errors: 1:6: A test pins its instant');
        const missing = workspace('test Happy as of 2027-02-11 { members 1 }\n', { 'db.segment': 'database "missing.sqlite"\n' });
        const m = segments(['test', '.'], missing);
        expect(m.code).toBe(2);
        expect(m.stdout).toContain('ERROR tests.segment:1 Happy as of 2027-02-11 [sql.js]');
    });

    test('usage mistakes are one line on stderr and exit 2', () => {
        const dir = workspace(PASSING);
        const env = { ...process.env };
        delete env.SEGMENTS_PG_URL;
        const pg = segments(['test', '.', '--engine', 'postgres'], dir, env);
        expect([pg.code, pg.stderr]).toEqual([2, 'segments: --engine postgres needs --url postgres://user@host:port/database (or SEGMENTS_PG_URL)\n']);
        const none = segments(['test', 'segments.segment'], dir);
        expect(none.code).toBe(2);
        expect(none.stderr).toMatch(/^segments: no tests in segments\.segment: write one beside a segment/);
        expect(segments(['test', '.', '--reporter', 'tap'], dir).code).toBe(2);
    });
});
