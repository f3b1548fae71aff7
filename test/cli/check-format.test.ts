import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { escapeData, escapeProperty, githubCommand, type CheckedProblem } from '../../cli/check-report.js';

// `segments check --format text|json|github`, run as a user runs it: the bundled CLI in a child process.
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/cli.cjs');
const SAMPLE = join(ROOT, 'samples/retail');

function segments(args: readonly string[], cwd = ROOT): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the sample workspace, with its database, in `name` inside a new temporary folder. */
function sampleCopy(name = 'retail'): { parent: string; dir: string } {
    const parent = mkdtempSync(join(tmpdir(), 'segments-check-'));
    const dir = join(parent, name);
    mkdirSync(dir);
    cpSync(SAMPLE, dir, { recursive: true, filter: src => !src.endsWith('.ts') });
    return { parent, dir };
}

const MISTAKES = [
    'dynamic segment TypeError {',
    '  audience Customer',
    '  group { Customer.CustomerSatisfaction < "sixty" }',
    '}',
    'dynamic segment SyntaxError {',
    '  audience Customer',
    '  group { Customer.Name = }',
    '}',
    'dynamic segment TooMuch {',
    '  audience Customer',
    '  group { Customer.CreditBalance > 1 }',
    '  sample 150%',
    '}',
    ''
].join('\n');

interface JsonReport {
    version: number;
    diagnostics: CheckedProblem[];
    summary: { files: number; errors: number; warnings: number };
}

/** The text a problem's range covers, read from the file (lines and columns 1-based, the end exclusive). */
function covered(cwd: string, p: CheckedProblem): string {
    const lines = readFileSync(join(cwd, p.file), 'utf8').split('\n');
    expect(p.endLine).toBe(p.line);
    return lines[p.line - 1].slice(p.column - 1, p.endColumn - 1);
}

beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
    if (!existsSync(join(SAMPLE, 'retail.sqlite'))) throw new Error('the sample database is missing: run `npm run sample` first');
});

describe('segments check --format json', () => {
    test('each problem with its range, severity, code and message, paths relative to the current folder; a summary; exit 1 on errors', () => {
        const { parent, dir } = sampleCopy();
        writeFileSync(join(dir, 'mistakes.segment'), MISTAKES);
        const r = segments(['check', 'retail', '--format', 'json'], parent);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(1);
        const report = JSON.parse(r.stdout) as JsonReport;
        expect(report.version).toBe(1);
        expect(report.diagnostics.map(d => [d.file, d.line, d.severity, d.code])).toEqual([
            ['retail/contact.segment', 12, 'warning', 'member-not-found'],
            ['retail/mistakes.segment', 3, 'error', 'type-mismatch'],
            ['retail/mistakes.segment', 7, 'error', 'syntax-error'],
            ['retail/mistakes.segment', 12, 'error', 'percent-out-of-range']
        ]);
        // Each range covers what the message is about.
        expect(report.diagnostics.map(d => covered(parent, d))).toEqual(['9999', '"sixty"', '}', '150']);
        expect(report.diagnostics[1].message).toBe('Customer.CustomerSatisfaction is a number, but this value is text: compare it with a number, such as 60.');
        for (const d of report.diagnostics) expect(Object.keys(d)).toEqual(['file', 'line', 'column', 'endLine', 'endColumn', 'severity', 'code', 'message']);
        expect(report.summary).toEqual({ files: 10, errors: 3, warnings: 1 });
    });

    test('the sample: no errors, the one warning, nine files; exit 0', () => {
        const r = segments(['check', 'samples/retail', '--format', 'json']);
        expect(r.code).toBe(0);
        const report = JSON.parse(r.stdout) as JsonReport;
        expect(report.summary).toEqual({ files: 9, errors: 0, warnings: 1 });
        expect(report.diagnostics).toEqual([expect.objectContaining({ file: 'samples/retail/contact.segment', severity: 'warning', code: 'member-not-found' })]);
    });

    test('the same problems as the text format, at the same places', () => {
        const { dir } = sampleCopy();
        writeFileSync(join(dir, 'mistakes.segment'), MISTAKES);
        const text = segments(['check', dir], dir);
        const json = segments(['check', dir, '--format', 'json'], dir);
        expect([text.code, json.code]).toEqual([1, 1]);
        const fromJson = (JSON.parse(json.stdout) as JsonReport).diagnostics.map(d => `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.code}]`);
        expect(fromJson).toEqual(text.stdout.trimEnd().split('\n'));
    });

    test('a folder with nothing to report prints an empty list and exit 0', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-check-'));
        writeFileSync(join(dir, 'schema.segment'), 'entity Customer from customers key Id {\n  Id  number\n}\n');
        const r = segments(['check', dir, '--format', 'json'], dir);
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({ version: 1, diagnostics: [], summary: { files: 1, errors: 0, warnings: 0 } });
    });
});

describe('segments check --format github', () => {
    test('one workflow command per problem: ::error / ::warning with file, line, col, endLine, endColumn and the code as title; exit 1 on errors', () => {
        const { parent, dir } = sampleCopy();
        writeFileSync(join(dir, 'mistakes.segment'), MISTAKES);
        const r = segments(['check', 'retail', '--format', 'github'], parent);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe('');
        const json = (JSON.parse(segments(['check', 'retail', '--format', 'json'], parent).stdout) as JsonReport).diagnostics;
        const lines = r.stdout.trimEnd().split('\n');
        expect(lines).toHaveLength(4);
        expect(lines[0]).toBe(`::warning file=retail/contact.segment,line=12,col=${json[0].column},endLine=12,endColumn=${json[0].endColumn},title=member-not-found::No Customer has CustomerId 9999 in the data: this key adds no member.`);
        expect(lines[1]).toBe('::error file=retail/mistakes.segment,line=3,col=43,endLine=3,endColumn=50,title=type-mismatch::Customer.CustomerSatisfaction is a number, but this value is text: compare it with a number, such as 60.');
        // `%` in a message is encoded, as GitHub decodes it.
        expect(lines[3]).toBe('::error file=retail/mistakes.segment,line=12,col=10,endLine=12,endColumn=13,title=percent-out-of-range::150%25 is more than all the members: a share is from 0%25 (none) to 100%25 (all).');
    });

    test('a path with a comma and a colon is encoded in the file property', () => {
        const { parent } = sampleCopy('shop, 2027: q1');
        const r = segments(['check', 'shop, 2027: q1', '--format', 'github'], parent);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^::warning file=shop%2C 2027%3A q1\/contact\.segment,line=12,col=\d+,endLine=12,endColumn=\d+,title=member-not-found::No Customer has CustomerId 9999/);
    });

    test('warnings only: exit 0; nothing found: nothing printed', () => {
        expect(segments(['check', 'samples/retail', '--format', 'github']).code).toBe(0);
        const dir = mkdtempSync(join(tmpdir(), 'segments-check-'));
        writeFileSync(join(dir, 'schema.segment'), 'entity Customer from customers key Id {\n  Id  number\n}\n');
        expect(segments(['check', dir, '--format', 'github'])).toEqual({ code: 0, stdout: '', stderr: '' });
    });

    test('escaping as GitHub documents it: %, CR and LF in messages; also : and , in properties', () => {
        expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
        expect(escapeProperty('a%b\r\nc:d,e')).toBe('a%25b%0D%0Ac%3Ad%2Ce');
    });

    test('a range over several lines has no columns (GitHub places columns within one line only); a multi-line message stays one command', () => {
        const p: CheckedProblem = { file: 'a.segment', line: 2, column: 3, endLine: 4, endColumn: 2, severity: 'error', code: 'segment-cycle', message: 'first\nsecond' };
        expect(githubCommand(p)).toBe('::error file=a.segment,line=2,endLine=4,title=segment-cycle::first%0Asecond');
    });
});

describe('segments check: formats and exit codes', () => {
    test('an unknown format is one usage error, exit 2', () => {
        const r = segments(['check', 'samples/retail', '--format', 'xml']);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^error: option '-f, --format <format>' argument 'xml' is invalid\. Allowed choices are text, json, github\./);
    });

    test('a missing path: one line on stderr, exit 2, in every format', () => {
        for (const format of ['text', 'json', 'github']) {
            const r = segments(['check', 'no/such/place.segment', '--format', format]);
            expect([r.code, r.stdout, r.stderr]).toEqual([2, '', 'segments: no/such/place.segment: no such file or folder\n']);
        }
    });

    test('text stays file:line:col: severity: message [code]', () => {
        const r = segments(['check', 'samples/retail']);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^samples\/retail\/contact\.segment:12:\d+: warning: No Customer has CustomerId 9999 in the data: this key adds no member\. \[member-not-found\]\n$/);
    });
});
