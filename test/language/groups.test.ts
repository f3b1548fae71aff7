import { describe, expect, test } from 'vitest';
import { build, run } from '../support/harness.js';
import { customers, dynamic, TABLES, withSegments } from '../support/shop.js';

// §3.1 Groups: joins along shortest paths with shared prefixes, one record per entity name,
// and set operations applied left to right.
const SHOP = TABLES + customers([
    [1, 'Ann', 50, 0, null, null], [2, 'Bob', 70, 0, null, null], [3, 'Cy', 40, 0, null, null], [4, 'Di', 10, 0, null, null]
]) + `
insert into products values (10, 'Security'), (11, 'Gifts'), (5567, 'Security');
-- Ann bought security 10 cheaply and gifts dearly; Bob bought security 10 dearly;
-- Cy bought only 5567; Di bought nothing.
insert into purchases values (100, 1, 10, '2027-01-01 10:00:00', 5), (101, 1, 11, '2027-01-02 10:00:00', 500),
                             (102, 2, 10, '2027-01-03 10:00:00', 300), (103, 3, 5567, '2027-01-04 10:00:00', 50);
`;

describe('a group is the set of profiles with some combination of related records making the condition true', () => {
    test('the seed: security products except 5567, satisfaction under 60', async () => {
        const keys = await run(withSegments(dynamic('Product.Category = "Security" and Product.ProductID != 5567 and Customer.Satisfaction < 60')), SHOP);
        expect(await keys('S')).toEqual([1]);
    });

    test('Product and Purchase in one group mean a product of one purchase, and that same purchase', async () => {
        // Ann bought security (cheap) and gifts (dear): no single purchase is both security and dear.
        const keys = await run(withSegments(dynamic('Product.Category = "Security" and Purchase.Amount > 100')), SHOP);
        expect(await keys('S')).toEqual([2]);
    });

    test('one entity name means one record: two categories of one product is empty', async () => {
        const keys = await run(withSegments(dynamic('Product.Category = "Security" and Product.Category = "Gifts"')), SHOP);
        expect(await keys('S')).toEqual([]);
    });

    test('"bought A and bought B" is two groups joined by intersect', async () => {
        const keys = await run(withSegments(`dynamic segment S {
  audience Customer
  group { Product.Category = "Security" }
  intersect group { Product.Category = "Gifts" }
}`), SHOP);
        expect(await keys('S')).toEqual([1]);
    });

    test('or inside a group ranges over the same joined records', async () => {
        const keys = await run(withSegments(dynamic('Product.Category = "Gifts" or Customer.Satisfaction > 60')), SHOP);
        expect(await keys('S')).toEqual([1, 2]);
    });

    test('a group that names only the audience is a plain filter, and keeps profiles with no related records', async () => {
        const keys = await run(withSegments(dynamic('Satisfaction < 20')), SHOP);
        expect(await keys('S')).toEqual([4]);
    });

    test('a bare attribute is an attribute of the audience entity', async () => {
        const keys = await run(withSegments(dynamic('Name = "Bob"')), SHOP);
        expect(await keys('S')).toEqual([2]);
    });
});

describe('set operations apply left to right', () => {
    const three = (ops: [string, string]) => withSegments(`dynamic segment S {
  audience Customer
  group A { Satisfaction < 60 }
  ${ops[0]} group B { Satisfaction > 60 }
  ${ops[1]} group C { Product.Category = "Security" }
}`);

    test('G1 union G2 exclude G3 is (G1 ∪ G2) ∖ G3', async () => {
        const keys = await run(three(['union', 'exclude']), SHOP);
        expect(await keys('S')).toEqual([4]);
    });

    test('G1 exclude G2 union G3 is (G1 ∖ G2) ∪ G3', async () => {
        const keys = await run(three(['exclude', 'union']), SHOP);
        expect(await keys('S')).toEqual([1, 2, 3, 4]);
    });

    test('G1 union G2 intersect G3 is (G1 ∪ G2) ∩ G3, not G1 ∪ (G2 ∩ G3)', async () => {
        const keys = await run(three(['union', 'intersect']), SHOP);
        expect(await keys('S')).toEqual([1, 2, 3]);
        const other = await run(withSegments(`dynamic segment S {
  audience Customer
  group { Satisfaction = 10 }
  union group { Satisfaction > 60 }
  intersect group { Product.Category = "Security" }
}`), SHOP);
        expect(await other('S')).toEqual([2]);
    });
});

describe('relationship paths', () => {
    const GIFTS = TABLES + customers([[1, 'Ann', 1, 0, null, null], [2, 'Bob', 1, 0, null, null], [3, 'Cy', 1, 0, null, null]])
        + `insert into gifts values (1, 1, 2, 100), (2, 3, 1, 5);`;

    test('two foreign keys to the audience make the path ambiguous: an error naming both', async () => {
        const built = await build(withSegments(dynamic('Gift.Value > 50')));
        const errors = built.diagnostics.filter(d => d.code === 'ambiguous-path');
        expect(errors).toHaveLength(1);
        expect(errors[0].message).toContain('Gift.SenderId');
        expect(errors[0].message).toContain('Gift.RecipientId');
        expect(built.plans.plans.has('S')).toBe(false);
    });

    test('`via` picks one of the competing relationships', async () => {
        const files = withSegments(`
dynamic segment Senders { audience Customer group via Gift.SenderId { Gift.Value > 50 } }
dynamic segment Recipients { audience Customer group via Gift.RecipientId { Gift.Value > 50 } }`);
        const keys = await run(files, GIFTS);
        expect(await keys('Senders')).toEqual([1]);
        expect(await keys('Recipients')).toEqual([2]);
    });

    test('`via` must name a relationship', async () => {
        const built = await build(withSegments(`dynamic segment S { audience Customer group via Gift.Value { Gift.Value > 50 } }`));
        expect(built.diagnostics.map(d => d.code)).toContain('via-not-relationship');
    });

    test('no path between an entity and the audience is an error', async () => {
        const built = await build({
            ...withSegments(dynamic('Store.City = "Cork"')),
            'store.segment': 'entity Store from stores key StoreId { StoreId number City text }'
        });
        const errors = built.diagnostics.filter(d => d.code === 'no-path');
        expect(errors).toHaveLength(1);
        expect(errors[0].message).toContain('Store');
    });

    test('paths are shortest: a purchase\'s product, not some other route', async () => {
        const built = await build(withSegments(dynamic('Product.Category = "Security"')));
        expect(built.diagnostics.filter(d => d.severity === 1)).toEqual([]);
    });
});
