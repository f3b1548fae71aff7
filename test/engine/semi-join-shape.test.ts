/**
 * The shape of a group's semi-join on SQLite follows figures measured on the data
 * (compiler/sql/semi-join-shape.ts): a correlated `EXISTS` through the index on the foreign key
 * when few audience records are tested and related records that pass are common, one scan of
 * the related table otherwise; both give the same members (checked on every engine by `run`).
 */
import { describe, expect, test } from 'vitest';
import { existsCheaper } from '../../compiler/sql/semi-join-shape.js';
import { clockAsOf } from '../../compiler/time.js';
import { SegmentRunner } from '../../engine/runner.js';
import { build, database, run } from '../support/harness.js';
import { dynamic, TABLES, withSegments } from '../support/shop.js';

describe('the cost model, on the figures of the medium benchmark (2 M purchases of 200,000 customers)', () => {
    const medium = { audienceTable: 200_000, related: 2_000_000 };
    test('a selective audience and common matches (SecurityLowSatisfaction: 19,240 customers, 426,105 Security purchases): EXISTS', () => {
        expect(existsCheaper({ ...medium, audience: 19_240, matches: 426_105 })).toBe(true);
    });
    test('the same audience and a category no one bought: the scan (EXISTS reads every purchase of each customer)', () => {
        expect(existsCheaper({ ...medium, audience: 19_240, matches: 0 })).toBe(false);
    });
    test('every customer tested: the scan, however common the matches', () => {
        expect(existsCheaper({ ...medium, audience: 193_889, matches: 426_105 })).toBe(false);
    });
    test('a very selective audience (1,926 customers): EXISTS even when nothing matches', () => {
        expect(existsCheaper({ ...medium, audience: 1_926, matches: 0 })).toBe(true);
    });
    test('every customer tested, nearly every purchase matching (bought anything): EXISTS stops at the first purchase', () => {
        expect(existsCheaper({ ...medium, audience: 200_000, matches: 2_000_000 })).toBe(true);
    });
});

/** 1,000 customers (satisfaction 0 to 99), 10 products (odd ones Security), 20,000 purchases; `index` on purchases(customer_id). */
function shop(index: boolean): string {
    return `${TABLES}
${index ? 'create index purchases_customer on purchases(customer_id);' : ''}
with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000) insert into customers (customer_id, satisfaction) select i, i % 100 from n;
with recursive n(i) as (select 1 union all select i + 1 from n where i < 10) insert into products select i, case when i % 2 = 1 then 'Security' else 'Gifts' end from n;
with recursive n(i) as (select 1 union all select i + 1 from n where i < 20000) insert into purchases (purchase_id, customer_id, product_id) select i, (i * 7) % 1000 + 1, i % 10 + 1 from n;`;
}

async function compiled(segments: string, setup: string): Promise<string> {
    const built = await build(withSegments(segments));
    const runner = new SegmentRunner(await database(setup), built.plans.plans, clockAsOf('2027-02-11'));
    return runner.sql('S');
}

const SCAN = 't0."customer_id" IN (SELECT t1."customer_id" FROM "purchases" AS t1 WHERE +t1."product_id" IN (SELECT t2."product_id" FROM "products" AS t2 WHERE';
const EXISTS = 'EXISTS (SELECT 1 FROM "purchases" AS t1 WHERE +t1."product_id" IN (SELECT t2."product_id" FROM "products" AS t2 WHERE';

describe('the compiled SQL follows the facts', () => {
    const lowSecurity = dynamic('Product.Category = "Security" and Customer.Satisfaction < 2');
    const nothingBought = dynamic('Product.Category = "Toys"');

    test('few customers tested, half the purchases matching: a correlated EXISTS through purchases(customer_id)', async () => {
        const sql = await compiled(lowSecurity, shop(true));
        expect(sql).toContain(EXISTS);
        expect(sql).toContain('AND t1."customer_id" = t0."customer_id")');
        expect(sql).not.toContain(SCAN);
    });

    test('without an index on the foreign key: the scan', async () => {
        const sql = await compiled(lowSecurity, shop(false));
        expect(sql).toContain(SCAN);
        expect(sql).not.toContain('EXISTS');
    });

    test('every customer tested, half the purchases matching (a sample of the purchases says so): EXISTS', async () => {
        expect(await compiled(dynamic('Product.Category = "Security"'), shop(true))).toContain(EXISTS);
    });

    test('every customer tested and no purchase matching: the scan', async () => {
        const sql = await compiled(nothingBought, shop(true));
        expect(sql).toContain(SCAN);
        expect(sql).not.toContain('EXISTS');
    });

    test('both shapes give the same members, on every engine', async () => {
        // Satisfaction below 2: customers 1, 100, 101, 200, 201, ...; purchase i goes to customer (7i mod 1000) + 1, product i mod 10 + 1.
        const expected: number[] = [];
        for (let c = 1; c <= 1000; c++) {
            if (c % 100 >= 2) continue;
            let bought = false;
            for (let i = 1; i <= 20000 && !bought; i++) if (((i * 7) % 1000) + 1 === c && (i % 10 + 1) % 2 === 1) bought = true;
            if (bought) expected.push(c);
        }
        expect(expected.length).toBeGreaterThan(0);
        for (const index of [true, false]) {
            const keys = await run(withSegments(lowSecurity), shop(index));
            expect(await keys('S')).toEqual(expected);
        }
        expect(await (await run(withSegments(nothingBought), shop(true)))('S')).toEqual([]);
    });
});
