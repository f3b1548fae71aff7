import type { KeyValue } from '../../compiler/keys.js';
import { describe, expect, test } from 'vitest';
import { build, run } from '../support/harness.js';
import { customers, dynamic, TABLES, withSegments } from '../support/shop.js';

// §4.2 Aggregates: over the distinct related records, with `where`, and their values when
// there are no related records.
const SHOP = TABLES + customers([
    [1, 'Ann', 1, 0, null, null], [2, 'Bob', 1, 0, null, null], [3, 'Cy', 1, 0, null, null], [4, 'Di', 1, 0, null, null]
]) + `
insert into products values (10, 'Security'), (11, 'Gifts');
insert into purchases values
  (100, 1, 10, '2027-02-10 10:00:00', 100), (101, 1, 10, '2026-01-01 10:00:00', 300), (102, 1, 11, '2027-02-01 10:00:00', 50),
  (103, 2, 11, '2027-02-12T08:00:00Z', 20), (104, 2, 11, '2027-02-13 08:00:00', NULL),
  (105, 3, 10, '2027-01-20 08:00:00', 80);
`;

async function members(condition: string): Promise<readonly KeyValue[]> {
    const keys = await run(withSegments(dynamic(condition)), SHOP, '2027-02-14');
    return keys('S');
}

describe('count', () => {
    test.each([
        ['count(Purchase) >= 2', [1, 2]],
        ['count(Purchase) = 0', [4]],
        ['count(Purchase where Purchase.PurchasedAt in last 30 days) >= 2', [1, 2]],
        ['count(Purchase where Purchase.PurchasedAt in last 30 days) = 0', [4]],
        ['count(Purchase where Product.Category = "Security") = 1', [3]],
        ['count(Product) = 2', [1]],
        ['count(Product where Product.Category = "Gifts") = 1', [1, 2]]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });
});

describe('sum, avg, min, max', () => {
    test.each([
        ['sum(Purchase.Amount) > 100', [1]],
        ['sum(Purchase.Amount) = 0', [4]],
        ['sum(Purchase.Amount) = 20', [2]],
        ['sum(Purchase.Amount where Product.Category = "Security") >= 80', [1, 3]],
        ['avg(Purchase.Amount) between 20 and 80', [2, 3]],
        ['avg(Purchase.Amount) > 0', [1, 2, 3]],
        ['min(Purchase.Amount) < 60', [1, 2]],
        ['max(Purchase.Amount) >= 300', [1]],
        ['max(Purchase.PurchasedAt) in last 7 days', [1, 2]]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });

    test('with no related records avg, min and max are missing: the comparison is false, its negation true', async () => {
        expect(await members('avg(Purchase.Amount) < 1000')).toEqual([1, 2, 3]);
        expect(await members('not avg(Purchase.Amount) < 1000')).toEqual([4]);
        expect(await members('min(Purchase.Amount) is empty')).toEqual([4]);
    });
});

test('aggregates sit beside other conditions in a group', async () => {
    expect(await members('Product.Category = "Gifts" and count(Purchase) >= 2')).toEqual([1, 2]);
    expect(await members('Name = "Cy" or sum(Purchase.Amount) = 20')).toEqual([2, 3]);
});

describe('aggregate errors', () => {
    test.each([
        ['sum(Purchase.PurchasedAt) > 1', 'aggregate-type'],
        ['avg(Customer.Name) > 1', 'aggregate-type'],
        ['count(Purchase where count(Product) > 1) > 1', 'nested-aggregate'],
        ['count(Purchase) > "many"', 'type-mismatch']
    ])('%s is %s', async (condition, code) => {
        const built = await build(withSegments(dynamic(condition)));
        expect(built.diagnostics.map(d => d.code)).toContain(code);
    });
});
