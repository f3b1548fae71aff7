import { describe, expect, test } from 'vitest';
import type { KeyValue } from '../../compiler/keys.js';
import { SegmentRunner } from '../../engine/runner.js';
import { clockAsOf } from '../../compiler/time.js';
import { DIALECTS } from '../../compiler/sql/dialects.js';
import { build, database, run } from '../support/harness.js';
import { otherEngines } from '../support/engines.js';
import { customers, dynamic, TABLES, withSegments } from '../support/shop.js';

// Conditions of any length run, on every engine: the SQL of a long `and` / `or` list is a
// balanced tree (a flat list of 1,000 terms is deeper than SQLite's limit), and compound
// segments that reuse parts are planned and written once per segment.
const PEOPLE = TABLES + customers([
    [1, 'Ann', 50, 0, '1990-02-14', '2026-01-01 10:00:00'],
    [2, 'Bob', 70, 1, null, null],
    [3, null, null, null, '1985-12-31', '2026-06-30T23:59:59Z'],
    [4, '', 60, 0, '2000-01-01', '2026-07-01T00:00:00'],
    [5, 'annabel LEE', 59, 1, '1999-03-01', '2026-07-01 00:00:00Z']
]) + `
insert into products values (10, 'Security'), (11, 'Gifts'), (12, 'Storage');
insert into purchases values (100, 1, 10, '2026-05-01 10:00:00', 20), (101, 2, 11, '2026-05-02 10:00:00', 35), (102, 5, 12, '2026-05-03 10:00:00', 7);
`;

const TERMS = 100_000;

/**
 * `count` conditions made by `term(i)`, joined by `op`. The terms repeat 500 values: SQLite
 * looks each distinct constant up in a list of those seen before (quadratic in their number),
 * which would make a test of 100,000 distinct constants take a minute on sql.js.
 */
function chain(count: number, op: 'and' | 'or', term: (i: number) => string): string {
    return Array.from({ length: count }, (_, i) => term(i)).join(`\n    ${op} `);
}

async function members(segments: string): Promise<readonly KeyValue[]> {
    return (await run(withSegments(segments), PEOPLE))('S');
}

describe(`conditions of ${TERMS.toLocaleString('en')} terms run on every engine`, () => {
    // Half the terms compare with `=` (`!=` in an `and`), which the SQL gathers into one `in`
    // list; the other half compare with `>` (`<`), which stay terms of a balanced tree.
    test('`or` of comparisons with the audience', async () => {
        // Odd satisfaction scores below 1,000 (none above 100,000), and Bob by name: 59 (5) and Bob (2).
        const condition = chain(TERMS - 1, 'or', i => (i % 2 ? `Satisfaction = ${2 * ((i >> 1) % 500) + 1}` : `Satisfaction > ${100_000 + (i % 500)}`)) + '\n    or Name = "Bob"';
        expect(await members(dynamic(condition))).toEqual([2, 5]);
    }, 300_000);

    test('`and` of comparisons with the audience', async () => {
        // Every even score below 1,000 excluded, and a missing score fails `!=`: only 59 (5) is left.
        expect(await members(dynamic(chain(TERMS, 'and', i => (i % 2 ? `Satisfaction != ${2 * ((i >> 1) % 500)}` : `Satisfaction < ${100_000 + (i % 500)}`))))).toEqual([5]);
    }, 300_000);

    // Lists of a few thousand terms, in every place a condition can be: long enough for every
    // form the SQL of a long list takes (balanced, halves joined by CASE, values gathered).
    test('`and` over a related record, `or` in an aggregate, and an excluded group', async () => {
        const third = 3000;
        const segments = `dynamic segment S {
  audience Customer
  group { ${chain(third, 'and', i => `Product.Category != "c${i % 500}"`)} and Product.Category != "Gifts" }
  intersect group { count(Purchase where ${chain(third, 'or', i => (i % 2 ? `Purchase.Amount = ${1000 + (i % 500)}` : `Purchase.Amount > ${100_000 + (i % 500)}`))} or Purchase.Amount = 7) = 0 }
  union group { Satisfaction >= 60 }
  exclude group { ${chain(third, 'or', i => `Name = "n${i % 500}"`)} or Name = "Bob" }
}
`;
        // Bought something other than a gift (1, 5), never 7 or above 1,000 (not 5); or a score of
        // 60 and more (2, 4); but not Bob (2).
        expect(await members(segments)).toEqual([1, 4]);
    }, 300_000);

    test('nested: a long `or` inside a long `and`, in parentheses', async () => {
        const half = TERMS / 2;
        const condition = `(${chain(half, 'or', i => (i % 2 ? `Satisfaction = ${(i % 500) + 1000}` : `Satisfaction > ${100_000 + (i % 500)}`))} or Satisfaction >= 60) and (${chain(half, 'and', i => `Name != "n${i % 500}"`)})`;
        expect(await members(dynamic(condition))).toEqual([2, 4]);
    }, 300_000);
});

/** `C1`, then `C2 = C1 union C1`, ..., `C{levels}`: every level uses its part twice. */
function reusedParts(levels: number): string {
    const lines = ['dynamic segment C1 { audience Customer group { Satisfaction >= 60 } }'];
    for (let i = 2; i <= levels; i++) lines.push(`compound segment C${i} { C${i - 1} ${i % 2 === 0 ? 'union' : 'intersect'} C${i - 1} }`);
    lines.push(`compound segment Left { C${levels} exclude C1 }`);
    return lines.join('\n') + '\n';
}

describe('compound segments that reuse their parts', () => {
    const LEVELS = 30;

    test(`${LEVELS} levels of C(n) = C(n-1) union C(n-1) check, plan and run`, async () => {
        const files = withSegments(reusedParts(LEVELS));
        const built = await build(files);
        expect(built.diagnostics.filter(d => d.severity === 1)).toEqual([]);
        expect(built.plans.plans.has(`C${LEVELS}`)).toBe(true);
        const keys = await run(files, PEOPLE);
        expect(await keys(`C${LEVELS}`)).toEqual([2, 4]);
        expect(await keys('Left')).toEqual([]);
    }, 60_000);

    // SQLite expands every reference to a named query in place, so it runs such SQL only a few
    // levels deep (`run` combines compound parts' members instead, at any depth); DuckDB and
    // PostgreSQL run all of it.
    test.each([['sqlite', 6], ['duckdb', LEVELS], ['postgres', LEVELS]] as const)('the SQL of C(n) on %s, %d levels: each segment written once, the same members', async (dialect, levels) => {
        const built = await build(withSegments(reusedParts(levels)));
        const engine = await database(PEOPLE);
        const clock = clockAsOf('2027-02-11');
        const e = [engine, ...await otherEngines(engine)].find(x => x.dialect.name === dialect);
        if (!e) {
            // PostgreSQL runs only when SEGMENTS_PG_URL names a server; the text is checked anyway.
            expect(dialect).toBe('postgres');
        }
        const runner = new SegmentRunner(e ?? engine, built.plans.plans, clock);
        const target = e?.dialect ?? DIALECTS[dialect];
        const one = await runner.sql('C1', target);
        const sql = await runner.sql(`C${levels}`, target);
        // Each level adds a named query of a few lines, not a copy of the levels below.
        expect(sql).toMatch(/^WITH\n/);
        expect(sql.length).toBeLessThan(one.length + levels * 400);
        expect(sql.split(one).length - 1).toBe(1);
        if (!e) return;
        const rows = await e.query(sql);
        expect(rows.map(r => Number(r[0])).sort((a, b) => a - b)).toEqual([2, 4]);
        expect(await e.query(await runner.sql('Left'))).toEqual([]);
    }, 60_000);

    test('a part reached once is still written in place', async () => {
        const built = await build(withSegments(`${dynamic('Satisfaction >= 60', 'A')}${dynamic('Name = "Bob"', 'B')}compound segment AB { A exclude B }\n`));
        const engine = await database(PEOPLE);
        const sql = await new SegmentRunner(engine, built.plans.plans, clockAsOf('2027-02-11')).sql('AB');
        expect(sql).not.toMatch(/^WITH/);
        expect((await engine.query(sql)).map(r => Number(r[0]))).toEqual([4]);
    });
});
