import { describe, expect, test } from 'vitest';
import type { KeyValue, SegmentPlan } from '../../compiler/ir.js';
import { funnelPlans, sequencePrefix } from '../../compiler/sequence-funnel.js';
import { clockAsOf } from '../../compiler/time.js';
import { SegmentRunner } from '../../engine/runner.js';
import { expectSameKeys, otherEngines } from '../support/engines.js';
import { build, codes, database, run } from '../support/harness.js';

// §6.3 Sequences: stages of the customer journey. Every test runs on sql.js, DuckDB and (with
// SEGMENTS_PG_URL) PostgreSQL; as of 2027-02-11 unless said (now is 2027-02-11 23:59:59).
const SCHEMA = `
entity Customer from customers key CustomerId time SignedUpAt {
  CustomerId            number    column customer_id
  Name                  text
  CustomerSatisfaction  number    column satisfaction
  SignedUpAt            datetime  column signed_up_at
}

entity Product from products key ProductID {
  ProductID  number  column product_id
  Category   text
}

entity Purchase from purchases key PurchaseId time PurchasedAt {
  PurchaseId   number    column purchase_id
  CustomerId   number    column customer_id   -> Customer
  ProductID    number    column product_id    -> Product
  PurchasedAt  datetime  column purchased_at
}

entity Interaction from interactions key InteractionId time OccurredAt {
  InteractionId  number    column interaction_id
  CustomerId     number    column customer_id  -> Customer
  Kind           text      column kind
  OccurredAt     datetime  column occurred_at
}

entity StoreVisit from store_visits key VisitId time VisitDay {
  VisitId     number  column visit_id
  CustomerId  number  column customer_id  -> Customer
  VisitDay    date    column visit_day
}

entity Referral from referrals key ReferralId time ReferredAt {
  ReferralId  number    column referral_id
  FromId      number    column from_id  -> Customer
  ToId        number    column to_id    -> Customer
  ReferredAt  datetime  column referred_at
}

entity Note from notes key NoteId {
  NoteId      number    column note_id
  CustomerId  number    column customer_id  -> Customer
  WrittenAt   datetime  column written_at
}
`;

const TABLES = `
create table customers(customer_id integer primary key, name text, satisfaction integer, signed_up_at text);
create table products(product_id integer primary key, category text);
create table purchases(purchase_id integer primary key, customer_id integer, product_id integer, purchased_at text);
create table interactions(interaction_id integer primary key, customer_id integer, kind text, occurred_at text);
create table store_visits(visit_id integer primary key, customer_id integer, visit_day text);
create table referrals(referral_id integer primary key, from_id integer, to_id integer, referred_at text);
create table notes(note_id integer primary key, customer_id integer, written_at text);
insert into products values (10, 'Security'), (11, 'Gifts');
`;

/** Customers 1..n, signed up long ago. */
const customers = (n: number): string =>
    `insert into customers values ${Array.from({ length: n }, (_, i) => `(${i + 1}, 'C${i + 1}', ${50 + 10 * (i % 3)}, '2025-01-01 00:00:00')`).join(', ')};`;

const files = (segments: string): Record<string, string> => ({ 'schema.segment': SCHEMA, 'segments.segment': segments });

/** A Customer segment `S` whose only block is the sequence with these steps. */
const sequence = (steps: string, via = ''): Record<string, string> =>
    files(`dynamic segment S {\n  audience Customer\n  sequence ${via}{\n    ${steps}\n  }\n}\n`);

/** The keys of `S` (the sequence `steps`) on the customers and rows given. */
async function members(steps: string, rows: string, n = 4, asOf?: string): Promise<readonly KeyValue[]> {
    const keys = await run(sequence(steps), TABLES + customers(n) + rows, asOf);
    return keys('S');
}

describe('the reference examples', () => {
    const DATA = TABLES + customers(5) + `
-- 1: a cart on Feb 1 and nothing bought: abandoned.  2: a cart and a purchase the next day.
-- 3: a cart and a purchase three days later: abandoned (outside the 2 days).  4: a cart yesterday: too recent.
-- 5: no cart.
insert into interactions values (1, 1, 'cart', '2027-02-01 10:00:00'), (2, 2, 'cart', '2027-02-01 10:00:00'),
  (3, 3, 'cart', '2027-02-01 10:00:00'), (4, 4, 'cart', '2027-02-10 10:00:00'), (5, 5, 'visit', '2027-02-01 10:00:00'),
-- EmailConverted: 1 opened, visited within a day, bought security within 7 days; 2 visited two days later;
-- 3 bought gifts; 5 all in time (but satisfaction 60 ... all at least 50).
  (10, 1, 'email-open', '2027-01-10 08:00:00'), (11, 1, 'visit', '2027-01-10 20:00:00'),
  (12, 2, 'email-open', '2027-01-10 08:00:00'), (13, 2, 'visit', '2027-01-12 08:00:00'),
  (14, 3, 'email-open', '2027-01-10 08:00:00'), (15, 3, 'visit', '2027-01-10 09:00:00');
insert into purchases values (20, 2, 11, '2027-02-02 09:00:00'), (21, 3, 11, '2027-02-04 11:00:00'),
  (22, 1, 10, '2027-01-15 08:00:00'), (23, 2, 10, '2027-01-13 08:00:00'), (24, 3, 11, '2027-01-11 08:00:00');
`;

    test('AbandonedCart: a cart more than two days ago with no purchase within 2 days after it', async () => {
        const keys = await run(files(`dynamic segment AbandonedCart {
  audience Customer
  sequence Abandoned {
    Interaction where Interaction.Kind = "cart" and Interaction.OccurredAt before now - 2 days
    then no Purchase within 2 days
  }
}`), DATA);
        expect(await keys('AbandonedCart')).toEqual([1, 3]);
    });

    test('EmailConverted: three steps, each within its window of the one before, intersected with a group', async () => {
        const keys = await run(files(`dynamic segment EmailConverted {
  audience Customer
  sequence {
    Interaction where Interaction.Kind = "email-open"
    then Interaction where Interaction.Kind = "visit" within 1 day
    then Purchase where Product.Category = "Security" within 7 days
  }
  intersect group { Customer.CustomerSatisfaction >= 50 }
}`), DATA);
        expect(await keys('EmailConverted')).toEqual([1]);
    });
});

describe('meaning: records r1 < r2 < ... related to the profile, each satisfying its step', () => {
    test('strictly later each time: a record at the same instant is not later (ties excluded)', async () => {
        const rows = `insert into interactions values (1, 1, 'cart', '2027-01-10 10:00:00'), (2, 2, 'cart', '2027-01-10 10:00:00'), (3, 3, 'cart', '2027-01-10 10:00:00');
insert into purchases values (1, 1, 10, '2027-01-10 10:00:00'), (2, 2, 10, '2027-01-10 10:00:01'), (3, 3, 10, '2027-01-10 09:59:59');`;
        expect(await members('Interaction then Purchase', rows)).toEqual([2]);
    });

    test('ties in other stored forms are ties: T, Z, an offset, a zero fraction; a fraction of a second counts', async () => {
        const rows = `insert into interactions values (1, 1, 'cart', '2027-01-10 10:00:00'), (2, 2, 'cart', '2027-01-10T10:00:00Z'), (3, 3, 'cart', '2027-01-10 10:00:00.000'), (4, 4, 'cart', '2027-01-10 10:00:00');
insert into purchases values (1, 1, 10, '2027-01-10T12:00:00+02:00'), (2, 2, 10, '2027-01-10 05:00:00-0500'), (3, 3, 10, '2027-01-10T10:00:00'), (4, 4, 10, '2027-01-10 10:00:00.250');`;
        expect(await members('Interaction then Purchase', rows)).toEqual([4]);
    });

    test('a date is that day at 00:00:00: a visit day then a purchase later that day holds, the other way round not', async () => {
        const rows = `insert into store_visits values (1, 1, '2027-01-10'), (2, 2, '2027-01-10');
insert into purchases values (1, 1, 10, '2027-01-10 15:00:00'), (2, 2, 10, '2027-01-10 00:00:00');`;
        expect(await members('StoreVisit then Purchase', rows)).toEqual([1]);
        expect(await members('Purchase then StoreVisit', rows)).toEqual([]);
    });

    test('date-typed steps: within 1 day of a day is the next day, within 12 hours is not', async () => {
        const rows = `insert into store_visits values (1, 1, '2027-01-10'), (2, 1, '2027-01-11'), (3, 2, '2027-01-10'), (4, 2, '2027-01-12'), (5, 3, '2027-01-10'), (6, 3, '2027-01-10');`;
        expect(await members('StoreVisit then StoreVisit within 1 day', rows)).toEqual([1]);
        expect(await members('StoreVisit then StoreVisit within 12 hours', rows)).toEqual([]);
        // Two visits on one day are one instant: not one after the other.
        expect(await members('StoreVisit then StoreVisit', rows)).toEqual([1, 2]);
    });

    test('each step\'s record is found on its own: the steps\' conditions say nothing of each other\'s records', async () => {
        // 1 bought security then gifts; 2 bought gifts then security; 3 bought one security product only.
        const rows = `insert into purchases values (1, 1, 10, '2027-01-01 10:00:00'), (2, 1, 11, '2027-01-02 10:00:00'),
  (3, 2, 11, '2027-01-01 10:00:00'), (4, 2, 10, '2027-01-02 10:00:00'), (5, 3, 10, '2027-01-01 10:00:00');`;
        expect(await members('Purchase where Product.Category = "Security" then Purchase where Product.Category = "Gifts"', rows)).toEqual([1]);
        expect(await members('Purchase where Product.Category = "Security" then Purchase', rows)).toEqual([1]);
        expect(await members('Purchase then Purchase where Product.Category = "Security"', rows)).toEqual([2]);
    });

    test('a step\'s where names its entity and entities reached from it, aggregates included', async () => {
        const rows = `insert into interactions values (1, 1, 'email-open', '2027-01-01 10:00:00'), (2, 2, 'email-open', '2027-01-01 10:00:00');
insert into purchases values (1, 1, 10, '2027-01-02 10:00:00'), (2, 2, 10, '2027-01-02 10:00:00'), (3, 2, 11, '2027-01-03 10:00:00');`;
        // The customer reached from the interaction is the profile: a bare attribute is the audience's.
        expect(await members('Interaction where CustomerSatisfaction = 50 then Purchase', rows)).toEqual([1]);
        expect(await members('Interaction where count(Purchase) >= 2 then Purchase', rows)).toEqual([2]);
    });

    test('three steps: a chain through every step, in order', async () => {
        const rows = `insert into interactions values (1, 1, 'email-open', '2027-01-01 10:00:00'), (2, 1, 'visit', '2027-01-02 10:00:00'),
  (3, 2, 'visit', '2027-01-01 10:00:00'), (4, 2, 'email-open', '2027-01-02 10:00:00'), (5, 3, 'email-open', '2027-01-01 10:00:00'), (6, 3, 'visit', '2027-01-04 10:00:00');
insert into purchases values (1, 1, 10, '2027-01-03 10:00:00'), (2, 2, 10, '2027-01-03 10:00:00'), (3, 3, 10, '2027-01-03 10:00:00');`;
        expect(await members('Interaction where Interaction.Kind = "email-open" then Interaction where Interaction.Kind = "visit" then Purchase', rows)).toEqual([1]);
    });
});

describe('within N UNIT: at most N UNIT after the previous step\'s record, in every unit', () => {
    const pair = (first: string, second: string, id: number): string =>
        `insert into interactions values (${id}, ${id}, 'cart', '${first}'); insert into purchases values (${id}, ${id}, 10, '${second}');`;
    const cases: readonly [string, string, string][] = [
        ['30 minutes', '2027-01-10 10:30:00', '2027-01-10 10:30:01'],
        ['2 hours', '2027-01-10 12:00:00', '2027-01-10 12:00:01'],
        ['2 days', '2027-01-12 10:00:00', '2027-01-12 10:00:01'],
        ['1 week', '2027-01-17 10:00:00', '2027-01-17 10:00:01'],
        ['1 month', '2027-02-10 10:00:00', '2027-02-10 10:00:01'],
        ['1 year', '2028-01-10 10:00:00', '2028-01-10 10:00:01']
    ];
    for (const [window, edge, past] of cases) {
        test(`within ${window}: the edge is inside, a second later is not`, async () => {
            const rows = pair('2027-01-10 10:00:00', edge, 1) + pair('2027-01-10 10:00:00', past, 2);
            expect(await members(`Interaction then Purchase within ${window}`, rows, 2, '2028-12-31')).toEqual([1]);
        });
    }

    test('within 1 month keeps the day, clamped to the month\'s end (January 31 + 1 month is February 28)', async () => {
        const rows = pair('2027-01-31 10:00:00', '2027-02-28 10:00:00', 1) + pair('2027-01-31 10:00:00', '2027-02-28 10:00:01', 2)
            + pair('2027-01-30 10:00:00', '2027-02-28 10:00:00', 3) + pair('2027-01-28 10:00:00', '2027-02-28 10:00:00', 4);
        expect(await members('Interaction then Purchase within 1 month', rows, 4, '2027-03-31')).toEqual([1, 3, 4]);
    });

    test('within 1 year from a leap day is February 28; fractions of a second count at the edge', async () => {
        const rows = pair('2024-02-29 10:00:00', '2025-02-28 10:00:00', 1) + pair('2024-02-29 10:00:00', '2025-03-01 00:00:00', 2)
            + pair('2027-01-10 10:00:00.500', '2027-01-10 10:01:00.500', 3) + pair('2027-01-10 10:00:00.500', '2027-01-10 10:01:00.750', 4);
        expect(await members('Interaction then Purchase within 1 year', rows)).toEqual([1, 3, 4]);
        expect(await members('Interaction then Purchase within 1 minute', rows)).toEqual([3]);
    });

    test('offsets are converted to UTC before the window is measured', async () => {
        // 23:30 at -02:00 is 01:30 UTC the next day; the purchase at 02:00 UTC is 30 minutes later.
        const rows = pair('2027-01-10T23:30:00-02:00', '2027-01-11 02:00:00', 1) + pair('2027-01-10 23:30:00', '2027-01-11 02:00:00', 2);
        expect(await members('Interaction then Purchase within 30 minutes', rows, 2)).toEqual([1]);
    });

    test('with within the earliest record is not always the witness: any earlier record within the window will do', async () => {
        // 1 opened emails on Jan 1 and Jan 9, and visited on Jan 10: the second opening is within a day.
        const rows = `insert into interactions values (1, 1, 'email-open', '2027-01-01 10:00:00'), (2, 1, 'email-open', '2027-01-09 12:00:00'), (3, 1, 'visit', '2027-01-10 10:00:00'),
  (4, 2, 'email-open', '2027-01-01 10:00:00'), (5, 2, 'visit', '2027-01-10 10:00:00');`;
        expect(await members('Interaction where Interaction.Kind = "email-open" then Interaction where Interaction.Kind = "visit" within 1 day', rows)).toEqual([1]);
    });

    test('a window is measured from the record of the step before, in the chain found', async () => {
        // 1: open Jan 1, visit Jan 5 (no window), purchase Jan 6 (within 2 days of the visit). 2: the purchase is 3 days after the visit.
        const rows = `insert into interactions values (1, 1, 'email-open', '2027-01-01 10:00:00'), (2, 1, 'visit', '2027-01-05 10:00:00'),
  (3, 2, 'email-open', '2027-01-01 10:00:00'), (4, 2, 'visit', '2027-01-05 10:00:00');
insert into purchases values (1, 1, 10, '2027-01-06 10:00:00'), (2, 2, 10, '2027-01-08 10:00:00');`;
        expect(await members('Interaction where Interaction.Kind = "email-open" then Interaction where Interaction.Kind = "visit" then Purchase within 2 days', rows)).toEqual([1]);
    });
});

describe('then no: a chain of the steps before it with no record of the no step after it', () => {
    const CARTS = `insert into interactions values (1, 1, 'cart', '2027-01-10 10:00:00'), (2, 2, 'cart', '2027-01-10 10:00:00'), (3, 3, 'cart', '2027-01-10 10:00:00'), (4, 4, 'cart', '2027-01-10 10:00:00');
-- 1 never bought; 2 bought the next day; 3 bought five days later; 4 bought at the cart's very instant, and before it.
insert into purchases values (1, 2, 10, '2027-01-11 09:00:00'), (2, 3, 10, '2027-01-15 10:00:00'), (3, 4, 10, '2027-01-10 10:00:00'), (4, 4, 10, '2027-01-09 10:00:00');`;

    test('without within: no such record after the chain, ever (a tie is not after)', async () => {
        expect(await members('Interaction then no Purchase', CARTS)).toEqual([1, 4]);
    });

    test('with within: no such record in (t, t + N]', async () => {
        expect(await members('Interaction then no Purchase within 2 days', CARTS)).toEqual([1, 3, 4]);
    });

    test('one such chain is enough: bought after one cart but not after a later one abandoned the later one', async () => {
        const rows = `insert into interactions values (1, 1, 'cart', '2027-01-10 10:00:00'), (2, 1, 'cart', '2027-01-20 10:00:00'), (3, 2, 'cart', '2027-01-10 10:00:00'), (4, 2, 'cart', '2027-01-20 10:00:00');
insert into purchases values (1, 1, 10, '2027-01-11 10:00:00'), (2, 2, 10, '2027-01-11 10:00:00'), (3, 2, 10, '2027-01-21 10:00:00');`;
        expect(await members('Interaction then no Purchase within 2 days', rows)).toEqual([1]);
        expect(await members('Interaction then no Purchase', rows)).toEqual([1]);
    });

    test('the no step\'s where limits the records that count against the chain', async () => {
        expect(await members('Interaction then no Purchase where Product.Category = "Gifts"', CARTS)).toEqual([1, 2, 3, 4]);
    });

    test('after a chain of several steps: the window follows the last record of the chain', async () => {
        const rows = `insert into interactions values (1, 1, 'visit', '2027-01-08 10:00:00'), (2, 1, 'cart', '2027-01-10 10:00:00'), (3, 2, 'cart', '2027-01-10 10:00:00'), (4, 2, 'visit', '2027-01-12 10:00:00');
insert into purchases values (1, 1, 10, '2027-01-09 10:00:00');`;
        expect(await members('Interaction where Interaction.Kind = "visit" then Interaction where Interaction.Kind = "cart" then no Purchase within 2 days', rows)).toEqual([1]);
    });
});

describe('the audience as a step, via, records after now', () => {
    test('the audience entity, an event entity, may be a step: its one record is the profile itself', async () => {
        // Bought in the first week after signing up.
        const rows = `update customers set signed_up_at = '2027-01-01 10:00:00';
insert into purchases values (1, 1, 10, '2027-01-05 10:00:00'), (2, 2, 10, '2027-01-09 10:00:00'), (3, 3, 10, '2026-12-31 10:00:00');`;
        expect(await members('Customer then Purchase within 7 days', rows)).toEqual([1]);
        expect(await members('Purchase then Customer', rows)).toEqual([3]);
    });

    test('via picks the relationship of a step whose entity two shortest paths reach, for every step', async () => {
        const rows = `insert into referrals values (1, 1, 2, '2027-01-01 10:00:00'), (2, 3, 1, '2027-01-05 10:00:00');
insert into purchases values (1, 1, 10, '2027-01-02 10:00:00'), (2, 2, 10, '2027-01-02 10:00:00'), (3, 3, 10, '2027-01-02 10:00:00');`;
        const keys = await run(files(`
dynamic segment Referrers { audience Customer sequence via Referral.FromId { Referral then Purchase } }
dynamic segment Referred { audience Customer sequence via Referral.ToId { Referral then Purchase } }
dynamic segment ReferredThenReferred { audience Customer sequence via Referral.ToId { Purchase then Referral } }`), TABLES + customers(3) + rows);
        expect(await keys('Referrers')).toEqual([1]);
        expect(await keys('Referred')).toEqual([2]);
        expect(await keys('ReferredThenReferred')).toEqual([1]);
    });

    test('records after now do not exist: a window still open at now counts only what has happened so far', async () => {
        const rows = `insert into interactions values (1, 1, 'cart', '2027-02-10 10:00:00'), (2, 2, 'cart', '2027-02-10 10:00:00'), (3, 3, 'cart', '2027-02-13 10:00:00');
insert into purchases values (1, 1, 10, '2027-02-11 09:00:00'), (2, 2, 10, '2027-02-12 09:00:00'), (3, 3, 10, '2027-02-14 10:00:00');`;
        // As of 2027-02-11: customer 2's purchase and customer 3's cart do not exist yet.
        expect(await members('Interaction then Purchase within 2 days', rows)).toEqual([1]);
        expect(await members('Interaction then no Purchase within 2 days', rows)).toEqual([2]);
        // Later, they do.
        expect(await members('Interaction then Purchase within 2 days', rows, 4, '2027-02-15')).toEqual([1, 2, 3]);
        expect(await members('Interaction then no Purchase within 2 days', rows, 4, '2027-02-15')).toEqual([]);
        // A first step that must be over: its where says so.
        expect(await members('Interaction where Interaction.OccurredAt before now - 2 days then no Purchase within 2 days', rows, 4, '2027-02-12')).toEqual([]);
    });

    test('a record with a missing or unreadable time has no place in a chain', async () => {
        const rows = `insert into interactions values (1, 1, 'cart', NULL), (2, 2, 'cart', '2027/01/10 10:00'), (3, 3, 'cart', '2027-01-10 10:00:00');
insert into purchases values (1, 1, 10, '2027-01-11 09:00:00'), (2, 2, 10, '2027-01-11 09:00:00'), (3, 3, 10, '2027-01-11 09:00:00'), (4, 3, 10, 'soon');`;
        expect(await members('Interaction then Purchase', rows)).toEqual([3]);
        expect(await members('Interaction then no Purchase where Purchase.PurchaseId = 4', rows)).toEqual([3]);
    });
});

describe('a sequence is a group of its own kind: set operations combine it with groups', () => {
    const DATA = TABLES + customers(4) + `
insert into interactions values (1, 1, 'cart', '2027-01-10 10:00:00'), (2, 2, 'cart', '2027-01-10 10:00:00'), (3, 3, 'cart', '2027-01-10 10:00:00');
insert into purchases values (1, 2, 10, '2027-01-11 10:00:00');`;

    test('union, intersect and exclude, left to right; exclude sequence', async () => {
        const keys = await run(files(`
dynamic segment Union { audience Customer group { Name = "C4" } union sequence { Interaction then no Purchase } }
dynamic segment Intersect { audience Customer sequence { Interaction then no Purchase } intersect group { CustomerSatisfaction = 50 } }
dynamic segment Exclude { audience Customer group { CustomerSatisfaction < 70 } exclude sequence { Interaction then Purchase } }
dynamic segment Both { audience Customer sequence { Interaction then no Purchase } exclude sequence { Interaction where Interaction.InteractionId = 3 then no Purchase } }`), DATA);
        expect(await keys('Union')).toEqual([1, 3, 4]);
        expect(await keys('Intersect')).toEqual([1]);
        expect(await keys('Exclude')).toEqual([1, 4]);
        expect(await keys('Both')).toEqual([1]);
    });

    test('a compound segment of sequences', async () => {
        const keys = await run(files(`
dynamic segment Abandoned { audience Customer sequence { Interaction then no Purchase } }
dynamic segment Converted { audience Customer sequence { Interaction then Purchase } }
compound segment Carts { Abandoned union Converted }`), DATA);
        expect(await keys('Carts')).toEqual([1, 2, 3]);
    });

    test('a key stored twice is one profile: its records are those of either row', async () => {
        const rows = `create table dup(customer_id integer, signed_up_at text);
insert into dup values (1, '2027-01-01 10:00:00'), (1, '2027-01-20 10:00:00'), (2, '2027-01-01 10:00:00');
insert into purchases values (1, 1, 10, '2027-01-05 10:00:00'), (2, 2, 10, '2027-01-25 10:00:00');`;
        const keys = await run({
            'schema.segment': `entity Member from dup key CustomerId time SignedUpAt { CustomerId number column customer_id  SignedUpAt datetime column signed_up_at }
entity Buy from purchases key PurchaseId time PurchasedAt { PurchaseId number column purchase_id  CustomerId number column customer_id -> Member  PurchasedAt datetime column purchased_at }`,
            'segments.segment': `dynamic segment S { audience Member sequence { Buy then Member } }
dynamic segment T { audience Member sequence { Member then Buy within 7 days } }`
        }, TABLES + rows);
        expect(await keys('S')).toEqual([1]);
        expect(await keys('T')).toEqual([1]);
    });
});

describe('the funnel: for each step, the profiles in the sequence cut after it', () => {
    test('sequencePrefix cuts after step k, in order and within the windows; for a no step the whole sequence', async () => {
        const text = files(`dynamic segment F {
  audience Customer
  sequence {
    Interaction where Interaction.Kind = "email-open"
    then Interaction where Interaction.Kind = "visit" within 1 day
    then no Purchase within 7 days
  }
  intersect group { CustomerSatisfaction = 50 }
}`);
        const setup = TABLES + customers(6) + `
insert into interactions values (1, 1, 'email-open', '2027-01-10 10:00:00'), (2, 2, 'email-open', '2027-01-10 10:00:00'), (3, 3, 'email-open', '2027-01-10 10:00:00'),
  (4, 4, 'email-open', '2027-01-10 10:00:00'), (5, 1, 'visit', '2027-01-10 20:00:00'), (6, 2, 'visit', '2027-01-10 20:00:00'),
  (7, 3, 'visit', '2027-01-10 20:00:00'), (8, 4, 'visit', '2027-01-12 20:00:00');
insert into purchases values (1, 2, 10, '2027-01-12 10:00:00');`;
        const built = await build(text);
        const plan = built.plans.plans.get('F') as Extract<SegmentPlan, { kind: 'dynamic' }>;
        const block = plan.groups[0];
        if (block.node !== 'sequence') throw new Error('the first block is the sequence');
        expect(sequencePrefix(block, 1).steps).toHaveLength(1);
        expect(sequencePrefix(block, 3)).toEqual({ ...block, steps: block.steps });
        expect(() => sequencePrefix(block, 4)).toThrow(RangeError);
        // Each funnel step runs as a plan of its own, before the intersect with the group.
        const plans = new Map(funnelPlans(plan, block).map((p, i) => [`F${i + 1}`, { ...p, name: `F${i + 1}` }]));
        const engine = await database(setup);
        const runner = new SegmentRunner(engine, plans, clockAsOf('2027-02-11'));
        const counts = [];
        const others = (await otherEngines(engine)).map(e => new SegmentRunner(e, plans, clockAsOf('2027-02-11')));
        for (const name of plans.keys()) {
            const keys = await runner.keys(name);
            for (const other of others) await expectSameKeys(name, keys, other);
            counts.push(keys);
        }
        expect(counts).toEqual([[1, 2, 3, 4], [1, 2, 3], [1, 3]]);
        const keys = await run(text, setup);
        expect(await keys('F')).toEqual([1]);
    });
});

describe('what SQLite cannot plan in one statement', () => {
    test('`in segment` of a segment with sequences, inside a step: sql.js says to run it on DuckDB or PostgreSQL, which count it', async () => {
        const steps = 'Interaction\n    then Purchase within 6 days\n    then Purchase\n    then Interaction where Interaction.Kind != "x"';
        // A segment whose steps hold `in segment` of the one before, three levels deep.
        const referring = (name: string, inner: string): string => `dynamic segment ${name} {\n  audience Customer\n  sequence {\n    Interaction where Customer in segment ${inner}\n    then Interaction within 2 days\n  }\n`
            + `  exclude sequence {\n    Customer where Customer not in segment ${inner}\n    then Interaction\n    then no Purchase within 1 day\n  }\n}\n`;
        const built = await build(files(`dynamic segment Inner {\n  audience Customer\n  group { Customer.CustomerSatisfaction > 0 }\n`
            + `  exclude sequence {\n    ${steps}\n  }\n  intersect sequence {\n    ${steps}\n  }\n}\n`
            + referring('Middle', 'Inner') + referring('Outer', 'Middle')));
        expect(built.diagnostics.filter(d => d.severity === 1)).toEqual([]);
        // An interaction after the instant: the records are read through the condition that hides it (with none, the statement is shallower).
        const source = await database(TABLES + customers(3) + `insert into interactions values (1, 1, 'visit', '2027-02-01 10:00:00'), (2, 1, 'visit', '2027-02-02 10:00:00'), (3, 2, 'visit', '2027-03-01 10:00:00');`);
        const clock = clockAsOf('2027-02-11');
        await expect(new SegmentRunner(source, built.plans.plans, clock).keys('Outer'))
            .rejects.toThrow('this segment nests more queries than SQLite plans in one statement (`in segment` conditions and sequence steps, each written in place), so it cannot be counted here: run it with --engine duckdb or --engine postgres');
        // No purchases: Inner's intersected sequence holds for no one, so Inner, and Outer's first sequence, are empty.
        const inner = await Promise.all((await otherEngines(source)).map(e => new SegmentRunner(e, built.plans.plans, clock).keys('Inner')));
        const outer = await Promise.all((await otherEngines(source)).map(e => new SegmentRunner(e, built.plans.plans, clock).keys('Outer')));
        expect(inner.every(k => k.length === 0)).toBe(true);
        expect(outer.every(k => k.length === 0)).toBe(true);
    });
});

describe('validation: each mistake has its code and says what to do', () => {
    const segment = (body: string): Record<string, string> => files(`dynamic segment S {\n  audience Customer\n  ${body}\n}`);
    const diagnostics = async (body: string) => (await build(segment(body))).diagnostics;

    test('step-not-event: a step\'s entity without time', async () => {
        const found = await diagnostics('sequence { Note then Purchase }');
        expect(found.map(d => d.code)).toEqual(['step-not-event']);
        expect(found[0].message).toContain('time WrittenAt');
    });

    test('no-step-not-last: a no step that is not the last', async () => {
        expect(await codes(segment('sequence { Interaction then no Purchase then Interaction }'))).toEqual(['no-step-not-last']);
    });

    test('sequence-one-step: a sequence of one step', async () => {
        const found = await diagnostics('sequence Lonely { Interaction }');
        expect(found.map(d => d.code)).toEqual(['sequence-one-step']);
        expect(found[0].message).toContain('at least two steps');
    });

    test('within-first-step: within on the first step', async () => {
        expect(await codes(segment('sequence { Interaction within 2 days then Purchase }'))).toEqual(['within-first-step']);
    });

    test('within-not-whole: within counts whole units, and the message offers a smaller one', async () => {
        const found = await diagnostics('sequence { Interaction then Purchase within 1.5 days }');
        expect(found.map(d => d.code)).toEqual(['within-not-whole']);
        expect(found[0].message).toContain('within 36 hours');
    });

    test('ambiguous-path: a step\'s entity two shortest paths reach, worded for the sequence', async () => {
        const found = await diagnostics('sequence { Referral then Purchase }');
        expect(found.map(d => d.code)).toEqual(['ambiguous-path']);
        expect(found[0].message).toContain('`sequence via Referral.');
        expect(await codes(segment('sequence via Referral.FromId { Referral then Purchase }'))).toEqual([]);
    });

    test('no-path: a step\'s entity, or an entity of a step\'s where, with no path', async () => {
        const orphan = { ...segment('sequence { Interaction then Event }'), 'orphan.segment': 'entity Event from events key EventId time At { EventId number  At datetime }' };
        expect(await codes(orphan)).toEqual(['no-path']);
        const inWhere = { ...segment('sequence { Interaction where Event.EventId = 1 then Purchase }'), 'orphan.segment': 'entity Event from events key EventId time At { EventId number  At datetime }' };
        expect(await codes(inWhere)).toEqual(['no-path']);
    });

    test('a step\'s where names entities reached from the step\'s entity, by one shortest path', async () => {
        // From a purchase, a referral is reached through its customer by two relationships.
        expect(await codes(segment('sequence { Purchase where Referral.ReferralId = 1 then Interaction }'))).toEqual(['ambiguous-path']);
        expect(await codes(segment('sequence via Referral.ToId { Purchase where Referral.ReferralId = 1 then Interaction }'))).toEqual([]);
    });

    test('time-type: a step\'s entity whose time is not a date or a datetime', async () => {
        const wrong = { ...segment('sequence { Interaction then Ticket }'), 'ticket.segment': 'entity Ticket from tickets key TicketId time Code { TicketId number  CustomerId number -> Customer  Code text }' };
        expect(await codes(wrong)).toContain('time-type');
        expect((await build(wrong)).plans.plans.has('S')).toBe(false);
    });

    test('empty-within (a warning): within 0 on a then step never holds; on a no step it excludes no one', async () => {
        const never = await diagnostics('sequence { Interaction then Purchase within 0 days }');
        expect(never.map(d => [d.code, d.severity])).toEqual([['empty-within', 2]]);
        expect(never[0].message).toContain('never holds');
        const nothing = await diagnostics('sequence { Interaction then no Purchase within 0 hours }');
        expect(nothing.map(d => d.code)).toEqual(['empty-within']);
        expect(nothing[0].message).toContain('excludes no one');
    });

    test('contradiction (a warning): a step whose where can never hold', async () => {
        const found = await diagnostics('sequence { Interaction where Interaction.Kind = "cart" and Interaction.Kind = "visit" then Purchase }');
        expect(found.map(d => [d.code, d.severity])).toEqual([['contradiction', 2]]);
        expect(found[0].message).toContain('the sequence is always empty');
        const none = await diagnostics('sequence { Interaction then no Purchase where Purchase.PurchaseId > 5 and Purchase.PurchaseId < 3 }');
        expect(none.map(d => d.code)).toEqual(['empty-range']);
        expect(none[0].message).toContain('excludes no one');
    });
});
