import { describe, expect, test } from 'vitest';
import * as ast from '../../grammar/generated/ast.js';
import { lowerTest } from '../../compiler/lower-test.js';
import type { TestPlan } from '../../compiler/test-plan.js';
import { build } from '../support/harness.js';
import { SCHEMA } from '../support/shop.js';

// Segment tests (this project's addition, README "Segment tests"): `test SEGMENT ["title"] as of
// INSTANT { rows... checks... }` beside the segments, checked like every other construct.

const SEGMENTS = `
dynamic segment Happy { audience Customer  group Satisfied { Satisfaction > 50 }  exclude group Opted { DoNotCall = true } }
dynamic segment Buyers { audience Customer  group { count(Purchase) >= 1 }  top 10 by Customer.Satisfaction }
compound segment HappyBuyers { Happy intersect Buyers }
static segment Listed { audience Customer  members 1, 2 }
dynamic segment Security { audience Product  group { Category = "Security" } }
`;

async function diagnosticsOf(tests: string): Promise<string[]> {
    const built = await build({ 'schema.segment': SCHEMA, 'segments.segment': SEGMENTS, 'tests.segment': tests });
    return built.diagnostics.filter(d => d.file === 'tests.segment').map(d => `${d.range.start.line + 1}: ${String(d.code ?? (d.data as { code?: string } | undefined)?.code)}`);
}

async function planOf(tests: string): Promise<TestPlan> {
    const built = await build({ 'schema.segment': SCHEMA, 'segments.segment': SEGMENTS, 'tests.segment': tests });
    expect(built.diagnostics.filter(d => d.severity === 1)).toEqual([]);
    const model = built.documents.find(d => d.uri.path.endsWith('tests.segment'))!.parseResult.value as ast.Model;
    const lowered = lowerTest(model.tests[0], built.model);
    return lowered.plan!;
}

describe('test SEGMENT "title" as of INSTANT { with E { A = V } ... checks }', () => {
    test('a test names its segment, pins its instant, and lists its checks; it may bring rows of its own', async () => {
        const plan = await planOf(`
test Happy "satisfied and callable" as of 2027-02-11 {
  with Customer { CustomerId = 1, Satisfaction = 80, DoNotCall = false }
  with Customer { Satisfaction = 90, DoNotCall = true, Birthday = 1990-05-01 }
  members 1
  not members 2 by Opted
  count 1
  count between 1 and 3
  count 50% of Happy within 5%
  members within Happy
  no members in Listed
}`);
        expect(plan.segment).toBe('Happy');
        expect(plan.title).toBe('satisfied and callable');
        expect(plan.asOf).toBe('2027-02-11');
        expect(plan.clock).toEqual({ today: '2027-02-11', now: '2027-02-11 23:59:59' });
        expect(plan.line).toBe(2);
        expect(plan.checks.map(c => [c.line, c.node])).toEqual([[5, 'members'], [6, 'not-members'], [7, 'count'], [8, 'count'], [9, 'share'], [10, 'subset'], [11, 'disjoint']]);
        expect(plan.checks[1]).toMatchObject({ keys: [2], reason: { kind: 'block', index: 1, label: 'Opted' } });
        expect(plan.checks[3]).toMatchObject({ low: 1, high: 3 });
        expect(plan.checks[4]).toMatchObject({ of: 'Happy', percent: 50, tolerance: 5 });
    });

    test('rows: attributes left out are missing, a key left out is the next free whole number, every table of the schema is there', async () => {
        const plan = await planOf(`
test Happy as of 2027-02-11T09:30:00 {
  with Customer { CustomerId = 2, Name = "Siobhan O'Brien", Satisfaction = 12.5 }
  with Customer { }
  with Customer { Birthday = today - 3 days }
  with Purchase { CustomerId = 2, PurchasedAt = now - 2 hours, Amount = -3 }
  count 0
}`);
        expect(plan.clock).toEqual({ today: '2027-02-11', now: '2027-02-11 09:30:00' });
        const customers = plan.data!.find(t => t.name === 'customers')!;
        expect(customers.columns.map(c => c.name)).toEqual(['customer_id', 'Name', 'satisfaction', 'do_not_call', 'Birthday', 'signed_up_at']);
        expect(customers.rows).toEqual([
            [2, "Siobhan O'Brien", 12.5, null, null, null],
            [1, null, null, null, null, null],
            [3, null, null, null, '2027-02-08', null]
        ]);
        expect(plan.data!.find(t => t.name === 'purchases')!.rows).toEqual([[1, 2, null, '2027-02-11 07:30:00', -3]]);
        expect(plan.data!.map(t => t.name).sort()).toEqual(['customers', 'gifts', 'products', 'purchases']);
    });

    test('a test without rows reads the workspace database; a title is optional', async () => {
        const plan = await planOf('test Listed as of 2027-02-11 { members 1, 2 }');
        expect(plan.data).toBeUndefined();
        expect(plan.title).toBeUndefined();
    });

    test('an event entity\'s record whose time is left out has always existed (0001-01-01)', async () => {
        const built = await build({
            'schema.segment': `entity Customer from customers key CustomerId time SignedUpAt { CustomerId number  SignedUpAt datetime  Joined date }
entity Visit from visits key VisitId time On { VisitId number  CustomerId number -> Customer  On date }`,
            'tests.segment': `dynamic segment S { audience Customer group { count(Visit) > 0 } }
test S as of 2027-02-11T10:00:00 { with Customer { } with Visit { CustomerId = 1 } members 1 }`
        });
        const model = built.documents[1].parseResult.value as ast.Model;
        const data = lowerTest(model.tests[0], built.model).plan!.data!;
        expect(data.find(t => t.name === 'customers')!.rows).toEqual([[1, '0001-01-01 00:00:00', null]]);
        expect(data.find(t => t.name === 'visits')!.rows).toEqual([[1, 1, '0001-01-01']]);
    });

    test('keys are exact beyond 2^53, text keys are text', async () => {
        const plan = await planOf('test Happy as of 2027-02-11 { with Customer { CustomerId = 9007199254740993 } members 9007199254740993 }');
        expect(plan.data!.find(t => t.name === 'customers')!.rows[0][0]).toBe(9007199254740993n);
        expect(plan.checks[0]).toMatchObject({ keys: [9007199254740993n] });
    });

    test('keywords of tests (`test`, `as`, `of`) are names where no keyword can stand', async () => {
        const built = await build({
            'schema.segment': 'entity Exam from exams key Id { Id number  test text column of  as number column "as" }',
            'tests.segment': 'dynamic segment S { audience Exam  group { Exam.test = "x" and Exam.as > 1 } }\ntest S as of 2027-02-11 { with Exam { test = "x", as = 2 } members 1 }'
        });
        expect(built.diagnostics).toEqual([]);
    });
});

describe('what a test may not say', () => {
    test('a test pins its instant: none is `test-instant-missing`, `today`, `now` or an offset is `test-instant-relative`, a day that does not exist `invalid-date`', async () => {
        expect(await diagnosticsOf(`
test Happy { count 1 }
test Happy as of now { count 1 }
test Happy as of today { count 1 }
test Happy as of 2027-02-11 - 1 days { count 1 }
test Happy as of 2027-02-30 { count 1 }`)).toEqual(['2: test-instant-missing', '3: test-instant-relative', '4: test-instant-relative', '5: test-instant-relative', '6: invalid-date']);
    });

    test('unknown names: the segment (`unknown-segment`), an entity or attribute of a row (`unknown-entity`, `unknown-attribute`), another segment of a check', async () => {
        expect(await diagnosticsOf(`
test Nobody as of 2027-02-11 { count 1 }
test Happy as of 2027-02-11 {
  with Client { Id = 1 }
  with Customer { Satisfactoin = 3 }
  members within Nowhere
}`)).toEqual(['2: unknown-segment', '4: unknown-entity', '4: unknown-attribute', '5: unknown-attribute', '6: unknown-segment']);
    });

    test('a value must fit its attribute\'s type (`test-value-type`); a row names an attribute once (`test-duplicate-attribute`) and a key once per table (`test-duplicate-key`)', async () => {
        expect(await diagnosticsOf(`
test Happy as of 2027-02-11 {
  with Customer { Satisfaction = "high" }
  with Customer { Name = 3 }
  with Customer { DoNotCall = 1 }
  with Customer { Birthday = 2027-01-01T10:00:00 }
  with Customer { Birthday = now }
  with Customer { CustomerId = "7" }
  with Customer { Name = "a", Name = "b" }
  with Customer { CustomerId = 5 }
  with Customer { CustomerId = 5 }
  count 1
}`)).toEqual(['3: test-value-type', '4: test-value-type', '5: test-value-type', '6: test-value-type', '7: test-value-type', '8: test-value-type', '9: test-duplicate-attribute', '11: test-duplicate-key']);
    });

    test('keys of checks have the audience key\'s type (`key-type`); a count is a whole number and a range goes up (`test-count`); shares are at most 100% (`test-share-range`)', async () => {
        expect(await diagnosticsOf(`
test Happy as of 2027-02-11 {
  members 1, "2"
  count 2.5
  count between 5 and 3
  count 150% of Happy within 5%
  count 10% of Happy within 101%
}`)).toEqual(['3: key-type', '4: test-count', '5: test-count', '6: test-share-range', '7: test-share-range']);
    });

    test('segments compared share one audience (`test-audience-mismatch`)', async () => {
        expect(await diagnosticsOf(`
test Happy as of 2027-02-11 { members within Security  no members in Security  count 10% of Security within 1% }`)).toEqual(['2: test-audience-mismatch', '2: test-audience-mismatch', '2: test-audience-mismatch']);
    });

    test('`by` names what can keep a profile out of that segment (`test-reason`): a named block or `group N` / `sequence N`, a compound part, a `top` or `sample` step it has; a static segment has none', async () => {
        expect(await diagnosticsOf(`
test Happy as of 2027-02-11 { not members 1 by Satisfied  not members 1 by group 2  not members 1 by Unknown  not members 1 by group 3  not members 1 by sequence 1  not members 1 by top }
test Buyers as of 2027-02-11 { not members 1 by group 1  not members 1 by top  not members 1 by sample }
test HappyBuyers as of 2027-02-11 { not members 1 by Buyers  not members 1 by Listed  not members 1 by group 1 }
test Listed as of 2027-02-11 { not members 3 by group 1 }`)).toEqual([
            '2: test-reason', '2: test-reason', '2: test-reason', '2: test-reason',
            '3: test-reason',
            '4: test-reason', '4: test-reason',
            '5: test-reason'
        ]);
    });

    test('a test that checks nothing is the warning `test-no-checks`', async () => {
        const built = await build({ 'schema.segment': SCHEMA, 'segments.segment': SEGMENTS, 'tests.segment': 'test Happy as of 2027-02-11 { with Customer { } }' });
        expect(built.diagnostics.map(d => [d.severity, d.code])).toEqual([[2, 'test-no-checks']]);
    });
});
