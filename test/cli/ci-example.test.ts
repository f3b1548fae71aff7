import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** What the workflow's expressions stand for in a pull request against main. */
const EXPRESSIONS: Record<string, string> = { 'github.base_ref': 'main' };

/**
 * Runs `npx segments ARGS [> FILE]` as the bundled CLI (the package's `segments` bin) in `cwd`,
 * with the workflow's `${{ ... }}` expressions replaced as GitHub replaces them; `> FILE` writes
 * stdout to FILE, as the shell does.
 */
function runStep(command: string, cwd: string): { code: number; stdout: string; stderr: string } {
    const expanded = command.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
        const value = EXPRESSIONS[name];
        if (value === undefined) throw new Error(`the test does not know what \${{ ${name} }} is`);
        return value;
    });
    const [line, redirect] = expanded.split(/\s+>\s+/);
    const args = line.replace(/^npx segments /, '').split(/\s+/);
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
    if (redirect === undefined) return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    writeFileSync(join(cwd, redirect), r.stdout);
    return { code: r.status ?? -1, stdout: readFileSync(join(cwd, redirect), 'utf8'), stderr: r.stderr };
}

function git(args: readonly string[], cwd: string): void {
    const r = spawnSync('git', ['-c', 'user.name=CI', '-c', 'user.email=ci@example.com', ...args], { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

/**
 * A pull request's checkout: the sample (with the database `npm run sample` builds) at
 * samples/retail, its `.segment` files committed on main, which is also `origin/main`.
 */
function checkout(): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-ci-'));
    mkdirSync(join(dir, 'samples'));
    cpSync(SAMPLE, join(dir, 'samples/retail'), { recursive: true, filter: src => !src.endsWith('.ts') });
    git(['init', '-q', '-b', 'main'], dir);
    git(['add', ...readdirSync(join(dir, 'samples/retail')).filter(f => f.endsWith('.segment')).map(f => `samples/retail/${f}`)], dir);
    git(['commit', '-q', '-m', 'the base'], dir);
    git(['update-ref', 'refs/remotes/origin/main', 'HEAD'], dir);
    return dir;
}

const SETUP = ['npm ci', 'npm run sample', 'gh pr comment ${{ github.event.pull_request.number }} --body-file segments-diff.md'];
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

    test('runs setup steps, segments commands and the comment only; check, fmt --check, test and diff are real steps', () => {
        expect(run.filter(c => !c.startsWith('npx segments '))).toEqual(SETUP);
        expect(segmentsSteps).toEqual([
            'npx segments check samples/retail --format github',
            'npx segments fmt --check samples/retail',
            'npx segments test samples/retail --reporter github',
            'npx segments diff samples/retail --base origin/${{ github.base_ref }} --as-of 2027-02-11 --format markdown > segments-diff.md'
        ]);
        // The comment posts the file the diff step writes.
        expect(segmentsSteps[3].split(' > ')[1]).toBe(/--body-file (\S+)$/.exec(SETUP[2])![1]);
    });

    test('each of its segments commands exists on the command line', () => {
        const help = runStep('npx segments --help', ROOT).stdout;
        for (const c of segmentsSteps) expect(help, subcommand(c)).toMatch(new RegExp(`^  ${subcommand(c)} `, 'm'));
        expect(placeholders).toEqual([]);
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
        expect(results.get('diff')).toEqual({ code: 0, stdout: expect.stringContaining("No segment's definition differs from origin/main"), stderr: '' });
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
        // The comment lists the added segments, with their errors instead of members.
        const diff = results.get('diff')!;
        expect(diff.code).toBe(0);
        expect(diff.stdout).toContain('| `Typo` | added | - | error |  |  |\n');
        expect(diff.stdout).toContain('| `Unhappy` | added | - | error |  |  |\n');
        expect(diff.stdout).toMatch(/- Errors now: `samples\/retail\/unhappy\.segment:2:43: error: Customer\.CustomerSatisfaction is a number, but this value is text/);
        expect(readFileSync(join(dir, 'samples/retail/unhappy.segment'), 'utf8')).toBe(broken);
        expect(readFileSync(join(dir, 'samples/retail/typo.segment'), 'utf8')).toBe(typo);
    });

    test('a change to a segment: the diff step writes the comment with the membership before and after', () => {
        const dir = checkout();
        const file = join(dir, 'samples/retail/contact.segment');
        writeFileSync(file, readFileSync(file, 'utf8').replace('Customer.CreditBalance > 5000', 'Customer.CreditBalance > 6000'));
        const step = segmentsSteps.find(c => subcommand(c) === 'diff')!;
        const r = runStep(step, dir);
        expect(r.code).toBe(0);
        expect(readFileSync(join(dir, 'segments-diff.md'), 'utf8')).toBe(r.stdout);
        expect(r.stdout).toMatch(/^### Segment membership: `origin\/main` \([0-9a-f]{7}\) → this change\n\nAs of 2027-02-11 on sql\.js, the same data on both sides\.\n/);
        expect(r.stdout).toContain('| `HighBalance` | changed | 173 | 165 | +0 | -8 |\n');
        expect(r.stdout).toContain('| `HighBalanceFollowUp` | depends on `HighBalance` | 169 | 161 | +0 | -8 |\n');
    });
});
