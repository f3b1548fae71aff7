import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copySqliteIntoPostgres } from '../../engine/postgres-copy.js';
import { PostgresEngine } from '../../engine/postgres-engine.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';

// `segments diff`, run as a user runs it (the bundled out/cli.cjs in a child process), in a git
// repository holding a copy of the retail sample: the base is the commit, the change is the
// working tree, and every count and key is checked against `segments run` on each version.
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/cli.cjs');
const SAMPLE = join(ROOT, 'samples/retail');
const AS_OF = '2027-02-11';

function segments(args: readonly string[], cwd: string): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function git(cwd: string, ...args: string[]): string {
    const r = spawnSync('git', ['-c', 'user.name=Reviewer', '-c', 'user.email=reviewer@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
}

/** A git repository with the retail sample (its database too) committed. */
function sampleRepository(): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-diff-'));
    cpSync(SAMPLE, dir, { recursive: true, filter: src => !src.endsWith('.ts') && !src.endsWith('.md') && !src.includes('exports') });
    git(dir, 'init', '-q');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'the sample');
    return dir;
}

function edit(file: string, from: string, to: string): void {
    const text = readFileSync(file, 'utf8');
    if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
    writeFileSync(file, text.replace(from, to));
}

type KeyList = { count: number; keys: number[] } | null;
type Side = { state: 'ok'; count: number; audience: string } | { state: 'error'; error: string } | { state: 'absent' };
interface DiffJson {
    base: string;
    commit: string;
    asOf: string;
    engine: string;
    segments: { name: string; title: string; change: string; because: string[]; before: Side; after: Side; entered: KeyList; left: KeyList }[];
}
interface RunJson { name: string; count: number; keys: number[] }

/** Every member of every segment of the workspace at `dir`, by `segments run`. */
function runAll(dir: string): Map<string, number[]> {
    const r = segments(['run', '.', '--as-of', AS_OF, '--format', 'json'], dir);
    // A segment with errors is named on stderr and not run (exit 1); the others are printed.
    return new Map((JSON.parse(r.stdout) as RunJson[]).map(x => [x.name, x.keys]));
}

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
    if (!existsSync(join(SAMPLE, 'retail.sqlite'))) throw new Error('the sample database is missing: run `npm run sample` first');
});

describe('segments diff: the working tree against HEAD', () => {
    let repo: string;
    let base: string;
    let report: DiffJson;
    let before: Map<string, number[]>;
    let after: Map<string, number[]>;

    beforeAll(() => {
        repo = sampleRepository();
        // The base version, as committed: a clone, run by `segments run`.
        base = mkdtempSync(join(tmpdir(), 'segments-diff-base-'));
        dirs.push(repo, base);
        git(base, 'clone', '-q', repo, '.');
        // A changed condition, whose compound segment depends on it.
        edit(join(repo, 'contact.segment'), 'Customer.CreditBalance > 5000', 'Customer.CreditBalance > 6000');
        // Whitespace, a comment, a title and a description: the members are the same.
        edit(join(repo, 'marketing.segment'), '  group BoughtBefore {\n    Purchase.PurchasedAt before now\n  }', '    group   BoughtBefore {\n\n        // still the same\n        Purchase.PurchasedAt   before now\n    }');
        edit(join(repo, 'marketing.segment'), 'title "Frequent buyers"', 'title "Frequent buyers (five or more)"');
        // A segment that `in segment` names, and a measure another segment reads.
        edit(join(repo, 'measures.segment'), 'Product.Buyers >= 300', 'Product.Buyers >= 250');
        edit(join(repo, 'measures.segment'), 'count(Purchase where Purchase.PurchasedAt in last 90 days)', 'count(Purchase where Purchase.PurchasedAt in last 60 days)');
        // An error in the working tree, in a part of a compound segment.
        edit(join(repo, 'marketing.segment'), 'sum(Purchase.Amount) > 6000', 'sum(Purchase.Amount) > "lots"');
        // One segment added (not committed, not even added to git), one removed.
        writeFileSync(join(repo, 'satisfied.segment'), 'dynamic segment Satisfied {\n  title "Very satisfied"\n  audience Customer\n  group {\n    Customer.CustomerSatisfaction >= 95\n  }\n}\n');
        rmSync(join(repo, 'security.segment'));
        const r = segments(['diff', '--as-of', AS_OF, '--format', 'json', '--limit', '100000'], repo);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        report = JSON.parse(r.stdout) as DiffJson;
        before = runAll(base);
        after = runAll(repo);
    });

    test('lists the changed, depending, added and removed segments, and only those', () => {
        expect(report.segments.map(s => [s.name, s.change, s.because])).toEqual([
            ['HighBalance', 'changed', []],
            ['HighBalanceFollowUp', 'depends', ['HighBalance']],
            ['BigSpenders', 'changed', []],
            ['VipNotDoNotCall', 'depends', ['BigSpenders']],
            ['BestSellers', 'changed', []],
            ['BoughtABestSeller', 'depends', ['BestSellers']],
            ['LoyalHighValue', 'depends', ['measure Customer.RecentOrders']],
            ['Satisfied', 'added', []],
            ['SecurityLowSatisfaction', 'removed', []]
        ]);
        expect([report.base, report.asOf, report.engine]).toEqual(['HEAD', AS_OF, 'sql.js']);
        expect(report.commit).toBe(git(repo, 'rev-parse', 'HEAD').trim());
    });

    test('counts, entered and left keys are those of `segments run` on each version', () => {
        let checked = 0;
        for (const s of report.segments) {
            const old = s.before.state === 'absent' ? [] : before.get(s.name);
            const now = s.after.state === 'absent' ? [] : after.get(s.name);
            if (s.before.state === 'ok') expect(s.before.count, s.name).toBe(old!.length);
            if (s.after.state === 'ok') expect(s.after.count, s.name).toBe(now!.length);
            if (s.before.state === 'error' || s.after.state === 'error') {
                expect([s.entered, s.left]).toEqual([null, null]);
                continue;
            }
            const entered = now!.filter(k => !old!.includes(k));
            const left = old!.filter(k => !now!.includes(k));
            expect(s.entered, s.name).toEqual({ count: entered.length, keys: entered });
            expect(s.left, s.name).toEqual({ count: left.length, keys: left });
            checked++;
        }
        expect(checked).toBe(7);
        const byName = new Map(report.segments.map(s => [s.name, s]));
        // A higher threshold: members leave, none enter, and the compound loses the same ones.
        const high = byName.get('HighBalance')!;
        expect(high.entered!.count).toBe(0);
        expect(high.left!.count).toBeGreaterThan(0);
        expect(byName.get('HighBalanceFollowUp')!.left!.keys.every(k => high.left!.keys.includes(k))).toBe(true);
        // Added: every member entered; removed: every member left.
        expect(byName.get('Satisfied')!.entered!.count).toBe(after.get('Satisfied')!.length);
        expect(byName.get('SecurityLowSatisfaction')!.left!.count).toBe(before.get('SecurityLowSatisfaction')!.length);
        expect(byName.get('SecurityLowSatisfaction')!.after).toEqual({ state: 'absent' });
    });

    test('a segment with errors on one side is reported with its first diagnostic line', () => {
        const big = report.segments.find(s => s.name === 'BigSpenders')!;
        expect(big.before).toEqual({ state: 'ok', count: before.get('BigSpenders')!.length, audience: 'Customer' });
        expect(big.after.state).toBe('error');
        expect(big.after.state === 'error' && big.after.error).toMatch(/^marketing\.segment:\d+:\d+: error: .+ \[[a-z-]+\]$/);
        const vip = report.segments.find(s => s.name === 'VipNotDoNotCall')!;
        expect(vip.after).toEqual(big.after);
    });

    test('--limit lists the first keys of each and keeps the counts', () => {
        const r = segments(['diff', 'contact.segment', '--as-of', AS_OF, '--format', 'json', '--limit', '2'], repo);
        expect(r.code).toBe(0);
        const limited = JSON.parse(r.stdout) as DiffJson;
        expect(limited.segments.map(s => s.name)).toEqual(['HighBalance', 'HighBalanceFollowUp']);
        const full = report.segments.find(s => s.name === 'HighBalance')!;
        expect(limited.segments[0].left).toEqual({ count: full.left!.count, keys: full.left!.keys.slice(0, 2) });
    });

    test('--format markdown: a heading, a table with one row per segment, then the details of each', () => {
        const r = segments(['diff', '--as-of', AS_OF, '--format', 'markdown', '--limit', '3'], repo);
        expect(r.code).toBe(0);
        const lines = r.stdout.trimEnd().split('\n');
        const commit = report.commit.slice(0, 7);
        expect(lines.slice(0, 5)).toEqual([
            `### Segment membership: \`HEAD\` (${commit}) → this change`,
            '',
            `As of ${AS_OF} on sql.js, the same data on both sides.`,
            '',
            '| Segment | Change | Before | After | Entered | Left |'
        ]);
        const high = report.segments.find(s => s.name === 'HighBalance')!;
        const rows = lines.filter(l => l.startsWith('| `'));
        expect(rows).toHaveLength(report.segments.length);
        expect(rows[0]).toBe(`| \`HighBalance\` | changed | ${(high.before as { count: number }).count} | ${(high.after as { count: number }).count} | +0 | -${high.left!.count} |`);
        expect(rows[1]).toMatch(/^\| `HighBalanceFollowUp` \| depends on `HighBalance` \| \d+ \| \d+ \| \+0 \| -\d+ \|$/);
        expect(rows).toContain(`| \`BigSpenders\` | changed | ${before.get('BigSpenders')!.length} | error |  |  |`);
        expect(rows).toContain(`| \`SecurityLowSatisfaction\` | removed | ${before.get('SecurityLowSatisfaction')!.length} | - | +0 | -${before.get('SecurityLowSatisfaction')!.length} |`);
        const details = lines.slice(lines.indexOf('#### `HighBalance`: High credit balance'));
        expect(details.slice(0, 3)).toEqual([
            '#### `HighBalance`: High credit balance',
            '',
            `- Left ${high.left!.count}: ${high.left!.keys.slice(0, 3).map(k => `\`${k}\``).join(', ')} (the first 3 of ${high.left!.count})`
        ]);
        expect(rows).toContain(`| \`LoyalHighValue\` | depends on measure \`Customer.RecentOrders\` | ${before.get('LoyalHighValue')!.length} | ${after.get('LoyalHighValue')!.length} | +0 | -${before.get('LoyalHighValue')!.filter(k => !after.get('LoyalHighValue')!.includes(k)).length} |`);
        expect(lines).toContain(`- Errors now: \`${(report.segments.find(s => s.name === 'BigSpenders')!.after as { error: string }).error}\``);
    });

    test('--format table, for a terminal', () => {
        const r = segments(['diff', 'contact.segment', '--as-of', AS_OF], repo);
        expect(r.code).toBe(0);
        const high = report.segments.find(s => s.name === 'HighBalance')!;
        const lines = r.stdout.trimEnd().split('\n');
        expect(lines[0]).toBe(`HEAD (${report.commit.slice(0, 7)}) -> working tree, as of ${AS_OF} on sql.js`);
        expect(lines[2].split(/\s+/)).toEqual(['segment', 'change', 'before', 'after', 'entered', 'left', 'because']);
        expect(lines[3].split(/\s+/)).toEqual(['HighBalance', 'changed', String((high.before as { count: number }).count), String((high.after as { count: number }).count), '+0', `-${high.left!.count}`]);
        expect(lines[4].split(/\s+/).slice(0, 2)).toEqual(['HighBalanceFollowUp', 'depends']);
        expect(lines).toContain(`  HighBalance: left ${high.left!.count}: ${high.left!.keys.slice(0, 10).join(', ')}${high.left!.count > 10 ? ` (the first 10 of ${high.left!.count})` : ''}`);
    });

    test('the same report on DuckDB (and PostgreSQL when SEGMENTS_PG_URL is set)', async () => {
        const duck = segments(['diff', '--as-of', AS_OF, '--format', 'json', '--limit', '100000', '--engine', 'duckdb'], repo);
        expect(duck.stderr).toBe('');
        expect({ ...(JSON.parse(duck.stdout) as DiffJson), engine: 'sql.js' }).toEqual(report);
        const url = process.env.SEGMENTS_PG_URL;
        if (!url) return;
        const schema = `diff_${randomUUID().slice(0, 8)}`;
        const source = await SqlJsEngine.fromBytes(readFileSync(join(repo, 'retail.sqlite')));
        const pg = await PostgresEngine.connect(url);
        try {
            await pg.withClient(async client => {
                await client.query(`CREATE SCHEMA "${schema}"`);
                await copySqliteIntoPostgres(client, source.reader(), schema, { indexes: true, analyze: true });
            });
            const r = segments(['diff', '--as-of', AS_OF, '--format', 'json', '--limit', '100000', '--engine', 'postgres', '--url', url, '--schema', schema], repo);
            expect(r.stderr).toBe('');
            expect({ ...(JSON.parse(r.stdout) as DiffJson), engine: 'sql.js' }).toEqual(report);
        } finally {
            await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
            await pg.close();
            await source.close();
        }
    }, 120_000);
});

describe('segments diff --base REV', () => {
    test('compares with an earlier commit, reads git without writing, and a clean tree has no change', () => {
        const repo = sampleRepository();
        dirs.push(repo);
        edit(join(repo, 'contact.segment'), 'Customer.CreditBalance > 5000', 'Customer.CreditBalance > 4000');
        // A file in a subfolder is part of the workspace; files under node_modules and dot folders are not (as on disk).
        mkdirSync(join(repo, 'more'));
        writeFileSync(join(repo, 'more', 'extra.segment'), 'dynamic segment Extra {\n  audience Customer\n  group {\n    Customer.CreditBalance > 9000\n  }\n}\n');
        for (const folder of ['node_modules/pkg', '.hidden']) {
            mkdirSync(join(repo, folder), { recursive: true });
            writeFileSync(join(repo, folder, 'other.segment'), 'dynamic segment Skipped {\n  audience Customer\n  group {\n    Customer.CreditBalance > 1\n  }\n}\n');
        }
        git(repo, 'add', '-f', '.');
        git(repo, 'commit', '-q', '-m', 'a lower threshold, one more segment');
        const state = (): string => git(repo, '--no-optional-locks', 'status', '--porcelain', '--ignored', '--untracked-files=all') + readdirSync(join(repo, '.git')).sort().join(',') + statSync(join(repo, '.git', 'index')).mtimeMs;
        const was = state();

        const clean = segments(['diff', '--as-of', AS_OF, '--format', 'json'], repo);
        expect(clean.code).toBe(0);
        expect((JSON.parse(clean.stdout) as DiffJson).segments).toEqual([]);
        const markdown = segments(['diff', '--as-of', AS_OF, '--format', 'markdown'], repo);
        expect(markdown.stdout.trimEnd().split('\n').at(-1)).toMatch(/^No segment's definition differs from HEAD \([0-9a-f]{7}\)\.$/);

        const r = segments(['diff', '--base', 'HEAD~1', '--as-of', AS_OF, '--format', 'json'], repo);
        expect(r.code).toBe(0);
        const report = JSON.parse(r.stdout) as DiffJson;
        expect(report.commit).toBe(git(repo, 'rev-parse', 'HEAD~1').trim());
        expect(report.segments.map(s => [s.name, s.change])).toEqual([['HighBalance', 'changed'], ['HighBalanceFollowUp', 'depends'], ['Extra', 'added']]);
        expect(report.segments[0].left!.count).toBe(0);
        expect(report.segments[0].entered!.count).toBeGreaterThan(0);
        expect(state()).toBe(was);

        rmSync(join(repo, 'more'), { recursive: true });
        const removed = segments(['diff', '--as-of', AS_OF, '--format', 'json'], repo);
        expect((JSON.parse(removed.stdout) as DiffJson).segments.map(s => [s.name, s.change, s.before.state, s.after.state])).toEqual([['Extra', 'removed', 'ok', 'absent']]);
    });

    test('a members file is part of the definition: the base runs on its file as committed', () => {
        const repo = sampleRepository();
        dirs.push(repo);
        writeFileSync(join(repo, 'vip.csv'), 'CustomerId\n1001\n1002\n1003\n');
        writeFileSync(join(repo, 'vip.segment'), 'static segment Vip {\n  audience Customer\n  members from "vip.csv"\n}\n\ncompound segment VipOrHighBalance {\n  audience Customer\n  Vip\n  union HighBalance\n}\n');
        git(repo, 'add', '.');
        git(repo, 'commit', '-q', '-m', 'vip list');
        writeFileSync(join(repo, 'vip.csv'), 'CustomerId\n1002\n1003\n1004\n1005\n');
        const r = segments(['diff', '--as-of', AS_OF, '--format', 'json'], repo);
        expect(r.stderr).toBe('');
        const report = JSON.parse(r.stdout) as DiffJson;
        expect(report.segments.map(s => [s.name, s.change, s.because, s.before, s.after, s.entered, s.left])).toEqual([
            ['Vip', 'changed', [], { state: 'ok', count: 3, audience: 'Customer' }, { state: 'ok', count: 4, audience: 'Customer' }, { count: 2, keys: [1004, 1005] }, { count: 1, keys: [1001] }],
            ['VipOrHighBalance', 'depends', ['Vip'], expect.objectContaining({ state: 'ok' }), expect.objectContaining({ state: 'ok' }), expect.anything(), expect.anything()]
        ]);
        // The compound segment's movement is the list's, but for customers with a high balance (in it on both sides).
        const high = new Set((JSON.parse(segments(['run', '.', '--segment', 'HighBalance', '--as-of', AS_OF, '--format', 'json'], repo).stdout) as RunJson[])[0].keys);
        const compound = report.segments[1];
        expect(compound.entered!.keys).toEqual([1004, 1005].filter(k => !high.has(k)));
        expect(compound.left!.keys).toEqual([1001].filter(k => !high.has(k)));
        // The base's file is read from git at that revision, and a file with an error there is reported on that side.
        git(repo, 'commit', '-q', '-a', '-m', 'vip list, longer');
        writeFileSync(join(repo, 'vip.csv'), 'CustomerId\n10x4\n');
        git(repo, 'commit', '-q', '-a', '-m', 'vip list, broken');
        writeFileSync(join(repo, 'vip.csv'), 'CustomerId\n1002\n');
        const earlier = JSON.parse(segments(['diff', '--base', 'HEAD~1', '--as-of', AS_OF, '--format', 'json', 'vip.segment'], repo).stdout) as DiffJson;
        expect(earlier.segments.map(s => [s.name, s.entered, s.left])).toEqual([['Vip', { count: 0, keys: [] }, { count: 3, keys: [1003, 1004, 1005] }], ['VipOrHighBalance', expect.anything(), expect.anything()]]);
        const broken = JSON.parse(segments(['diff', '--as-of', AS_OF, '--format', 'json', 'vip.segment'], repo).stdout) as DiffJson;
        const vip = broken.segments[0];
        expect([vip.name, vip.change, vip.before.state, vip.after, vip.entered]).toEqual(['Vip', 'changed', 'error', { state: 'ok', count: 1, audience: 'Customer' }, null]);
        expect(vip.before.state === 'error' && vip.before.error).toContain('10x4');
    });

    test('outside a git repository, and with an unknown revision: one line on stderr, exit 2', () => {
        const plain = mkdtempSync(join(tmpdir(), 'segments-diff-plain-'));
        dirs.push(plain);
        cpSync(join(SAMPLE, 'contact.segment'), join(plain, 'contact.segment'));
        const outside = segments(['diff'], plain);
        expect(outside.code).toBe(2);
        expect(outside.stdout).toBe('');
        expect(outside.stderr).toMatch(/^segments: .+ is not in a git repository: segments diff compares the working tree with a git revision\n$/);

        const repo = sampleRepository();
        dirs.push(repo);
        const unknown = segments(['diff', '--base', 'no-such-branch'], repo);
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toMatch(/^segments: --base no-such-branch: unknown revision in .+ \(a commit, branch or tag such as HEAD, main or v1\.2\)\n$/);
        const option = segments(['diff', '--base=--output=x'], repo);
        expect(option.code).toBe(2);
        expect(option.stderr).toBe('segments: --base --output=x: not a revision (a commit, branch or tag such as HEAD, main or v1.2)\n');
        expect(existsSync(join(repo, 'x'))).toBe(false);
    });
});
