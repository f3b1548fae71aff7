import type { KeyValue } from '../../compiler/keys.js';
import { describe, expect, test } from 'vitest';
import { build, codes, run } from '../support/harness.js';

// §6.2 Comparing two attributes: the right side of a comparison may be an attribute or a
// measure, read from the group's joined records, with time offsets for dates and datetimes.
const SCHEMA = `
entity Customer from customers key CustomerId {
  CustomerId     number    column customer_id
  Name           text
  Nickname       text
  CreditBalance  number    column credit_balance
  DoNotCall      boolean   column do_not_call
  Vip            boolean
  Birthday       date
  SignedUpAt     datetime  column signed_up_at
}

entity Product from products key ProductId {
  ProductId  number  column product_id
  Category   text
  ListPrice  number  column list_price
}

entity Purchase from purchases key PurchaseId {
  PurchaseId   number    column purchase_id
  CustomerId   number    column customer_id  -> Customer
  ProductId    number    column product_id   -> Product
  PurchasedAt  datetime  column purchased_at
  Amount       number
}

entity Order from orders key OrderId {
  OrderId     number  column order_id
  CustomerId  number  column customer_id  -> Customer
  PromisedOn  date    column promised_on
}

entity Shipment from shipments key ShipmentId {
  ShipmentId   number  column shipment_id
  OrderId      number  column order_id  -> Order
  DeliveredOn  date    column delivered_on
}

entity StoreVisit from store_visits key VisitId {
  VisitId     number  column visit_id
  CustomerId  number  column customer_id  -> Customer
  VisitDay    date    column visit_day
}

measure Customer.AverageOrder = avg(Purchase.Amount)
measure Customer.LastPurchase = max(Purchase.PurchasedAt)
`;

const DATA = `
create table customers(customer_id integer primary key, name text, nickname text, credit_balance real, do_not_call integer, vip integer, birthday text, signed_up_at text);
create table products(product_id integer primary key, category text, list_price real);
create table purchases(purchase_id integer primary key, customer_id integer, product_id integer, purchased_at text, amount real);
create table orders(order_id integer primary key, customer_id integer, promised_on text);
create table shipments(shipment_id integer primary key, order_id integer, delivered_on text);
create table store_visits(visit_id integer primary key, customer_id integer, visit_day text);
-- Ann: Ann/Ann, balance 60, do-not-call and vip both true; born 2000-01-31, signed up 2026-01-31 23:30.
-- Bob: Bob/Bobby, balance 5, do-not-call false, vip true; born 1990-02-28.
-- Cy: no nickname, no balance; Di: nothing but a name.
insert into customers values
  (1, 'Ann', 'Ann', 60, 1, 1, '2000-01-31', '2026-01-31 23:30:00'),
  (2, 'Bob', 'Bobby', 5, 0, 1, '1990-02-28', '2026-02-28 10:00:00'),
  (3, 'Cy', NULL, NULL, 0, NULL, NULL, NULL),
  (4, 'Di', 'Di', 100, NULL, 0, NULL, NULL);
insert into products values (10, 'Security', 100), (11, 'Gifts', 10), (12, 'Books', NULL);
-- Ann bought product 10 below its list price (90 < 100) and product 11 above it (50 > 10):
-- no purchase of hers is above the price of product 10, although 50 > 10 mixes two purchases.
-- Bob bought product 10 at 100 exactly and product 11 at 8. Cy bought product 12 (no list price) at 5.
insert into purchases values
  (100, 1, 10, '2026-02-28 09:00:00', 90), (101, 1, 11, '2026-03-01 00:30:00', 50),
  (102, 2, 10, '2026-03-28 10:00:00', 100), (103, 2, 11, '2027-01-01 10:00:00', 8),
  (104, 3, 12, '2027-01-05 10:00:00', 5);
-- Ann's order promised 2027-01-10 arrived 2027-01-13 (three days late); Bob's promised 2027-01-31 arrived 2027-02-02.
insert into orders values (200, 1, '2027-01-10'), (201, 2, '2027-01-31'), (202, 3, NULL);
insert into shipments values (300, 200, '2027-01-13'), (301, 201, '2027-02-02'), (302, 202, '2027-01-01');
-- Bob visited the store on the day of his purchase of 2027-01-01.
insert into store_visits values (400, 2, '2027-01-01'), (401, 1, '2026-02-27');
`;

async function members(condition: string, audience = 'Customer', asOf = '2027-02-11'): Promise<readonly KeyValue[]> {
    const keys = await run({ 'schema.segment': SCHEMA, 'segments.segment': `dynamic segment S {\n  audience ${audience}\n  group {\n    ${condition}\n  }\n}\n` }, DATA, asOf);
    return keys('S');
}

describe('the right side of a comparison may be an attribute', () => {
    test.each([
        ['Name = Nickname', [1, 4]],
        ['Name != Customer.Nickname', [2]],
        ['Customer.Name < Customer.Nickname', [2]],
        ['Customer.Name <= Customer.Nickname', [1, 2, 4]],
        ['Purchase.Amount > Customer.CreditBalance', [1, 2]],
        ['Purchase.Amount >= Customer.CreditBalance', [1, 2]],
        ['Customer.DoNotCall = Customer.Vip', [1]],
        ['Customer.DoNotCall != Customer.Vip', [2]],
        ['Purchase.PurchasedAt after Customer.SignedUpAt', [1, 2]],
        ['Purchase.PurchasedAt before Customer.SignedUpAt + 1 month', [1]]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });
});

describe('both attributes are read from the group\'s joined records', () => {
    test('Purchase.Amount > Product.ListPrice is about the product of that purchase', async () => {
        // Ann's 50 > 10 (product 11) holds; her 90 is below product 10's 100; Bob's 100 is not above 100.
        expect(await members('Purchase.Amount > Product.ListPrice')).toEqual([1]);
        expect(await members('Purchase.Amount > Product.ListPrice and Product.Category = "Security"')).toEqual([]);
        expect(await members('Purchase.Amount >= Product.ListPrice and Product.Category = "Security"')).toEqual([2]);
        expect(await members('Purchase.Amount < Product.ListPrice', 'Product')).toEqual([10, 11]);
    });

    test('the reference\'s example: delivered more than two days after the promised date', async () => {
        expect(await members('Shipment.DeliveredOn after Order.PromisedOn + 2 days')).toEqual([1]);
        expect(await members('Shipment.DeliveredOn after Order.PromisedOn + 1 day')).toEqual([1, 2]);
        expect(await members('Shipment.DeliveredOn after Order.PromisedOn', 'Order')).toEqual([200, 201]);
    });

    test('attributes of two related entities that are not on one path: a combination of one of each', async () => {
        // Some purchase of the customer and some store visit of the same customer: Ann's purchase of
        // 2026-03-01 is more than a day after her visit; Bob's purchase of 2026-03-28 is before his visit.
        expect(await members('Purchase.PurchasedAt > StoreVisit.VisitDay + 1 day')).toEqual([1]);
        expect(await members('Purchase.PurchasedAt > StoreVisit.VisitDay + 2 days')).toEqual([]);
        expect(await members('Purchase.PurchasedAt < StoreVisit.VisitDay')).toEqual([2]);
    });

    test('a measure on the right: a purchase above the customer\'s average order', async () => {
        expect(await members('Purchase.Amount > Customer.AverageOrder')).toEqual([1, 2]);
        expect(await members('Customer.CreditBalance < Customer.AverageOrder')).toEqual([1, 2]);
        expect(await members('Customer.CreditBalance > Customer.AverageOrder')).toEqual([]);
        expect(await members('Purchase.PurchasedAt = Customer.LastPurchase and Product.Category = "Gifts"')).toEqual([1, 2]);
    });

    test('an aggregate compared with an attribute of the profile', async () => {
        expect(await members('sum(Purchase.Amount) > Customer.CreditBalance')).toEqual([1, 2]);
        expect(await members('count(Purchase) <= Customer.CreditBalance')).toEqual([1, 2, 4]);
    });

    test('the same holds inside an aggregate\'s where', async () => {
        expect(await members('count(Purchase where Purchase.Amount > Product.ListPrice) >= 1')).toEqual([1]);
        expect(await members('count(Purchase where Purchase.Amount < Product.ListPrice) = 0')).toEqual([3, 4]);
    });
});

describe('time offsets', () => {
    test('an offset applies first: months keep the day, clamped to the month\'s end', async () => {
        // Ann: 2000-01-31 + 26 years + 1 month is 2026-02-28 (clamped), the day of her purchase 100.
        expect(await members('Purchase.PurchasedAt = Customer.Birthday + 26 years + 1 month')).toEqual([1]);
        // Bob: 1990-02-28 + 36 years + 1 month is 2026-03-28, the day of his purchase 102.
        expect(await members('Purchase.PurchasedAt = Customer.Birthday + 36 years + 1 month')).toEqual([2]);
        // A datetime moved by a month keeps its time of day: Ann signed up 2026-01-31 23:30, plus a month is 2026-02-28 23:30.
        expect(await members('Purchase.PurchasedAt < Customer.SignedUpAt + 1 month and Product.Category = "Security"')).toEqual([1]);
    });

    test('then a datetime compared with a date compares its calendar date', async () => {
        // Ann signed up 2026-01-31 23:30: 26 years earlier plus 29 minutes is still her birthday,
        // plus one hour it is 2000-02-01 00:30, another day.
        expect(await members('Customer.Birthday = Customer.SignedUpAt - 26 years + 29 minutes')).toEqual([1]);
        expect(await members('Customer.Birthday = Customer.SignedUpAt - 26 years + 1 hour')).toEqual([]);
        expect(await members('Customer.Birthday < Customer.SignedUpAt - 26 years + 1 hour')).toEqual([1, 2]);
        // Two datetimes compare as instants: Ann's purchase 101 at 2026-03-01 00:30 is her signing up plus 28 days and an hour.
        expect(await members('Purchase.PurchasedAt = Customer.SignedUpAt + 28 days + 1 hour')).toEqual([1]);
        expect(await members('Purchase.PurchasedAt = Customer.SignedUpAt + 28 days + 59 minutes')).toEqual([]);
    });

    test('conditions compare what is written: a purchase later on the day of a date-typed visit is not after it', async () => {
        expect(await members('Purchase.PurchasedAt after StoreVisit.VisitDay and Purchase.PurchaseId = 103')).toEqual([]);
        expect(await members('Purchase.PurchasedAt = StoreVisit.VisitDay')).toEqual([2]);
    });
});

describe('a comparison with a missing value on either side is false', () => {
    test.each([
        // Cy has no nickname and no balance; Di no birthday.
        ['Name != Nickname', [2]],
        ['not (Name != Nickname)', [1, 3, 4]],
        ['Purchase.Amount < Customer.CreditBalance', [1]],
        ['Purchase.Amount < Product.ListPrice', [1, 2]],
        ['not (Purchase.Amount < Product.ListPrice)', [1, 2, 3]],
        ['Customer.DoNotCall = Customer.Vip or Customer.DoNotCall != Customer.Vip', [1, 2]]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });
});

describe('types must fit as for values', () => {
    const check = async (condition: string): Promise<string[]> => codes({ 'schema.segment': SCHEMA, 'segments.segment': `dynamic segment S { audience Customer group { ${condition} } }` });

    test.each([
        ['Name = CreditBalance', 'type-mismatch'],
        ['Customer.Vip = Customer.CreditBalance', 'type-mismatch'],
        ['Customer.Birthday < Customer.CreditBalance', 'type-mismatch'],
        ['Customer.Birthday before Customer.Name', 'type-mismatch'],
        ['Customer.DoNotCall < Customer.Vip', 'operator-type'],
        ['Purchase.PurchasedAt > Customer.Birthday + 2 hours', 'time-unit-type'],
        ['Purchase.PurchasedAt > Customer.Birthday + 30 minutes', 'time-unit-type'],
        ['Purchase.Amount > Product.ListPrice + 2 days', 'offset-type'],
        ['Purchase.PurchasedAt > Customer.SignedUpAt + 1.5 months', 'offset-amount'],
        ['Customer.AverageOrder > Customer.Name', 'type-mismatch']
    ])('%s is %s', async (condition, code) => {
        expect(await check(condition)).toEqual([code]);
    });

    test('hours and minutes move datetimes', async () => {
        expect(await check('Purchase.PurchasedAt > Customer.SignedUpAt + 2 hours - 30 minutes')).toEqual([]);
    });

    test('the message of hours on a date says what to do', async () => {
        const built = await build({ 'schema.segment': SCHEMA, 'segments.segment': 'dynamic segment S { audience Customer group { Purchase.PurchasedAt > Customer.Birthday + 2 hours } }' });
        expect(built.diagnostics[0].message).toBe('Customer.Birthday is a date, so it moves by days, weeks, months or years, not hours (hours on a date): use days, or compare a datetime.');
    });

    test('the other comparisons take values only: between, in, text matching and in last are syntax errors with an attribute', async () => {
        for (const condition of ['Purchase.Amount between Product.ListPrice and 100', 'Name in (Nickname)', 'Name contains Nickname', 'Purchase.PurchasedAt in last Customer.CreditBalance days']) {
            expect(await check(condition), condition).toContain('syntax-error');
        }
    });
});
