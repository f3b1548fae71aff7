import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewState, SegmentReport } from '../../extension/src/shared/data.js';
import { smallWorkspace, type InProcessEvaluator } from './sample-workspace.js';

function report(p: PreviewState): SegmentReport {
    if (p.state !== 'result') throw new Error(`expected a result, got ${JSON.stringify(p)}`);
    return p.report;
}

const SHOP = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE purchases (id INTEGER PRIMARY KEY, customer_id INTEGER, amount NUMERIC, at TEXT);
INSERT INTO customers VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy');
INSERT INTO purchases VALUES (10, 1, 12.50, '2027-01-01 10:00:00'), (11, 1, 7.25, '2027-01-03 10:00:00'), (12, 2, 30, '2027-01-02 09:00:00');
`;

const SCHEMA = `
entity Customer from customers key Id { Id number column id  Name text column name }
entity Purchase from purchases key PurchaseId time At {
  PurchaseId number column id
  CustomerId number column customer_id -> Customer
  Amount number column amount
  At datetime column at
}
`;

/** The views on segments that cannot run: each says why in a sentence, none throws a stack at the user. */
describe('evaluator: a segment that cannot run', () => {
    let evaluator: InProcessEvaluator;

    beforeAll(async () => {
        evaluator = await smallWorkspace(SHOP, `${SCHEMA}
measure Customer.Bad = sum(Purchase.Nope)
dynamic segment UsesBad { audience Customer group { Customer.Bad > 1 } }
dynamic segment Broken { audience Customer group { Customer.Nam = "x" } }
dynamic segment InBroken { audience Customer group { Customer in segment Broken } }
compound segment OfBroken { InBroken union UsesBad }
`);
    });
    afterAll(() => evaluator.session.close());

    it('names what it uses that cannot run, in the preview, the flow and the dashboard', async () => {
        const expected: Record<string, RegExp> = {
            Broken: /^Customer has no attribute or measure Nam\. Did you mean Name\?$/,
            InBroken: /^Segment Broken \(in segment\) cannot run: Customer has no attribute or measure Nam\./,
            OfBroken: /^Part InBroken cannot run: Segment Broken \(in segment\) cannot run: Customer has no attribute or measure Nam\./,
            UsesBad: /^Measure Customer\.Bad has errors: Purchase has no attribute Nope\.$/
        };
        const dashboard = await evaluator.request({ op: 'dashboard', record: false });
        for (const [segment, message] of Object.entries(expected)) {
            const preview = await evaluator.request({ op: 'preview', segment, pageOffset: 0, pageSize: 5 });
            if (preview.state !== 'errors') throw new Error(`${segment}: ${preview.state}`);
            expect(preview.problems[0].message).toMatch(message);
            const flow = await evaluator.request({ op: 'flow', segment });
            expect(flow).toMatchObject({ state: 'errors', problems: [{ message: expect.stringMatching(message) }] });
            expect(dashboard.rows.find(r => r.name === segment)).toMatchObject({ status: 'error', error: expect.stringMatching(message) });
        }
        // A compound segment that cannot run still says its audience.
        expect(dashboard.rows.find(r => r.name === 'OfBroken')?.audience).toBe('Customer');
    });

    it('commands on it fail with one sentence', async () => {
        await expect(evaluator.request({ op: 'explain', segment: 'OfBroken', key: 1 })).rejects.toThrow(/^OfBroken cannot run: Part InBroken cannot run: /);
        await expect(evaluator.request({ op: 'sql', segment: 'UsesBad' })).rejects.toThrow(/^UsesBad cannot run: Measure Customer\.Bad has errors: Purchase has no attribute Nope\.$/);
        await expect(evaluator.request({ op: 'freeze', segment: 'InBroken' })).rejects.toThrow(/^InBroken cannot run: /);
    });
});

describe('evaluator: measures in show', () => {
    let evaluator: InProcessEvaluator;

    beforeAll(async () => {
        evaluator = await smallWorkspace(SHOP, `${SCHEMA}
measure Customer.Spent "Total spent" = sum(Purchase.Amount)
measure Customer.Last = max(Purchase.At)
dynamic segment Everyone { audience Customer show Customer.Name, Customer.Spent, Customer.Last group { Customer.Id > 0 } }
`, '2027-01-02');
    });
    afterAll(() => evaluator.session.close());

    it('lists a measure shown as a column, computed as of the run (later purchases do not count)', async () => {
        const r = report(await evaluator.request({ op: 'preview', segment: 'Everyone', pageOffset: 0, pageSize: 10 }));
        expect(r.page.columns).toEqual(['Id', 'Name', 'Spent', 'Last']);
        // As of 2027-01-02, Ann's purchase of 2027-01-03 does not exist yet.
        expect(r.page.rows).toEqual([[1, 'Ann', 12.5, '2027-01-01 10:00:00'], [2, 'Bob', 30, '2027-01-02 09:00:00'], [3, 'Cy', 0, null]]);
    });
});
