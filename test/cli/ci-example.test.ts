import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';

// The example workflow (docs/ci-example.yml, shown in the README): its `npx segments` commands,
// read from the file, run here as the workflow runs them, on the sample and on a broken copy.
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/cli.cjs');
const SAMPLE = join(ROOT, 'samples/retail');
const WORKFLOW = join(ROOT, 'docs/ci-example.yml');

/** The steps' commands: `run:` lines, and those of the commented-out placeholder steps. */
function workflowCommands(text: string): { run: string[]; placeholders: string[] } {
    const run: string[] = [];
    const placeholders: string[] = [];
    for (const line of text.split('\n')) {
        const step = /^\s*(?:- )?run: (.+)$/.exec(line);
        if (step) run.push(step[1].trim());
        const placeholder = /^\s*#\s*(?:- )?run: (.+)$/.exec(line);
        if (placeholder) placeholders.push(placeholder[1].trim());
    }
    return { run, placeholders };
}

/** Runs `npx segments ARGS` as the bundled CLI (the package's `segments` bin) in `cwd`. */
function runStep(command: string, cwd: string): { code: number; stdout: string; stderr: string } {
    const args = command.replace(/^npx segments /, '').split(/\s+/);
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A checkout: the sample (with the database `npm run sample` builds) at samples/retail. */
function checkout(): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-ci-'));
    mkdirSync(join(dir, 'samples'));
    cpSync(SAMPLE, join(dir, 'samples/retail'), { recursive: true, filter: src => !src.endsWith('.ts') });
    return dir;
}

const SETUP = ['npm ci', 'npm run sample'];
const TEXT = readFileSync(WORKFLOW, 'utf8');
const { run, placeholders } = workflowCommands(TEXT);
const segmentsSteps = run.filter(c => c.startsWith('npx segments '));
const subcommand = (command: string): string => command.split(/\s+/)[2];

beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
    if (!existsSync(join(SAMPLE, 'retail.sqlite'))) throw new Error('the sample database is missing: run `npm run sample` first');
});

describe('the example workflow', () => {
    test('is the one in the README, word for word', () => {
        const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
        expect(readme).toContain('```yaml\n' + TEXT + '```\n');
    });

    test('runs setup steps and segments commands only; check and fmt --check are real steps', () => {
        expect(run.filter(c => !c.startsWith('npx segments '))).toEqual(SETUP);
        expect(segmentsSteps).toEqual(['npx segments check samples/retail --format github', 'npx segments fmt --check samples/retail', 'npx segments test samples/retail --reporter github']);
    });

    test('a placeholder stays a placeholder only while the command is missing from the command line', () => {
        const help = runStep('npx segments --help', ROOT).stdout;
        const available = (name: string): boolean => new RegExp(`^  ${name} `, 'm').test(help);
        for (const name of ['test', 'diff']) {
            const real = segmentsSteps.some(c => subcommand(c) === name);
            const placeholder = placeholders.some(c => c.startsWith(`npx segments ${name} `));
            if (available(name)) expect(real, `segments ${name} is on main: make its step in docs/ci-example.yml a real step (and add it to this test)`).toBe(true);
            else expect(placeholder && !real, `segments ${name} is not on main: docs/ci-example.yml keeps its step as a marked placeholder`).toBe(true);
        }
        expect(TEXT).toMatch(/# Placeholder: `segments diff` is not on main yet/);
    });

    test('on the sample every step passes: the one warning annotated, every file formatted', () => {
        const dir = checkout();
        const results = new Map(segmentsSteps.map(c => [subcommand(c), runStep(c, dir)]));
        expect(results.get('check')).toEqual({
            code: 0,
            stdout: expect.stringMatching(/^::warning file=samples\/retail\/contact\.segment,line=12,col=\d+,endLine=12,endColumn=\d+,title=member-not-found::No Customer has CustomerId 9999 in the data: this key adds no member\.\n$/),
            stderr: ''
        });
        expect(results.get('fmt')).toEqual({ code: 0, stdout: '9 files already formatted\n', stderr: '' });
        expect(results.get('test')).toEqual({ code: 0, stdout: expect.stringMatching(/^\d+ passed, 0 failed, 0 could not run \(sql\.js\)\n$/), stderr: '' });
    });

    test('on a broken copy the steps fail: an annotation per error, the files that need formatting named, nothing written', () => {
        const dir = checkout();
        const broken = 'dynamic segment Unhappy {   audience Customer\n  group { Customer.CustomerSatisfaction < "sixty" } }\ntest Unhappy as of 2027-02-11 {\n  count 1\n}\n';
        const typo = 'dynamic segment Typo {\n  audience Customer\n  group { Customer.Name = }\n}\n';
        writeFileSync(join(dir, 'samples/retail/unhappy.segment'), broken);
        writeFileSync(join(dir, 'samples/retail/typo.segment'), typo);
        const results = new Map(segmentsSteps.map(c => [subcommand(c), runStep(c, dir)]));
        const check = results.get('check')!;
        expect(check.code).toBe(1);
        const annotations = check.stdout.trimEnd().split('\n');
        expect(annotations.map(a => /^::(\w+) file=([^,]+),line=(\d+),.*title=([\w-]+)::/.exec(a)?.slice(1))).toEqual([
            ['warning', 'samples/retail/contact.segment', '12', 'member-not-found'],
            ['error', 'samples/retail/typo.segment', '3', 'syntax-error'],
            ['error', 'samples/retail/unhappy.segment', '2', 'type-mismatch']
        ]);
        expect(annotations[2]).toBe('::error file=samples/retail/unhappy.segment,line=2,col=43,endLine=2,endColumn=50,title=type-mismatch::Customer.CustomerSatisfaction is a number, but this value is text: compare it with a number, such as 60.');
        const fmt = results.get('fmt')!;
        expect(fmt.code).toBe(1);
        expect(fmt.stdout).toBe([
            'samples/retail/unhappy.segment:1: would be reformatted',
            '  - dynamic segment Unhappy {   audience Customer',
            '  + dynamic segment Unhappy {',
            '1 file would be reformatted (run segments fmt without --check to rewrite them), 9 files already formatted, 1 file not formatted (syntax errors)',
            ''
        ].join('\n'));
        expect(fmt.stderr).toMatch(/^samples\/retail\/typo\.segment: not formatted: it has syntax errors\n {2}samples\/retail\/typo\.segment:3:\d+: error: .+ \[syntax-error\]\n$/);
        // The tests of the segments that have no errors still run and pass; one of a broken segment could not run.
        const tests = results.get('test')!;
        expect(tests.code).toBe(1);
        expect(tests.stdout).toMatch(/^::error file=samples\/retail\/unhappy\.segment,line=3,title=Unhappy as of 2027-02-11 \[sql\.js\]::Unhappy has errors, so it was not run: see `segments check`\.\n\d+ passed, 0 failed, 1 could not run \(sql\.js\)\n$/);
        expect(readFileSync(join(dir, 'samples/retail/unhappy.segment'), 'utf8')).toBe(broken);
        expect(readFileSync(join(dir, 'samples/retail/typo.segment'), 'utf8')).toBe(typo);
    });
});
