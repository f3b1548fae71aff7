import { describe, expect, test } from 'vitest';
import { fnv1a32Text } from '../../compiler/sample.js';
import { clockAsOf } from '../../compiler/time.js';
import { SegmentRunner } from '../../engine/runner.js';
import { build, codes, database, run } from '../support/harness.js';
import { SCHEMA, TABLES } from '../support/shop.js';

// §6.6 Top and sample steps, sentence by sentence: each test runs segments on a small database
// and asserts their keys, the same on sql.js, DuckDB and PostgreSQL (the harness checks).

const STORES = `
entity Store from stores key Code {
  Code   text  column code
  City   text  column city
}
`;
const files = (segments: string): Record<string, string> => ({ 'schema.segment': SCHEMA + STORES, 'segments.segment': segments });
const SETUP = TABLES + 'create table stores(code text primary key, city text);\n';

type Row = readonly [number, string | null, number | string | null, number | string | null, string | null, string | null];
const sql = (v: string | number | null): string => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`);
/** Customers (customer_id, name, satisfaction, do_not_call, birthday, signed_up_at), values stored as given. */
const people = (rows: readonly Row[]): string => SETUP + rows.map(r => `insert into customers values (${r.map(sql).join(', ')});`).join('\n');

/** Every customer, then the given steps: `Everyone` holds them all. */
const stepped = (steps: string, name = 'T'): string =>
    `dynamic segment Everyone { audience Customer group { CustomerId > 0 } }\ndynamic segment ${name} {\n  audience Customer\n  group { CustomerId > 0 }\n  ${steps}\n}\n`;

async function keysOf(steps: string, rows: readonly Row[], name = 'T'): Promise<readonly unknown[]> {
    return (await run(files(stepped(steps, name)), people(rows)))(name);
}

const SCORES: readonly Row[] = [
    [1, 'b', 60, 0, '2026-05-01', '2026-05-01 10:00:00'],
    [2, 'a', 9, 1, '2026-05-03', '2026-05-01T09:30:00'],
    [3, 'C', 100, 0, null, '2026-05-01 10:00:00.250'],
    [4, 'é', null, null, '2026-04-30', null],
    [5, 'B', 60, 1, '2026-05-01T23:00:00-02:00', '2026-05-01T12:00:00+02:00'],
    [6, '\uFF5E', ' 12.50 ', 'true', '2026-05-02', '2026-05-01 10:00:00'],
    [7, '🙂', 'abc', 'Y', 'soon', 'now']
];

describe('a dynamic or compound segment\'s body may end with steps, applied left to right to the result of everything before them', () => {
    test('a chain of steps: each one sees only what the one before it kept', async () => {
        // Top 4 by satisfaction: 3 (100), 1 and 5 (60), 6 (12.5); of those, the 2 smallest names by code point: "B" (5), "C" (3).
        expect(await keysOf('top 4 by Satisfaction\n  top 2 by Name asc', SCORES)).toEqual([3, 5]);
        // The other way round: the 2 smallest names are "B" (5) and "C" (3); the top 1 by satisfaction of those is 3.
        expect(await keysOf('top 2 by Name asc\n  top 1 by Satisfaction', SCORES)).toEqual([3]);
    });

    test('the steps apply to the groups combined, not to each group', async () => {
        const keys = await run(files(`dynamic segment T {
  audience Customer
  group { Satisfaction >= 60 }
  union group { Name = "a" }
  top 2 by Satisfaction asc
}`), people(SCORES));
        // Members 1, 2, 3, 5 (9, 60, 60, 100): the two smallest are 2 (9) and 1 (60, a tie with 5 broken by key).
        expect(await keys('T')).toEqual([1, 2]);
    });

    test('a compound segment\'s steps apply to its parts combined; another compound gets its stepped result', async () => {
        const keys = await run(files(`
dynamic segment Low { audience Customer group { Satisfaction < 61 } }
dynamic segment Named { audience Customer group { Name is not empty } }
compound segment Best { Named exclude Low  top 2 by Customer.Name desc }
compound segment Rest { Named exclude Best }
`), people(SCORES));
        // Named exclude Low: 3 "C", 4 "é", 7 "🙂" (no readable satisfaction); the two largest names are 🙂 and é.
        expect(await keys('Best')).toEqual([4, 7]);
        expect(await keys('Rest')).toEqual([1, 2, 3, 5, 6]);
    });
});

describe('top N by A keeps the N members with the largest values of A (asc: the smallest), an attribute of the audience', () => {
    test('numbers by value (text in decimal notation read as its number, unreadable text missing)', async () => {
        expect(await keysOf('top 3 by Satisfaction', SCORES)).toEqual([1, 3, 5]);
        expect(await keysOf('top 2 by Satisfaction asc', SCORES)).toEqual([2, 6]);
        expect(await keysOf('top 2 by Customer.Satisfaction desc', SCORES)).toEqual([1, 3]);
    });

    test('text by code point: "B" < "C" < "a" < "b" < "é" < "\uFF5E" < "🙂" (not by UTF-16 units, nor by a language\'s collation)', async () => {
        expect(await keysOf('top 2 by Name', SCORES)).toEqual([6, 7]);
        expect(await keysOf('top 3 by Name asc', SCORES)).toEqual([2, 3, 5]);
        expect(await keysOf('top 1 by Name desc', SCORES)).toEqual([7]);
    });

    test('false before true', async () => {
        // true: 2, 5, 6 ("true"); false: 1, 3; missing: 4, 7 ("Y").
        expect(await keysOf('top 2 by DoNotCall', SCORES)).toEqual([2, 5]);
        expect(await keysOf('top 3 by DoNotCall asc', SCORES)).toEqual([1, 2, 3]);
    });

    test('dates and datetimes as instants, after conversion to UTC', async () => {
        // Birthdays: 4 (04-30), 1 (05-01), 5 (05-01T23:00-02:00 is 05-02 UTC), 6 (05-02), 2 (05-03); 3 and 7 missing.
        expect(await keysOf('top 3 by Birthday asc', SCORES)).toEqual([1, 4, 5]);
        expect(await keysOf('top 2 by Birthday', SCORES)).toEqual([2, 5]);
        // Signed up: 2 (09:30), 1 and 6 (10:00:00), 3 (10:00:00.250), 5 (12:00+02:00 is 10:00 UTC, a tie); 4 and 7 missing.
        expect(await keysOf('top 1 by SignedUpAt', SCORES)).toEqual([3]);
        expect(await keysOf('top 3 by SignedUpAt asc', SCORES)).toEqual([1, 2, 5]);
    });

    test('a date ordered as the instant at 00:00:00 of that day: a datetime stored in a date column counts by its UTC day', async () => {
        const rows: Row[] = [[1, null, null, null, '2026-05-01T00:00:01', null], [2, null, null, null, '2026-05-01', null], [3, null, null, null, '2026-04-30T23:59:59', null]];
        // 1 and 2 are both 2026-05-01 (a tie, by key); 3 is 2026-04-30.
        expect(await keysOf('top 1 by Birthday', rows)).toEqual([1]);
        expect(await keysOf('top 2 by Birthday asc', rows)).toEqual([1, 3]);
    });

    test('top 0 keeps none, and N beyond the members keeps them all', async () => {
        expect(await keysOf('top 0 by Satisfaction', SCORES)).toEqual([]);
        expect(await keysOf('top 99999999999999999999 by Satisfaction', SCORES)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(await keysOf('top 3.0 by Satisfaction', SCORES)).toEqual([1, 3, 5]);
    });
});

describe('top by a measure of the audience (6.4): its value for each member', () => {
    const MEASURES = `
measure Customer.Spent "Total spent" = sum(Purchase.Amount)
measure Customer.Orders = count(Purchase)
measure Customer.LastPurchase = max(Purchase.PurchasedAt)
`;
    const SHOP = `${SETUP}
insert into customers (customer_id) values (1), (2), (3), (4), (5), (6);
insert into purchases values
  (100, 1, null, '2027-01-10 10:00:00', 100), (101, 1, null, '2026-01-01 10:00:00', 300), (102, 1, null, '2027-02-01 10:00:00', 50),
  (103, 2, null, '2027-02-03T08:00:00Z', 20), (104, 2, null, '2027-02-09 08:00:00', NULL),
  (105, 3, null, '2027-01-20 08:00:00', 80),
  (106, 5, null, '2027-01-05 08:00:00', 0.3), (107, 6, null, '2027-01-05 09:00:00', 0.1), (108, 6, null, '2027-01-05 09:30:00', 0.2);`;
    const keysBy = async (steps: string, name = 'T'): Promise<readonly unknown[]> =>
        (await run({ ...files(stepped(steps, name)), 'measures.segment': MEASURES }, SHOP))(name);

    test('a sum, with no related records 0 (not missing): the largest and the smallest', async () => {
        // Spent: 1 450, 2 20, 3 80, 4 0, 5 0.3, 6 0.3.
        expect(await keysBy('top 2 by Customer.Spent')).toEqual([1, 3]);
        expect(await keysBy('top 1 by Customer.Spent asc')).toEqual([4]);
    });

    test('sums are exact decimals: 0.1 + 0.2 ties with 0.3, and the tie goes to the smaller key', async () => {
        // In floating point 0.1 + 0.2 is 0.30000000000000004, above 0.3: customer 6 would come first.
        expect(await keysBy('top 4 by Customer.Spent')).toEqual([1, 2, 3, 5]);
        expect(await keysBy('top 2 by Customer.Spent asc')).toEqual([4, 5]);
    });

    test('a count, and a max that is missing for a customer with no purchase (after all others, in both orders)', async () => {
        expect(await keysBy('top 2 by Customer.Orders')).toEqual([1, 2]);
        // LastPurchase: 2 (02-09), 1 (02-01), 3 (01-20), 6 (01-05 09:30), 5 (01-05 08:00); 4 missing.
        expect(await keysBy('top 2 by Customer.LastPurchase')).toEqual([1, 2]);
        expect(await keysBy('top 5 by Customer.LastPurchase asc')).toEqual([1, 2, 3, 5, 6]);
        expect(await keysBy('top 6 by Customer.LastPurchase asc')).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await keysBy('top 50% by Customer.LastPurchase')).toEqual([1, 2, 3]);
    });

    test('a measure of another entity is top-attribute', async () => {
        expect(await codes({ ...files(stepped('top 1 by Product.Buyers')), 'measures.segment': 'measure Product.Buyers = count(Customer)' })).toEqual(['top-attribute']);
    });
});

describe('members with a missing value come after all others in both orders; ties are broken by key, ascending', () => {
    test('missing values are kept only when fewer than N members have a value, in both orders', async () => {
        // Satisfaction is known for 1, 2, 3, 5, 6; missing (or unreadable) for 4 and 7.
        expect(await keysOf('top 6 by Satisfaction', SCORES)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await keysOf('top 6 by Satisfaction asc', SCORES)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await keysOf('top 5 by Satisfaction asc', SCORES)).toEqual([1, 2, 3, 5, 6]);
    });

    test('ties by key, ascending, in both orders', async () => {
        const rows: Row[] = [[5, 'x', 1, null, null, null], [3, 'x', 1, null, null, null], [9, 'x', 1, null, null, null], [4, 'y', 2, null, null, null]];
        expect(await keysOf('top 3 by Name', rows)).toEqual([3, 4, 5]);
        expect(await keysOf('top 2 by Name asc', rows)).toEqual([3, 5]);
        expect(await keysOf('top 2 by Satisfaction asc', rows)).toEqual([3, 5]);
    });

    test('text keys tie by code point', async () => {
        const keys = await run(files(`dynamic segment T { audience Store group { Code is not empty } top 3 by City }`),
            `${SETUP}insert into stores values ('b', 'Cork'), ('B', 'Cork'), ('a', 'Cork'), ('é', 'Cork'), ('A', 'Cork');`);
        expect(await keys('T')).toEqual(['A', 'B', 'a']);
    });

    test('a key the data holds twice is one member, with the value of its record that comes first', async () => {
        const setup = `${SETUP.replace('customer_id integer primary key', 'customer_id')}
insert into customers values (1, 'a', 10, 0, null, null), (1, 'a', 90, 0, null, null), (2, 'b', 50, 0, null, null), (3, 'c', null, 0, null, null), (3, 'c', 40, 0, null, null);`;
        const keys = await run(files(`
dynamic segment Highest { audience Customer group { CustomerId > 0 } top 1 by Satisfaction }
dynamic segment Lowest { audience Customer group { CustomerId > 0 } top 1 by Satisfaction asc }
dynamic segment Half { audience Customer group { CustomerId > 0 } top 66.67% by Satisfaction }`), setup);
        expect(await keys('Highest')).toEqual([1]);
        expect(await keys('Lowest')).toEqual([1]);
        // Three members, not five records: floor(66.67 × 3 / 100) = 2: 1 (90) and 2 (50).
        expect(await keys('Half')).toEqual([1, 2]);
    });
});

describe('top P% by A keeps the first floor(P × size / 100) members in the same order, computed exactly', () => {
    const FIVE_HUNDRED: Row[] = Array.from({ length: 500 }, (_, i): Row => [i + 1, null, 1000 - i, null, null, null]);

    test('top 1.4% of 500 is 7', async () => {
        expect(await keysOf('top 1.4% by Satisfaction', FIVE_HUNDRED)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    test('exactly, where floating point would be one short: top 64.6% of 500 is 323 (64.6 × 500 / 100 is 322.99999999999994 in doubles)', async () => {
        const keys = await keysOf('top 64.6% by Satisfaction asc', FIVE_HUNDRED);
        expect(keys.length).toBe(323);
        expect(keys[0]).toBe(178);
    });

    test('0% keeps none, 100% all, with missing values and ties ordered as for top N', async () => {
        expect(await keysOf('top 0% by Satisfaction', SCORES)).toEqual([]);
        expect(await keysOf('top 100% by Satisfaction', SCORES)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        // floor(50 × 7 / 100) = 3: 3 (100), then 1 and 5 (60, by key).
        expect(await keysOf('top 50% by Satisfaction', SCORES)).toEqual([1, 3, 5]);
        // floor(99.99 × 7 / 100) = 6: everyone but the last, 7 (missing, after 4 by key).
        expect(await keysOf('top 99.99% by Satisfaction asc', SCORES)).toEqual([1, 2, 3, 4, 5, 6]);
    });
});

describe('sample P% seed S keeps a member with key k when FNV-1a(S + "/" + text(k)) mod 10000 < P × 100', () => {
    const TWELVE: Row[] = Array.from({ length: 12 }, (_, i): Row => [i + 1, null, null, null, null, null]);

    test('the 32-bit FNV-1a hash, offset basis 2166136261 and prime 16777619, of UTF-8 bytes', () => {
        expect(fnv1a32Text('a')).toBe(0xe40c292c);
        expect(fnv1a32Text('')).toBe(2166136261);
        expect(fnv1a32Text('foobar')).toBe(0xbf9cf968);
        // "é/🙂" is the bytes c3 a9 2f f0 9f 99 82.
        expect(fnv1a32Text('é/🙂')).toBe(0x4a2095a4);
    });

    test('a sample whose members are listed: FNV-1a("valentines-2027/k") mod 10000 for k = 1..12 is 3244, 6101, 8482, 387, 2768, 5625, 8006, 1815, 4196, 2884, 503, 8122', async () => {
        expect(await keysOf('sample 50% seed "valentines-2027"', TWELVE)).toEqual([1, 4, 5, 8, 9, 10, 11]);
        expect(await keysOf('sample 10% seed "valentines-2027"', TWELVE)).toEqual([4, 11]);
        expect(await keysOf('sample 3.87% seed "valentines-2027"', TWELVE)).toEqual([]);
        expect(await keysOf('sample 3.88% seed "valentines-2027"', TWELVE)).toEqual([4]);
    });

    test('text(k): a number key as the shortest decimal, no trailing .0 (a key stored as 7.0 is 7), -0 is 0', async () => {
        // An untyped key column keeps each value as stored.
        const setup = `${SETUP.replace('customer_id integer primary key', 'customer_id')}insert into customers (customer_id) values (7.0), (2.5), (-0.0);`;
        const keys = await run(files(`
dynamic segment T { audience Customer group { CustomerId is not empty } sample 50% seed "t" }
dynamic segment S { audience Customer group { CustomerId is not empty } sample 50% seed "s" }`), setup);
        // "t/7" hashes to 4265 (kept), "t/7.0" would be 9999; "s/0" is 7717 (left out), "s/-0" would be 3274; "t/2.5" 4051, "s/2.5" 5474.
        expect(await keys('T')).toEqual([0, 2.5, 7]);
        expect(await keys('S')).toEqual([7]);
    });

    test('a text key as it is', async () => {
        const keys = await run(files(`dynamic segment T { audience Store group { Code is not empty } sample 50% seed "t" }`),
            `${SETUP}insert into stores values ('a', null), ('B', null), ('é', null), ('🙂', null);`);
        // "t/a" 9983, "t/B" 1410, "t/é" 7012, "t/🙂" 390.
        expect(await keys('T')).toEqual(['B', '🙂']);
    });

    test('without seed, S is the segment\'s name: renaming it reshuffles, a seed keeps the split', async () => {
        const ten = TWELVE.slice(0, 10);
        expect(await keysOf('sample 50%', ten, 'Split')).toEqual([1, 2, 4, 5, 9]);
        expect(await keysOf('sample 50%', ten, 'Renamed')).toEqual([2, 3, 6, 7]);
        expect(await keysOf('sample 50% seed "Split"', ten, 'Renamed')).toEqual([1, 2, 4, 5, 9]);
    });

    test('a member stays in or out of a sample for as long as it is in the segment, whoever else is', async () => {
        const before = await keysOf('sample 50% seed "valentines-2027"', TWELVE);
        const more: Row[] = [...TWELVE, ...Array.from({ length: 200 }, (_, i): Row => [100 + i, null, null, null, null, null])];
        const after = await keysOf('sample 50% seed "valentines-2027"', more);
        expect(after.filter(k => (k as number) <= 12)).toEqual(before);
        expect(after.length).toBeGreaterThan(before.length);
    });

    test('P is from 0 (none) to 100 (all)', async () => {
        expect(await keysOf('sample 0%', TWELVE)).toEqual([]);
        expect(await keysOf('sample 100% seed "x"', TWELVE)).toEqual(TWELVE.map(r => r[0]));
    });

    test('sample with one seed and exclude of that sample split a segment into a control and a treatment group', async () => {
        const many: Row[] = Array.from({ length: 300 }, (_, i): Row => [1000 + i, null, i % 7, null, null, null]);
        const keys = await run(files(`
dynamic segment Early { audience Customer group { Satisfaction < 5 } }
compound segment Control { Early sample 10% seed "valentines-2027" }
compound segment Treatment { Early exclude Control }
`), people(many));
        const early = await keys('Early');
        const control = await keys('Control');
        const treatment = await keys('Treatment');
        expect(control.length).toBeGreaterThan(0);
        expect(control.filter(k => treatment.includes(k))).toEqual([]);
        expect([...control, ...treatment].sort((a, b) => (a as number) - (b as number))).toEqual(early);
    });

    test('sample then top, and top then sample, both left to right', async () => {
        // Of 1..12 sampled at 50% (1, 4, 5, 8, 9, 10, 11), the two largest keys.
        expect(await keysOf('sample 50% seed "valentines-2027"\n  top 2 by CustomerId', TWELVE)).toEqual([10, 11]);
        // Of the four largest keys (9..12), those the sample keeps.
        expect(await keysOf('top 4 by CustomerId\n  sample 50% seed "valentines-2027"', TWELVE)).toEqual([9, 10, 11]);
    });
});

describe('what the runner tells of steps', () => {
    const TWELVE = Array.from({ length: 12 }, (_, i) => `(${i + 1})`).join(', ');
    const runner = async (segments: string): Promise<SegmentRunner> => {
        const built = await build(files(segments));
        return new SegmentRunner(await database(`${SETUP}insert into customers (customer_id) values ${TWELVE};`), built.plans.plans, clockAsOf('2027-02-11'));
    };

    test('the members before and after each step, for the previews', async () => {
        const r = await runner(stepped('sample 50% seed "valentines-2027"\n  top 2 by CustomerId\n  top 50% by CustomerId asc'));
        const counts = await Promise.all([0, 1, 2, 3].map(async n => (await r.keysBeforeStep('T', n)).length));
        expect(counts).toEqual([12, 7, 2, 1]);
        expect(await r.keys('T')).toEqual([10]);
    });

    test('the SQL of a sampled segment lists the keys the sample kept, and says so', async () => {
        const r = await runner(`${stepped('sample 10% seed "valentines-2027"')}compound segment Rest { Everyone exclude T }`);
        const sql = await r.sql('Rest');
        expect(sql.split('\n')[0]).toBe('-- The keys listed for T are the members a sample step kept (FNV-1a of each key, drawn by the engine for this run).');
        expect(sql).toContain('IN (4, 11)');
        expect(await r.keys('Rest')).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10, 12]);
    });
});

describe('validation of steps', () => {
    const codesOf = (steps: string): Promise<string[]> => codes(files(`dynamic segment T { audience Customer group { CustomerId > 0 } ${steps} }`));

    test('P is from 0 to 100: more is percent-out-of-range, on top and sample', async () => {
        expect(await codesOf('sample 100.5%')).toEqual(['percent-out-of-range']);
        expect(await codesOf('top 150% by Satisfaction')).toEqual(['percent-out-of-range']);
        expect(await codesOf('sample 100%  top 100.00% by Name')).toEqual([]);
    });

    test('P has at most two decimals (zeros after them allowed): more is percent-precision, with the share rounded in the message', async () => {
        expect(await codesOf('sample 12.345%')).toEqual(['percent-precision']);
        expect(await codesOf('top 1.234% by Name')).toEqual(['percent-precision']);
        expect(await codesOf('sample 12.500%')).toEqual([]);
        const built = await build(files(`dynamic segment T { audience Customer group { CustomerId > 0 } sample 12.345% }`));
        expect(built.diagnostics[0].message).toContain('`sample 12.35%`');
    });

    test('top N keeps a whole number of members, 0 included: top-count otherwise', async () => {
        expect(await codesOf('top 2.5 by Name')).toEqual(['top-count']);
        expect(await codesOf('top 0 by Name')).toEqual([]);
        const built = await build(files(`dynamic segment T { audience Customer group { CustomerId > 0 } top 2.5 by Name }`));
        expect(built.diagnostics[0].message).toContain('`top 2.5%`');
    });

    test('top orders by an attribute of the audience: another entity\'s is top-attribute', async () => {
        expect(await codesOf('top 3 by Purchase.Amount')).toEqual(['top-attribute']);
        const built = await build(files(`dynamic segment T { audience Customer group { CustomerId > 0 } top 3 by Purchase.Amount }`));
        expect(built.diagnostics[0].message).toContain('Customer profiles');
        expect(built.plans.plans.has('T')).toBe(false);
    });

    test('top by a boolean, a date, a key: allowed', async () => {
        expect(await codesOf('top 3 by DoNotCall  top 2 by Birthday asc  top 1 by CustomerId')).toEqual([]);
    });

    test('a compound segment\'s steps order by its parts\' audience', async () => {
        expect(await codes(files(`dynamic segment P { audience Purchase group { Amount > 0 } }
compound segment C { P top 3 by Customer.Name }`))).toEqual(['top-attribute']);
        expect(await codes(files(`dynamic segment P { audience Purchase group { Amount > 0 } }
compound segment C { P top 3 by Purchase.Amount sample 50% }`))).toEqual([]);
    });
});
