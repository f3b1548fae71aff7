import type { KeyValue } from '../../compiler/keys.js';
import { describe, expect, test } from 'vitest';
import { build, codes, run } from '../support/harness.js';
import { customers, TABLES, withSegments } from '../support/shop.js';

// §6.5 Membership of another segment as a condition: `E [not] in segment NAME` is true for the
// joined record of E when it is (is not) a member of NAME, whose audience must be E.
const SHOP = TABLES + customers([
    [1, 'Ann', 80, 0, null, null], [2, 'Bob', 40, 0, null, null], [3, 'Cy', 60, 1, null, null], [4, 'Di', 10, 0, null, null]
]) + `
insert into products values (10, 'Security'), (11, 'Gifts'), (12, 'Books');
-- Best sellers (two buyers or more): 10 (Ann, Cy) and 11 (Ann, Bob). Product 12 was bought by Bob alone.
-- Ann bought only best sellers; Bob a best seller and 12; Cy a best seller; Di nothing.
insert into purchases values
  (100, 1, 10, '2027-02-10 10:00:00', 100), (101, 1, 11, '2027-02-01 10:00:00', 50),
  (102, 2, 11, '2027-02-09 08:00:00', 20), (103, 2, 12, '2026-02-09 09:00:00', 30),
  (104, 3, 10, '2026-10-20 08:00:00', 80);
`;

const BASE = `
measure Product.Buyers = count(Customer)

dynamic segment BestSellers {
  audience Product
  group { Product.Buyers >= 2 }
}

dynamic segment Happy {
  audience Customer
  status inactive
  group { Customer.Satisfaction >= 60 }
}

static segment Picked { audience Product  members 12 }

compound segment Stocked { BestSellers union Picked }
`;

function files(segments: string): Record<string, string> {
    return { ...withSegments(segments), 'base.segment': BASE };
}

async function members(condition: string, audience = 'Customer', asOf = '2027-02-11'): Promise<readonly KeyValue[]> {
    const keys = await run(files(`dynamic segment S {\n  audience ${audience}\n  group {\n    ${condition}\n  }\n}\n`), SHOP, asOf);
    return keys('S');
}

describe('E in segment NAME is about the joined record of E', () => {
    test('the reference\'s example: bought a best seller', async () => {
        const keys = await run(files(''), SHOP);
        expect(await keys('BestSellers')).toEqual([10, 11]);
        expect(await members('Product in segment BestSellers')).toEqual([1, 2, 3]);
    });

    test('with other conditions on the same joined records: that same product, that same purchase', async () => {
        expect(await members('Product in segment BestSellers and Product.Category = "Gifts"')).toEqual([1, 2]);
        expect(await members('Product in segment BestSellers and Purchase.Amount < 50')).toEqual([2]);
        expect(await members('Product in segment BestSellers and Purchase.Amount = 30')).toEqual([]);
    });

    test('for the audience entity itself it is a filter on the profile', async () => {
        expect(await members('Customer in segment Happy')).toEqual([1, 3]);
        expect(await members('Customer not in segment Happy')).toEqual([2, 4]);
        expect(await members('Customer in segment Happy and Product in segment BestSellers and Product.Category = "Gifts"')).toEqual([1]);
    });

    test('NAME may be of any kind and of any status: static, compound, inactive', async () => {
        expect(await members('Product in segment Picked')).toEqual([2]);
        expect(await members('Product in segment Stocked')).toEqual([1, 2, 3]);
        expect(await members('Product in segment Stocked', 'Product')).toEqual([10, 11, 12]);
    });

    test('both segments are evaluated at the same instant', async () => {
        // RecentBuyers reads `in last 30 days` at the instant of the run that names it: as of
        // 2026-11-01 only Cy's last purchase (2026-10-20) is in its window.
        const recent = `dynamic segment RecentBuyers { audience Customer group { max(Purchase.PurchasedAt) in last 30 days } }
dynamic segment S { audience Customer group { Customer in segment RecentBuyers } }`;
        const now = await run(files(recent), SHOP, '2027-02-11');
        expect(await now('S')).toEqual([1, 2]);
        const before = await run(files(recent), SHOP, '2026-11-01');
        expect(await before('S')).toEqual([3]);
    });
});

describe('membership is existential, like any condition on a joined record', () => {
    test('Product not in segment BestSellers: bought some product that is not a best seller', async () => {
        expect(await members('Product not in segment BestSellers')).toEqual([2]);
    });

    test('not in segment is false for a customer with no purchases', async () => {
        expect(await members('Product not in segment BestSellers')).not.toContain(4);
        expect(await members('not Product in segment BestSellers')).toEqual([2]);
    });

    test('"never bought a best seller" is exclude group { Product in segment BestSellers }', async () => {
        const keys = await run(files(`dynamic segment Never {
  audience Customer
  group { Customer.CustomerId > 0 }
  exclude group { Product in segment BestSellers }
}`), SHOP);
        expect(await keys('Never')).toEqual([4]);
    });
});

describe('in an aggregate\'s or a measure\'s where', () => {
    test('count(Purchase where Product in segment BestSellers)', async () => {
        expect(await members('count(Purchase where Product in segment BestSellers) >= 2')).toEqual([1]);
        expect(await members('count(Purchase where Product not in segment BestSellers) = 0')).toEqual([1, 3, 4]);
    });

    test('a measure of the spend on best sellers: what a measure that would use a measure writes instead', async () => {
        const keys = await run(files(`measure Customer.BestSellerSpend = sum(Purchase.Amount where Product in segment BestSellers)
dynamic segment S { audience Customer group { Customer.BestSellerSpend >= 80 } }`), SHOP);
        expect(await keys('S')).toEqual([1, 3]);
    });
});

describe('in segment errors', () => {
    const segment = (condition: string, name = 'S'): string => `dynamic segment ${name} { audience Customer group { ${condition} } }\n`;

    test('NAME\'s audience must be the entity', async () => {
        expect(await codes(files(segment('Product in segment Happy')))).toEqual(['audience-mismatch']);
        expect(await codes(files(segment('Customer in segment BestSellers')))).toEqual(['audience-mismatch']);
        const built = await build(files(segment('Customer in segment BestSellers')));
        expect(built.diagnostics[0].message).toBe('BestSellers returns Product profiles, so a Customer is never one of its members: name a segment whose audience is Customer, or write `Product in segment BestSellers`.');
    });

    test('an unknown segment, with the closest names', async () => {
        const built = await build(files(segment('Product in segment BestSeller')));
        expect(built.diagnostics.map(d => [d.code, d.message])).toEqual([['unknown-segment', 'No segment is named BestSeller. Did you mean BestSellers?']]);
    });

    test('a segment naming itself, directly or through others, is a cycle, and the message names it', async () => {
        const direct = await build(files(segment('Customer in segment S')));
        expect(direct.diagnostics.map(d => [d.code, d.message])).toEqual([['segment-cycle', 'S refers to itself: S → S. Remove one of these references.']]);
        const through = await build(files(segment('Customer in segment T') + segment('Customer not in segment S', 'T')));
        expect(through.diagnostics.map(d => d.message).sort()).toEqual([
            'S refers to itself: S → T → S. Remove one of these references.',
            'T refers to itself: T → S → T. Remove one of these references.'
        ]);
        expect(through.plans.plans.has('S')).toBe(false);
    });

    test('through compound segments and through measures', async () => {
        const compound = await build(files(`${segment('Customer in segment C')}compound segment C { S union Happy }\n`));
        expect(compound.diagnostics.filter(d => d.severity === 1).map(d => d.code)).toEqual(['segment-cycle', 'segment-cycle']);
        const measure = await build(files(`measure Customer.Loyal = count(Purchase where Customer in segment S)
${segment('Customer.Loyal > 1')}`));
        expect(measure.diagnostics.map(d => [d.code, d.message])).toEqual([['segment-cycle', 'S refers to itself: S → Customer.Loyal → S. Remove one of these references.']]);
        expect(measure.plans.plans.has('S')).toBe(false);
    });

    test('a segment naming a segment with errors gets no plan', async () => {
        const built = await build(files(`${segment('Customer in segment Broken')}dynamic segment Broken { audience Customer group { Name > 3 } }\n`));
        expect(built.diagnostics.map(d => d.code)).toEqual(['type-mismatch']);
        expect(built.plans.plans.has('S')).toBe(false);
    });
});
