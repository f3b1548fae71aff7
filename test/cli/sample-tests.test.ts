import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';

// `npm test` runs the samples' own tests (`test ...` beside their segments) with `segments test
// samples`, on sql.js and DuckDB, and on PostgreSQL when SEGMENTS_PG_URL is set (CI sets it).
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/cli.cjs');
const ENGINES = [['sqljs', 'sql.js'], ['duckdb', 'DuckDB'], ...(process.env.SEGMENTS_PG_URL ? [['postgres', 'PostgreSQL']] : [])];

beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
    if (!existsSync(join(ROOT, 'samples/retail/retail.sqlite'))) throw new Error('the sample database is missing: run `npm run sample` first');
});

describe('segments test samples', () => {
    test.each(ENGINES)('every sample test passes on %s', (engine, label) => {
        const r = spawnSync(process.execPath, [CLI, 'test', 'samples', '--engine', engine], { cwd: ROOT, encoding: 'utf8' });
        expect(r.stderr).toBe('');
        const lines = r.stdout.trimEnd().split('\n');
        expect(lines.filter(l => !l.startsWith('ok    ') && l !== '')).toEqual([expect.stringMatching(new RegExp(`^\\d+ passed, 0 failed, 0 could not run \\(${label}\\)$`))]);
        expect(r.status).toBe(0);
        // The seed's compound example: the four do-not-call customers with a high balance are left out.
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ok {4}samples/retail/contact\\.segment:\\d+ HighBalanceFollowUp: the seed's four do-not-call customers are left out \\[${label}\\]`)));
    }, 120_000);
});
