import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, describe, expect, test } from 'vitest';
import type { EngineName } from '../../engine/open-engine.js';
import { workspaceTests } from '../../testing/collect.js';
import type { TestResult } from '../../testing/results.js';
import { runTests } from '../../testing/run-tests.js';
import { TestEngines } from '../../testing/test-engines.js';
import { build } from '../support/harness.js';
import { SCHEMA, TABLES } from '../support/shop.js';

// The test runner (testing/): a test's rows become a real database on each engine, its segment
// runs through the compiler and SegmentRunner, and each check is compared. Every test here runs
// on sql.js and DuckDB, and PostgreSQL when SEGMENTS_PG_URL is set, and expects the same outcome.

const ENGINES: readonly EngineName[] = ['sqljs', 'duckdb', ...(process.env.SEGMENTS_PG_URL ? ['postgres' as const] : [])];
const opened: TestEngines[] = [];
afterAll(async () => {
    for (const e of opened.splice(0)) await e.close();
});

const SEGMENTS = `
dynamic segment Happy { audience Customer  group Satisfied { Satisfaction > 50 }  exclude group Opted { DoNotCall = true } }
dynamic segment Buyers { audience Customer  group { count(Purchase) >= 1 } }
dynamic segment TopBuyers { audience Customer  group { count(Purchase) >= 1 }  top 1 by Customer.Satisfaction }
compound segment HappyBuyers { Happy intersect Buyers }
compound segment Half { Happy  sample 50% seed "half" }
static segment Listed { audience Customer  members 1, 2 }
`;

/** Runs every test of `tests` on every engine; the results of each engine in test order. */
async function run(tests: string, database?: string): Promise<Map<EngineName, TestResult[]>> {
    const built = await build({ 'schema.segment': SCHEMA, 'segments.segment': SEGMENTS, 'tests.segment': tests });
    const found = workspaceTests({ documents: built.documents, model: built.model, diagnostics: d => d.diagnostics ?? [] });
    const engines = new TestEngines(database, process.env.SEGMENTS_PG_URL);
    opened.push(engines);
    const results = await runTests(found, ENGINES, { plans: built.plans.plans, runnable: built.plans.plans, segments: built.model.segments, engines });
    const byEngine = new Map<EngineName, TestResult[]>();
    for (const r of results) byEngine.set(r.engine, [...byEngine.get(r.engine) ?? [], r]);
    // Never a silently different outcome: each engine gives sql.js's statuses, counts and keys.
    const outcome = (rs: readonly TestResult[]) => rs.map(r => ({ status: r.status, count: r.count, checks: r.checks.map(c => [c.passed, c.actual, c.differing]) }));
    for (const engine of ENGINES) expect(outcome(byEngine.get(engine)!), engine).toEqual(outcome(byEngine.get('sqljs')!));
    return byEngine;
}

async function sqljs(tests: string, database?: string): Promise<TestResult[]> {
    return (await run(tests, database)).get('sqljs')!;
}

describe('a test on rows of its own', () => {
    test('passes when every check holds', async () => {
        const [r] = await sqljs(`
test Happy "satisfied, callable" as of 2027-02-11 {
  with Customer { CustomerId = 1, Satisfaction = 80, DoNotCall = false }
  with Customer { CustomerId = 2, Satisfaction = 90, DoNotCall = true }
  with Customer { CustomerId = 3, Satisfaction = 20 }
  members 1
  not members 2, 3
  count 1
}`);
        expect(r.status).toBe('passed');
        expect(r.count).toBe(1);
        expect(r.test.name).toBe('Happy: satisfied, callable');
        expect(r.test.line).toBe(2);
        expect(r.checks.map(c => [c.line, c.passed])).toEqual([[6, true], [7, true], [8, true]]);
    });

    test('fails with the expected and actual keys, and the explanation of each differing key', async () => {
        const [r] = await sqljs(`
test Happy as of 2027-02-11 {
  with Customer { CustomerId = 1, Satisfaction = 80, DoNotCall = true }
  with Customer { CustomerId = 2, Satisfaction = 90 }
  members 1, 2
  not members 2
  count 2
}`);
        expect(r.status).toBe('failed');
        const [members, notMembers, count] = r.checks;
        expect(members).toMatchObject({
            passed: false, line: 5, text: 'members 1, 2',
            expected: 'members 1, 2', actual: 'members 2', expectedKeys: [1, 2], actualKeys: [2], differing: [1],
            message: '1 is not a member of Happy.'
        });
        expect(members.explanations).toEqual([{ key: 1, lines: [
            '1 is not a member of Happy:',
            '  group Satisfied: holds it',
            '    Satisfaction > 50: passes',
            '  exclude group Opted: holds it',
            '    DoNotCall = true: passes'
        ] }]);
        expect(notMembers).toMatchObject({ passed: false, expected: 'not members 2', actual: 'members 2', differing: [2], message: '2 is a member of Happy.' });
        expect(notMembers.explanations[0].lines[0]).toBe('2 is a member of Happy:');
        expect(count).toMatchObject({ passed: false, expected: 'count 2', actual: 'count 1', differing: [], explanations: [] });
    });

    test('keys left out are generated (1, 2, ... skipping the keys written); attributes left out are missing', async () => {
        const [r] = await sqljs(`
test Happy as of 2027-02-11 {
  with Customer { Satisfaction = 80 }
  with Customer { CustomerId = 1, Satisfaction = 70 }
  with Customer { Satisfaction = 60 }
  with Customer { }
  members 1, 2, 3
  not members 4 by Satisfied
  count 3
}`);
        expect(r.status).toBe('passed');
        expect(r.test.plan!.data!.find(t => t.name === 'customers')!.rows.map(row => [row[0], row[2]])).toEqual([[2, 80], [1, 70], [3, 60], [4, null]]);
    });

    test('rows of related entities, times relative to the test\'s instant', async () => {
        const [r] = await sqljs(`
dynamic segment Recent { audience Customer  group { count(Purchase where Purchase.PurchasedAt in last 30 days) >= 2 } }
test Recent as of 2027-02-11 {
  with Customer { CustomerId = 1 }
  with Customer { CustomerId = 2 }
  with Purchase { CustomerId = 1, PurchasedAt = now - 2 days }
  with Purchase { CustomerId = 1, PurchasedAt = 2027-01-20T08:00:00 }
  with Purchase { CustomerId = 2, PurchasedAt = now - 2 days }
  with Purchase { CustomerId = 2, PurchasedAt = today - 40 days }
  members 1
  not members 2 by group 1
}`);
        expect(r.status).toBe('passed');
    });
});

describe('why a profile is out: `not members K by R`, as Explain Membership says', () => {
    test('a named group or `group N` that does not hold it, an exclude group that does', async () => {
        const [pass, fail] = await sqljs(`
test Happy as of 2027-02-11 {
  with Customer { CustomerId = 1, Satisfaction = 20 }
  with Customer { CustomerId = 2, Satisfaction = 90, DoNotCall = true }
  not members 1 by Satisfied
  not members 1 by group 1
  not members 2 by Opted
  not members 2 by group 2
}
test Happy as of 2027-02-11 {
  with Customer { CustomerId = 1, Satisfaction = 20 }
  not members 1 by Opted
}`);
        expect(pass.status).toBe('passed');
        expect(fail.checks[0]).toMatchObject({ passed: false, message: '1 is out by Satisfied, not by Opted.', actual: 'not by Opted: 1', differing: [1] });
        expect(fail.checks[0].explanations[0].lines).toContain('  group Satisfied: does not hold it');
    });

    test('a compound part, a top step and a sample step', async () => {
        const rows = `
  with Customer { CustomerId = 1, Satisfaction = 80 }
  with Customer { CustomerId = 2, Satisfaction = 90 }
  with Customer { CustomerId = 3, Satisfaction = 70 }
  with Purchase { CustomerId = 1 }
  with Purchase { CustomerId = 2 }
  with Customer { CustomerId = 4, Satisfaction = 10 }
  with Purchase { CustomerId = 4 }`;
        const results = await sqljs(`
test HappyBuyers as of 2027-02-11 {${rows}
  members 1, 2
  not members 3 by Buyers
  not members 4 by Happy
}
test TopBuyers as of 2027-02-11 {${rows}
  members 2
  not members 1 by top
  not members 3 by group 1
}
test Half as of 2027-02-11 {${rows}
  count between 0 and 3
}`);
        expect(results.map(r => r.status)).toEqual(['passed', 'passed', 'passed']);
        // The sample keeps a member of Happy when FNV-1a of "half/KEY" mod 10000 is below 5000.
        const [drawn] = await sqljs(`test Half as of 2027-02-11 {${rows} members 1, 2, 3 }`);
        const kept = drawn.checks[0].actualKeys!;
        const left = [1, 2, 3].filter(k => !kept.includes(k));
        expect(kept.length + left.length).toBe(3);
        const [bySample] = await sqljs(`test Half as of 2027-02-11 {${rows} ${kept.length ? `members ${kept.join(', ')}` : ''} ${left.length ? `not members ${left.join(', ')} by sample` : ''} not members 4 by sample }`);
        expect(bySample.checks.map(c => c.passed)).toEqual([...(kept.length ? [true] : []), ...(left.length ? [true] : []), false]);
        expect(bySample.checks[bySample.checks.length - 1].message).toBe('4 is out by Happy, not by sample.');
    });

    test('a key that is no profile is out, but by no group', async () => {
        const [r] = await sqljs('test Happy as of 2027-02-11 { with Customer { CustomerId = 1, Satisfaction = 80 } not members 7 by Satisfied }');
        expect(r.checks[0]).toMatchObject({ passed: false, message: '7 is out because it is not a Customer at this instant, not by Satisfied.' });
        expect(r.checks[0].explanations[0].lines).toEqual(['7 is not a Customer at this instant.']);
    });
});

describe('cross-segment checks', () => {
    const rows = `
  with Customer { CustomerId = 1, Satisfaction = 80 }
  with Customer { CustomerId = 2, Satisfaction = 90, DoNotCall = true }
  with Customer { CustomerId = 3, Satisfaction = 70 }
  with Customer { CustomerId = 4, Satisfaction = 60 }
  with Purchase { CustomerId = 1 }`;

    test('`members within T`: every member is a member of T; `no members in T`: none is', async () => {
        const [pass, fail] = await sqljs(`
test HappyBuyers as of 2027-02-11 {${rows}
  members within Happy
  members within Buyers
  members within Listed
}
test Happy as of 2027-02-11 {${rows}
  members within Buyers
  no members in Listed
}`);
        expect(pass.status).toBe('passed');
        expect(fail.checks[0]).toMatchObject({ passed: false, expected: 'members within Buyers', actual: '2 members not in Buyers', differing: [3, 4], message: '2 members of Happy are not in Buyers: 3, 4.' });
        expect(fail.checks[0].explanations.map(e => e.key)).toEqual([3, 4]);
        expect(fail.checks[1]).toMatchObject({ passed: false, expected: 'no members in Listed', actual: '1 member also in Listed', differing: [1] });
    });

    test('`count P% of T within D%`: the share of T\'s members, within D points', async () => {
        const [r] = await sqljs(`
test HappyBuyers as of 2027-02-11 {${rows}
  count 33% of Happy within 1%
  count 50% of Happy within 10%
}
test Happy as of 2027-02-11 { count 10% of Buyers within 1% }`);
        expect(r.checks.map(c => [c.passed, c.actual])).toEqual([[true, 'count 33.33% of Happy (1 of 3)'], [false, 'count 33.33% of Happy (1 of 3)']]);
        expect(r.checks[1].message).toBe('HappyBuyers is 33.33% of Happy, more than 10 points from 50%.');
    });

    test('a share of a segment without members fails and says so', async () => {
        const [r] = await sqljs('test Happy as of 2027-02-11 { with Customer { Satisfaction = 80 } count 10% of Buyers within 1% }');
        expect(r.checks[0]).toMatchObject({ passed: false, message: 'Buyers has no members, so Happy is no share of it.' });
    });

    test('`count between L and H` is inclusive', async () => {
        const [r] = await sqljs(`test Happy as of 2027-02-11 {${rows} count between 3 and 4  count between 0 and 2 }`);
        expect(r.checks.map(c => [c.passed, c.expected, c.actual])).toEqual([[true, 'count between 3 and 4', 'count 3'], [false, 'count between 0 and 2', 'count 3']]);
    });
});

describe('a test on the workspace database', () => {
    test('without rows, a test reads the database the workspace declares', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-testing-'));
        const SQL = await initSqlJs();
        const db = new SQL.Database();
        db.exec(`${TABLES}
insert into customers values (1, 'A', 80, 0, null, null), (2, 'B', 90, 1, null, null), (3, 'C', 10, 0, null, null);`);
        const file = join(dir, 'shop.sqlite');
        writeFileSync(file, db.export());
        db.close();
        const [r] = await sqljs('test Happy as of 2027-02-11 { members 1  not members 2 by Opted  not members 3 by Satisfied  count 1 }', file);
        expect(r.status).toBe('passed');
    });

    test('a segment with errors, or a workspace without a database, is a test that could not run', async () => {
        const results = await sqljs(`
dynamic segment Broken { audience Customer group { Nope > 1 } }
test Broken as of 2027-02-11 { with Customer { } count 0 }
test Happy as of 2027-02-11 { count 0 }`);
        expect(results.map(r => [r.status, r.errorKind])).toEqual([['error', 'invalid'], ['error', 'data']]);
        expect(results[0].error).toBe('Broken has errors, so it was not run: see `segments check`.');
        expect(results[1].error).toContain('add rows to the test, or a database to the workspace');
    });
});
