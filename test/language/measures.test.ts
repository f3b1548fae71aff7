import { describe, expect, test } from 'vitest';
import { build, codes, run } from '../support/harness.js';
import { customers, TABLES, withSegments } from '../support/shop.js';

// §6.4 Measures: a computed attribute of an entity, the aggregate over the distinct records
// related to each of its records, used as `Entity.Name` wherever an attribute of it may be.
const SHOP = TABLES + customers([
    [1, 'Ann', 80, 0, null, null], [2, 'Bob', 40, 0, null, null], [3, 'Cy', 60, 0, null, null], [4, 'Di', 10, 0, null, null]
]) + `
insert into products values (10, 'Security'), (11, 'Gifts'), (12, 'Books');
-- Ann: 100 + 300 + 50 (one of them 90 days ago and more); Bob: 20 and a purchase without amount;
-- Cy: 80, long ago; Di: nothing. Product 10 has two buyers (Ann, Cy), 11 two (Ann, Bob), 12 none.
insert into purchases values
  (100, 1, 10, '2027-02-10 10:00:00', 100), (101, 1, 10, '2026-01-01 10:00:00', 300), (102, 1, 11, '2027-02-01 10:00:00', 50),
  (103, 2, 11, '2027-02-09 08:00:00', 20), (104, 2, 11, '2027-02-09 09:00:00', NULL),
  (105, 3, 10, '2026-10-20 08:00:00', 80);
`;

const MEASURES = `
measure Customer.LifetimeValue "Total spent" = sum(Purchase.Amount)
measure Customer.RecentOrders = count(Purchase where Purchase.PurchasedAt in last 90 days)
measure Customer.LastPurchase = max(Purchase.PurchasedAt)
measure Customer.AverageOrder = avg(Purchase.Amount)
measure Customer.SmallestOrder = min(Purchase.Amount)
measure Product.Buyers = count(Customer)
measure Product.Revenue = sum(Purchase.Amount)
`;

function segment(condition: string, audience = 'Customer'): string {
    return `dynamic segment S {\n  audience ${audience}\n  group {\n    ${condition}\n  }\n}\n`;
}

async function members(condition: string, audience = 'Customer') {
    const keys = await run({ ...withSegments(segment(condition, audience)), 'measures.segment': MEASURES }, SHOP);
    return keys('S');
}

describe('a measure is the aggregate over the records related to each record of its entity', () => {
    test.each([
        ['Customer.LifetimeValue > 400', [1]],
        ['Customer.LifetimeValue = 20', [2]],
        ['Customer.LifetimeValue between 50 and 100', [3]],
        ['Customer.RecentOrders >= 2', [1, 2]],
        ['Customer.LastPurchase in last 7 days', [1, 2]],
        ['Customer.LastPurchase before 2027-02-01', [3]],
        ['Customer.AverageOrder > 100', [1]],
        ['Customer.SmallestOrder < 60', [1, 2]],
        ['Customer.LifetimeValue in (20, 80)', [2, 3]]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });

    test('no related records: count and sum are 0, the others missing', async () => {
        expect(await members('Customer.LifetimeValue = 0')).toEqual([4]);
        expect(await members('Customer.RecentOrders = 0')).toEqual([3, 4]);
        expect(await members('Customer.RecentOrders < 1')).toEqual([3, 4]);
        expect(await members('Customer.AverageOrder < 1000')).toEqual([1, 2, 3]);
        expect(await members('not Customer.AverageOrder < 1000')).toEqual([4]);
        expect(await members('Customer.LastPurchase is empty')).toEqual([4]);
        expect(await members('Customer.LifetimeValue is empty')).toEqual([]);
        expect(await members('Customer.SmallestOrder is not empty')).toEqual([1, 2, 3]);
    });

    test('sum is decimal arithmetic', async () => {
        const cents = TABLES + customers([[1, 'Ann', 1, 0, null, null]]) + `
insert into products values (10, 'Security');
insert into purchases values ${[1.98, 13.86, 8.91, 1.98, 3.96, 5.94, 0.99].map((a, i) => `(${i + 1}, 1, 10, '2027-01-01 10:00:00', ${a})`).join(', ')};`;
        const keys = await run({ ...withSegments(segment('Customer.LifetimeValue = 37.62')), 'measures.segment': MEASURES }, cents);
        expect(await keys('S')).toEqual([1]);
    });

    test('a measure of a related entity is about the joined record: Product.Buyers > 1 is a product of one of the purchases', async () => {
        expect(await members('Product.Buyers > 1')).toEqual([1, 2, 3]);
        expect(await members('Product.Buyers > 1 and Product.Category = "Gifts"')).toEqual([1, 2]);
        expect(await members('Product.Revenue >= 480')).toEqual([1, 3]);
        expect(await members('Product.Buyers = 0', 'Product')).toEqual([12]);
    });

    test('over the distinct related records: a customer who bought a product twice is one buyer', async () => {
        expect(await members('Product.Buyers = 2', 'Product')).toEqual([10, 11]);
        expect(await members('Product.Buyers = 3', 'Product')).toEqual([]);
        expect(await members('count(Purchase) = 3', 'Product')).toEqual([10, 11]);
    });

    test('a where with a time window is read as of the run', async () => {
        const keys = async (asOf: string) => (await run({ ...withSegments(segment('Customer.RecentOrders >= 1')), 'measures.segment': MEASURES }, SHOP, asOf))('S');
        expect(await keys('2027-02-11')).toEqual([1, 2]);
        expect(await keys('2026-03-01')).toEqual([1]);
    });

    test('via picks the path as on groups', async () => {
        const gifts = SHOP + 'insert into gifts values (1, 1, 2, 50), (2, 1, 3, 10), (3, 2, 1, 5);';
        const measures = `measure Customer.GiftsSent via Gift.SenderId = count(Gift)
measure Customer.GiftsReceived via Gift.RecipientId = sum(Gift.Value)`;
        const keys = await run({ ...withSegments(segment('Customer.GiftsSent >= 2') + segment('Customer.GiftsReceived > 6').replace('segment S', 'segment R')), 'measures.segment': measures }, gifts);
        expect(await keys('S')).toEqual([1]);
        expect(await keys('R')).toEqual([2, 3]);
    });

    test('min and max have the attribute\'s type: a datetime compared with a date by its calendar date', async () => {
        expect(await members('Customer.LastPurchase = 2027-02-10')).toEqual([1]);
        expect(await members('Customer.LastPurchase after 2027-02-09T08:30:00')).toEqual([1, 2]);
    });

    test('measures sit beside attributes, aggregates and other measures in a group', async () => {
        expect(await members('Customer.LifetimeValue > 10 and Satisfaction < 50')).toEqual([2]);
        expect(await members('Customer.RecentOrders = 0 or count(Purchase) >= 3')).toEqual([1, 3, 4]);
        expect(await members('Customer.LifetimeValue > 10 and Customer.RecentOrders = 0')).toEqual([3]);
    });

    test('excluded groups read measures two-valued', async () => {
        const keys = await run({
            ...withSegments(`dynamic segment S {
  audience Customer
  group { Satisfaction > 0 }
  exclude group { Customer.AverageOrder > 50 }
}`), 'measures.segment': MEASURES
        }, SHOP);
        expect(await keys('S')).toEqual([2, 4]);
    });

    test('a measure is declared in any file of the workspace, and the same measure read twice is computed once per statement', async () => {
        const built = await build({ ...withSegments(segment('Customer.LifetimeValue > 10 and not Customer.LifetimeValue > 90')), 'measures.segment': MEASURES });
        expect(built.diagnostics.filter(d => d.severity === 1)).toEqual([]);
        const plan = built.plans.plans.get('S');
        expect(plan?.kind).toBe('dynamic');
        const { segmentSql } = await import('../../compiler/sql/to-sql.js');
        const { sqliteDialect } = await import('../../compiler/sql/sqlite-dialect.js');
        const sql = segmentSql(plan!, { dialect: sqliteDialect, clock: { today: '2027-02-11', now: '2027-02-11 23:59:59' }, plans: built.plans.plans });
        expect(sql.match(/SUM\(/g)?.length).toBe(1);
        expect(sql.startsWith('WITH')).toBe(true);
    });
});

describe('show lists measures next to the key', () => {
    test('values per member: sums as decimals, counts, missing values', async () => {
        const built = await build({
            ...withSegments(`dynamic segment S {
  audience Customer
  show Customer.Name, Customer.LifetimeValue, Customer.RecentOrders, Customer.AverageOrder
  group { Satisfaction > 0 }
}`), 'measures.segment': MEASURES
        });
        expect(built.diagnostics.filter(d => d.severity === 1)).toEqual([]);
        const { SegmentRunner } = await import('../../engine/runner.js');
        const { database } = await import('../support/harness.js');
        const { clockAsOf } = await import('../../compiler/time.js');
        const engine = await database(SHOP);
        const runner = new SegmentRunner(engine, built.plans.plans, clockAsOf('2027-02-11'));
        const keys = await runner.keys('S');
        const shown = await runner.showRows('S', keys);
        expect(shown.columns).toEqual(['CustomerId', 'Name', 'LifetimeValue', 'RecentOrders', 'AverageOrder']);
        expect(shown.rows).toEqual([[1, 'Ann', 450, 2, 150], [2, 'Bob', 20, 2, 20], [3, 'Cy', 80, 0, 80], [4, 'Di', 0, 0, null]]);
    });
});

describe('show lists measures of entities the audience refers to', () => {
    test('the buyers of each purchase\'s product', async () => {
        const built = await build({
            ...withSegments(`dynamic segment P {
  audience Purchase
  show Product.Buyers, Product.Revenue
  group { Purchase.Amount >= 80 }
}`), 'measures.segment': MEASURES
        });
        const { SegmentRunner } = await import('../../engine/runner.js');
        const { database } = await import('../support/harness.js');
        const { clockAsOf } = await import('../../compiler/time.js');
        const runner = new SegmentRunner(await database(SHOP), built.plans.plans, clockAsOf('2027-02-11'));
        const shown = await runner.showRows('P', await runner.keys('P'));
        expect(shown.columns).toEqual(['PurchaseId', 'Product.Buyers', 'Product.Revenue']);
        expect(shown.rows).toEqual([[100, 2, 480], [101, 2, 480], [105, 2, 480]]);
    });
});

describe('measure errors', () => {
    const withMeasure = (measures: string, segments = ''): Record<string, string> => ({ ...withSegments(segments), 'measures.segment': measures });

    test.each([
        ['measure Customer.Total = sum(Purchase.PurchasedAt)', 'aggregate-type'],
        ['measure Customer.Name = count(Purchase)', 'measure-name-taken'],
        ['measure Customer.Total = count(Purchase)\nmeasure Customer.Total = sum(Purchase.Amount)', 'duplicate-measure'],
        ['measure Customer.Total = count(Purchase)\nmeasure Customer.Twice = sum(Customer.Total)', 'nested-measure'],
        ['measure Customer.Total = count(Purchase)\nmeasure Customer.Big = count(Purchase where Customer.Total > 2)', 'nested-measure'],
        ['measure Customer.Gifts = count(Gift)', 'ambiguous-path'],
        ['measure Customer.Gifts via Gift.SenderId, Gift.RecipientId = count(Gift)', 'ambiguous-path'],
        ['measure Customer.Total via Customer.Name = count(Purchase)', 'via-not-relationship']
    ])('%s is %s', async (measures, code) => {
        expect(await codes(withMeasure(measures))).toContain(code);
    });

    test('a measure via one of two paths is fine', async () => {
        expect(await codes(withMeasure('measure Customer.GiftsSent via Gift.SenderId = count(Gift)'))).toEqual([]);
    });

    test('a measure inside an aggregate of a segment, its where included, is nested-measure', async () => {
        const measures = 'measure Product.Buyers = count(Customer)';
        expect(await codes(withMeasure(measures, segment('count(Purchase where Product.Buyers > 2) > 1')))).toContain('nested-measure');
        expect(await codes(withMeasure(measures, segment('max(Product.Buyers) > 1')))).toContain('nested-measure');
    });

    test('the message of an ambiguous measure path says to write via on the measure', async () => {
        const built = await build(withMeasure('measure Customer.Gifts = count(Gift)'));
        const diagnostic = built.diagnostics.find(d => d.code === 'ambiguous-path');
        expect(diagnostic?.message).toContain('`via` on the measure');
        expect(diagnostic?.file).toBe('measures.segment');
    });

    test('a segment using a measure with errors is not planned', async () => {
        const built = await build(withMeasure('measure Customer.Total = sum(Purchase.PurchasedAt)', segment('Customer.Total > 1')));
        expect(built.plans.plans.has('S')).toBe(false);
    });

    test('types fit as for attributes', async () => {
        const measures = MEASURES;
        expect(await codes(withMeasure(measures, segment('Customer.LastPurchase > 5')))).toEqual(['type-mismatch']);
        expect(await codes(withMeasure(measures, segment('Customer.LifetimeValue > "x"')))).toEqual(['type-mismatch']);
        expect(await codes(withMeasure(measures, segment('Customer.LastPurchase contains "x"')))).toEqual(['text-operator-type']);
    });

    test('one measure of one record equal to two values is a contradiction; measures of two entities are not', async () => {
        expect(await codes(withMeasure(MEASURES, segment('Customer.LifetimeValue = 1 and Customer.LifetimeValue = 2')))).toEqual(['contradiction']);
        expect(await codes(withMeasure(MEASURES, segment('Customer.LifetimeValue = 1 and Product.Revenue = 2')))).toEqual([]);
    });

    test('a bare name is an audience attribute, never a measure', async () => {
        expect(await codes(withMeasure('measure Customer.Total = count(Purchase)', segment('Total > 1')))).toContain('unknown-attribute');
    });
});
