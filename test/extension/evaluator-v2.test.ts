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

/** FNV-1a (32 bits) of a text's UTF-8 bytes, written from reference 6.6. */
function fnv1a(text: string): number {
    let h = 2166136261;
    for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 16777619) >>> 0;
    return h;
}

const BALANCES = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, balance NUMERIC, vip INTEGER);
INSERT INTO customers VALUES (1, 'a', 500, 1), (2, 'b', 100, 0), (3, 'c', NULL, 1), (4, 'd', 900, 0), (5, 'e', 100, 1),
  (6, 'f', 300, 0), (7, 'g', NULL, 0), (8, 'h', 700, 1), (9, 'i', 50, 0), (10, 'j', 200, 1);
`;

describe('evaluator: top and sample steps', () => {
    let evaluator: InProcessEvaluator;
    const keys = Array.from({ length: 10 }, (_, i) => i + 1);

    beforeAll(async () => {
        evaluator = await smallWorkspace(BALANCES, `
entity Customer from customers key Id { Id number column id  Name text column name  Balance number column balance  Vip boolean column vip }
dynamic segment Rich { audience Customer group { Customer.Id > 1 } top 3 by Customer.Balance }
dynamic segment Poorest { audience Customer group { Customer.Id > 0 } top 40% by Customer.Balance asc }
dynamic segment Some { audience Customer group { Customer.Id > 0 } sample 50% seed "s" }
dynamic segment Both { audience Customer group { Customer.Id > 0 } sample 50% seed "s" top 2 by Customer.Name desc }
compound segment Split { Rich union Some sample 50% }
`);
    });
    afterAll(() => evaluator.session.close());

    it('previews each step with the members before and after it', async () => {
        const rich = report(await evaluator.request({ op: 'preview', segment: 'Rich', pageOffset: 0, pageSize: 10 }));
        expect(rich.steps).toMatchObject([{ step: 'top', text: 'top 3 by Customer.Balance', before: 9, after: 3 }]);
        expect(rich.page.rows.map(r => r[0])).toEqual([4, 6, 8]);
        const sampled = keys.filter(k => fnv1a(`s/${k}`) % 10000 < 5000);
        const both = report(await evaluator.request({ op: 'preview', segment: 'Both', pageOffset: 0, pageSize: 10 }));
        expect(both.steps.map(s => [s.step, s.text, s.before, s.after])).toEqual([['sample', 'sample 50% seed "s"', 10, sampled.length], ['top', 'top 2 by Customer.Name desc', sampled.length, 2]]);
        expect(both.count).toBe(2);
        // A compound segment's steps come after its parts; an unseeded sample's seed is the segment's name.
        const split = report(await evaluator.request({ op: 'preview', segment: 'Split', pageOffset: 0, pageSize: 10 }));
        const parts = [...new Set([4, 6, 8, ...sampled])].sort((a, b) => a - b);
        expect(split.parts.map(p => p.count)).toEqual([3, sampled.length]);
        expect(split.steps).toMatchObject([{ step: 'sample', text: 'sample 50%', before: parts.length, after: parts.filter(k => fnv1a(`Split/${k}`) % 10000 < 5000).length }]);
        const flow = await evaluator.request({ op: 'flow', segment: 'Split' });
        if (flow.state !== 'result') throw new Error(flow.state);
        expect(flow.flow.root.steps).toEqual(split.steps);
        expect(flow.flow.root.parts[0].segment.steps).toEqual(rich.steps);
    });

    it('explains a sample by the key\'s hash against the share, and a top by the rank and value against the cut-off', async () => {
        const h = (seed: string, k: number): number => fnv1a(`${seed}/${k}`) % 10000;
        const kept = keys.find(k => h('s', k) < 5000)!;
        const dropped = keys.find(k => h('s', k) >= 5000)!;
        const inSome = await evaluator.request({ op: 'explain', segment: 'Some', key: kept });
        expect(inSome).toMatchObject({ member: true, steps: [{ step: 'sample', before: true, passes: true, detail: `Its hash h mod 10000 is ${h('s', kept)}, below P × 100 = 5000 (50%, seed "s"), so the sample keeps it.` }] });
        const outSome = await evaluator.request({ op: 'explain', segment: 'Some', key: dropped });
        expect(outSome.steps[0].detail).toBe(`Its hash h mod 10000 is ${h('s', dropped)}, not below P × 100 = 5000 (50%, seed "s"), so the sample leaves it out.`);
        expect(outSome.member).toBe(false);

        // Balances among 2..10: 900 (4), 700 (8), 300 (6), 200 (10), 100 (2), 100 (5), 50 (9), none (3, 7).
        const third = await evaluator.request({ op: 'explain', segment: 'Rich', key: 6 });
        expect(third.steps[0].detail).toBe('It ranks 3 of 9 with Customer.Balance 300 (largest first, ties by key); the step keeps the first 3, down to 300, so it is kept.');
        const tie = await evaluator.request({ op: 'explain', segment: 'Rich', key: 5 });
        expect(tie.steps[0].detail).toBe('It ranks 6 of 9 with Customer.Balance 100 (largest first, ties by key); the step keeps the first 3, down to 300, so it is left out.');
        const none = await evaluator.request({ op: 'explain', segment: 'Rich', key: 7 });
        expect(none.steps[0].detail).toBe('It has no Customer.Balance, so it ranks after every member with one: 9 of 9 (largest first, ties by key); the step keeps the first 3, down to 300, so it is left out.');
        const notBefore = await evaluator.request({ op: 'explain', segment: 'Rich', key: 1 });
        expect(notBefore).toMatchObject({ member: false, groups: [{ passes: false }], steps: [{ before: false, passes: false, detail: 'It is not among the members before this step, so it is not ranked.' }] });
        // 40% of 10 is 4, smallest first: 50 (9), 100 (2), 100 (5), 200 (10).
        const poorest = await evaluator.request({ op: 'explain', segment: 'Poorest', key: 10 });
        expect(poorest.steps[0].detail).toBe('It ranks 4 of 10 with Customer.Balance 200 (smallest first, ties by key); the step keeps the first 4, down to 200, so it is kept.');
        const named = await evaluator.request({ op: 'explain', segment: 'Split', key: kept });
        expect(named.steps[0].detail).toMatch(/\(50%, seed "Split" \(the segment's name: no seed is written\)\)/);
    });

    it('Explain\'s verdict is the member list, for every key and segment', async () => {
        for (const segment of ['Rich', 'Poorest', 'Some', 'Both', 'Split']) {
            const members = report(await evaluator.request({ op: 'preview', segment, pageOffset: 0, pageSize: 100 })).page.rows.map(r => r[0]);
            for (const key of keys) {
                const e = await evaluator.request({ op: 'explain', segment, key });
                expect([segment, key, e.member]).toEqual([segment, key, members.includes(key)]);
            }
        }
    });
});

const JOURNEYS = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE interactions (id INTEGER PRIMARY KEY, customer_id INTEGER, kind TEXT, at TEXT);
CREATE TABLE purchases (id INTEGER PRIMARY KEY, customer_id INTEGER, at TEXT);
INSERT INTO customers VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e'), (6, 'f'), (7, 'g'), (8, 'h');
INSERT INTO interactions VALUES
  (1, 1, 'open', '2027-01-01 10:00:00'), (2, 1, 'visit', '2027-01-01 20:00:00'),
  (3, 2, 'open', '2027-01-01 10:00:00'), (4, 2, 'visit', '2027-01-03 10:00:00'),
  (5, 3, 'open', '2027-01-01 10:00:00'), (6, 3, 'visit', '2027-01-02 09:00:00'),
  (7, 4, 'visit', '2027-01-01 10:00:00'),
  (8, 5, 'open', '2027-01-01 10:00:00'), (9, 5, 'visit', '2027-01-01 11:00:00'),
  (10, 6, 'cart', '2027-01-01 10:00:00'), (11, 6, 'cart', '2027-01-10 10:00:00'),
  (12, 7, 'cart', '2027-01-05 10:00:00'),
  (13, 8, 'cart', '2027-01-08 10:00:00');
INSERT INTO purchases VALUES (1, 1, '2027-01-03 10:00:00'), (2, 3, '2027-01-20 10:00:00'), (3, 5, '2027-01-02 10:00:00'),
  (4, 6, '2027-01-02 10:00:00'), (5, 7, '2027-01-06 09:00:00');
`;

describe('evaluator: sequences', () => {
    let evaluator: InProcessEvaluator;

    beforeAll(async () => {
        evaluator = await smallWorkspace(JOURNEYS, `
entity Customer from customers key Id { Id number column id  Name text column name }
entity Interaction from interactions key InteractionId time At {
  InteractionId number column id
  CustomerId number column customer_id -> Customer
  Kind text column kind
  At datetime column at
}
entity Purchase from purchases key PurchaseId time At {
  PurchaseId number column id
  CustomerId number column customer_id -> Customer
  At datetime column at
}
dynamic segment Converted {
  audience Customer
  sequence Journey {
    Interaction where Interaction.Kind = "open"
    then Interaction where Interaction.Kind = "visit" within 1 day
    then Purchase within 7 days
  }
  intersect group Early { Customer.Id < 5 }
}
dynamic segment Abandoned {
  audience Customer
  sequence { Interaction where Interaction.Kind = "cart" then no Purchase within 2 days }
}
`);
    });
    afterAll(() => evaluator.session.close());

    it('previews a sequence as its funnel: the profiles in the sequence cut after each step, before the set operations', async () => {
        const r = report(await evaluator.request({ op: 'preview', segment: 'Converted', pageOffset: 0, pageSize: 10 }));
        expect(r.groups.map(g => [g.label, g.block, g.operator ?? '', g.count])).toEqual([['Journey', 'sequence', '', 2], ['Early', 'group', 'intersect', 4]]);
        expect(r.groups[0].steps.map(s => [s.text, s.count])).toEqual([
            ['Interaction where Interaction.Kind = "open"', 4],
            ['then Interaction where Interaction.Kind = "visit" within 1 day', 3],
            ['then Purchase within 7 days', 2]
        ]);
        expect(r.page.rows.map(row => row[0])).toEqual([1]);
        const cart = report(await evaluator.request({ op: 'preview', segment: 'Abandoned', pageOffset: 0, pageSize: 10 }));
        // For a `then no` step, the whole sequence: 6 abandoned the later cart, 8 its only one.
        expect(cart.groups[0].steps.map(s => [s.count, s.none ?? false])).toEqual([[3, false], [2, true]]);
        expect(cart.page.rows.map(row => row[0])).toEqual([6, 8]);
    });

    it('draws a sequence in the flow as a box per step with its count', async () => {
        const flow = await evaluator.request({ op: 'flow', segment: 'Converted' });
        if (flow.state !== 'result') throw new Error(flow.state);
        const [journey, early] = flow.flow.root.groups;
        expect(journey).toMatchObject({ label: 'Journey', block: 'sequence', count: 2, paths: ['Interaction → Customer', 'Purchase → Customer'] });
        expect(journey.conditions.map(c => c.count)).toEqual([4, 3, 2]);
        expect(early).toMatchObject({ block: 'group', operator: 'intersect', count: 4 });
        const cart = await evaluator.request({ op: 'flow', segment: 'Abandoned' });
        if (cart.state !== 'result') throw new Error(cart.state);
        expect(cart.flow.root.groups[0].conditions.map(c => [c.count, c.none ?? false])).toEqual([[3, false], [2, true]]);
    });

    it('explains which step a profile fails, with the record times of the chain found up to there', async () => {
        const detail = async (segment: string, key: number): Promise<[boolean, string | undefined][]> =>
            (await evaluator.request({ op: 'explain', segment, key })).groups[0].conditions.map(c => [c.passes, c.detail]);
        expect(await detail('Converted', 1)).toEqual([
            [true, 'Its Interaction record at 2027-01-01 10:00:00 starts the chain.'],
            [true, 'Its Interaction record at 2027-01-01 20:00:00 came within 1 day after the Interaction record of step 1 at 2027-01-01 10:00:00.'],
            [true, 'Its Purchase record at 2027-01-03 10:00:00 came within 7 days after the Interaction record of step 2 at 2027-01-01 20:00:00.']
        ]);
        expect(await detail('Converted', 2)).toEqual([
            [true, 'Its Interaction record at 2027-01-01 10:00:00 starts the chain.'],
            [false, 'No Interaction record satisfying its where came within 1 day after a chain of the steps before it (the earliest chain ends at 2027-01-01 10:00:00).'],
            [false, 'Not reached: a step before it fails.']
        ]);
        expect((await detail('Converted', 3))[2]).toEqual([false, 'No Purchase record came within 7 days after a chain of the steps before it (the earliest chain ends at 2027-01-02 09:00:00).']);
        expect((await detail('Converted', 4))[0]).toEqual([false, 'This profile has no Interaction record satisfying its where, so no chain starts.']);
        expect(await detail('Abandoned', 6)).toEqual([
            [true, 'Its Interaction record at 2027-01-10 10:00:00 starts the chain.'],
            [true, 'No Purchase record within 2 days after the Interaction record of step 1 at 2027-01-10 10:00:00: the sequence holds.']
        ]);
        expect(await detail('Abandoned', 7)).toEqual([
            [true, 'Its Interaction record at 2027-01-05 10:00:00 starts the chain.'],
            [false, 'A Purchase record at 2027-01-06 09:00:00 came within 2 days after the Interaction record of step 1 at 2027-01-05 10:00:00 (and after every other chain of the steps before it).']
        ]);
        // In the sequence, but not in the intersected group: not a member.
        const five = await evaluator.request({ op: 'explain', segment: 'Converted', key: 5 });
        expect([five.member, five.groups.map(g => g.passes)]).toEqual([false, [true, false]]);
        expect(five.groups[0].conditions.map(c => c.time)).toEqual(['2027-01-01 10:00:00', '2027-01-01 11:00:00', '2027-01-02 10:00:00']);
    });

    it('Explain reads only the asked profile\'s records, and its verdict is the member list', async () => {
        const { engine } = await evaluator.session.openEngine();
        const sent: string[] = [];
        const query = engine.query.bind(engine);
        engine.query = async sql => {
            sent.push(sql);
            return query(sql);
        };
        try {
            for (const segment of ['Converted', 'Abandoned']) {
                const members = report(await evaluator.request({ op: 'preview', segment, pageOffset: 0, pageSize: 10 })).page.rows.map(r => r[0]);
                for (let key = 1; key <= 8; key++) {
                    sent.length = 0;
                    const e = await evaluator.request({ op: 'explain', segment, key });
                    expect([segment, key, e.member]).toEqual([segment, key, members.includes(key)]);
                    // Every query Explain sends is filtered on the key.
                    expect(sent.length).toBeGreaterThanOrEqual(segment === 'Converted' ? 5 : 3);
                    expect(sent.filter(sql => !new RegExp(`= ${key}(\\s|\\)|$)`).test(sql))).toEqual([]);
                }
            }
        } finally {
            engine.query = query;
        }
    });
});
