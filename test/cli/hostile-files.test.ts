import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';

// Deep and long files through the command line, as a user runs it: never a crash (exit 3).
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/cli.cjs');
const SAMPLE = join(ROOT, 'samples/retail');

function segments(args: readonly string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A folder with the sample's schema (its database named by an absolute path) and `files`. */
function workspace(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-hostile-cli-'));
    writeFileSync(join(dir, 'schema.segment'), readFileSync(join(SAMPLE, 'schema.segment'), 'utf8').replace('database "retail.sqlite"', `database ${JSON.stringify(join(SAMPLE, 'retail.sqlite'))}`));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
}

const dynamic = (name: string, condition: string): string => `dynamic segment ${name} {\n  audience Customer\n  group {\n    ${condition}\n  }\n}\n`;

beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
    if (!existsSync(join(SAMPLE, 'retail.sqlite'))) throw new Error('the sample database is missing: run `npm run sample` first');
});

describe('deep and long files on the command line', () => {
    test('check on the sample schema and 300 nested parentheses: exit 1, one too-deep error', () => {
        const dir = workspace({ 'deep.segment': dynamic('Deep', `${'('.repeat(300)}Customer.CreditBalance > 1${')'.repeat(300)}`) });
        const r = segments(['check', dir]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(1);
        expect(r.stdout.trim().split('\n')).toEqual([expect.stringMatching(/deep\.segment:4:\d+: error: This condition nests more than 32 levels deep .*\[too-deep\]$/)]);
    });

    test('run with 1,000 `or` terms gives the members the same condition written as a range gives', () => {
        const values = Array.from({ length: 1000 }, (_, i) => `Customer.CustomerSatisfaction = ${i}`).join('\n    or ');
        const dir = workspace({ 'long.segment': dynamic('Listed', values) + dynamic('Ranged', 'Customer.CustomerSatisfaction between 0 and 999') });
        const r = segments(['run', dir, '--as-of', '2027-02-11', '--format', 'json']);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const results = JSON.parse(r.stdout) as { name: string; count: number; keys: number[] }[];
        const [listed, ranged] = ['Listed', 'Ranged'].map(n => results.find(x => x.name === n)!);
        expect(listed.count).toBeGreaterThan(2000);
        expect(listed.keys).toEqual(ranged.keys);
    }, 120_000);

    test('sql of a compound segment 30 levels deep that reuses its parts: each part written once', () => {
        const lines = ['dynamic segment C1 { audience Customer group { Customer.CreditBalance > 100 } }'];
        for (let i = 2; i <= 30; i++) lines.push(`compound segment C${i} { C${i - 1} union C${i - 1} }`);
        const dir = workspace({ 'compound.segment': lines.join('\n') + '\n' });
        expect(segments(['check', dir]).code).toBe(0);
        const r = segments(['sql', dir, '--segment', 'C30']);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^WITH\b/);
        expect(r.stdout.length).toBeLessThan(40_000);
        const run = segments(['run', dir, '--segment', 'C30', '--as-of', '2027-02-11', '--format', 'json']);
        const c1 = segments(['run', dir, '--segment', 'C1', '--as-of', '2027-02-11', '--format', 'json']);
        expect(run.code).toBe(0);
        expect((JSON.parse(run.stdout) as { keys: number[] }[])[0].keys).toEqual((JSON.parse(c1.stdout) as { keys: number[] }[])[0].keys);
    }, 120_000);
});
