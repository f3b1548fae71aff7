import { describe, expect, test } from 'vitest';
import { build } from '../support/harness.js';
import { dynamic, withSegments } from '../support/shop.js';

// The examples of the language reference, verbatim: each parses, links and validates cleanly.
const REFERENCE_SCHEMA = `
entity Customer from customers key CustomerId {
  CustomerId            number    column customer_id
  Name                  text      "Full name"
  CustomerSatisfaction  number    "Survey score, 0 to 100"   column satisfaction
  CreditBalance         number    column credit_balance
  DoNotCall             boolean   column do_not_call
  Birthday              date
}

entity Product from products key ProductID {
  ProductID  number  column product_id
  Category   text
}

entity Purchase from purchases key PurchaseId {
  PurchaseId   number    column purchase_id
  CustomerId   number    column customer_id   -> Customer
  ProductID    number    column product_id    -> Product
  PurchasedAt  datetime  column purchased_at
  Amount       number
}
`;

const REFERENCE_SEGMENTS = `
dynamic segment SecurityLowSatisfaction {
  title "Security customers with low satisfaction"
  audience Customer
  show Customer.Name, Customer.CustomerSatisfaction

  group SecurityUsers {
    Product.Category = "Security"
    and Product.ProductID != 5567
    and Customer.CustomerSatisfaction < 60
  }
}

static segment DoNotCall {
  title "Do not call"
  audience Customer
  members 1007, 1013, 1042
}

dynamic segment HighBalance {
  audience Customer
  group { CreditBalance > 5000 }
}

compound segment HighBalanceFollowUp {
  title "High balance customers to follow up"
  HighBalance
  exclude DoNotCall
}

dynamic segment Aggregates {
  audience Customer
  group { count(Purchase) >= 3 }
  union group { count(Purchase where Purchase.PurchasedAt in last 90 days) >= 3 }
  union group { sum(Purchase.Amount where Product.Category = "Security") > 500 }
  union group { avg(Purchase.Amount) between 20 and 80 }
}
`;

describe('the reference examples', () => {
    test('parse, link and validate without a diagnostic', async () => {
        const built = await build({ 'schema.segment': `/* The profile schema */\n${REFERENCE_SCHEMA}`, 'segments.segment': `// segments\n${REFERENCE_SEGMENTS}` });
        expect(built.diagnostics).toEqual([]);
        expect([...built.plans.plans.keys()].sort()).toEqual(['Aggregates', 'DoNotCall', 'HighBalance', 'HighBalanceFollowUp', 'SecurityLowSatisfaction']);
    });

    test('from TABLE is optional (the entity name is the table); column defaults to the attribute name', async () => {
        const built = await build('entity Shop key Id { Id number City text }');
        const shop = built.model.schema.entity('Shop');
        expect(shop?.table).toBe('Shop');
        expect(shop?.attributes.get('City')?.column).toBe('City');
    });

    test('a file may hold any mix of database, entities and segments, in any order', async () => {
        const built = await build(`${REFERENCE_SEGMENTS}\ndatabase "x.sqlite"\n${REFERENCE_SCHEMA}`);
        expect(built.diagnostics.filter(d => d.severity === 1 && d.code !== 'database-missing')).toEqual([]);
    });

    test.each([
        ['numbers', 'CustomerSatisfaction in (42, -3, 12.5)'],
        ['booleans', 'DoNotCall = true or DoNotCall = false'],
        ['dates and datetimes', 'Birthday = 2027-02-14 or Purchase.PurchasedAt > 2027-02-14T09:30:00'],
        ['time arithmetic', 'Birthday > today - 30 days and Birthday < 2027-02-14 - 3 weeks and Purchase.PurchasedAt < now + 2 hours'],
        ['every unit', 'Birthday in last 1 day or Birthday in last 2 weeks or Birthday in next 1 month or Birthday in next 3 years or Purchase.PurchasedAt in last 5 minutes or Purchase.PurchasedAt in last 1 hour'],
        ['text operators', 'Name contains "a" or Name starts with "b" or Name ends with "c" or Name is empty or Name is not empty'],
        ['identifiers with _ and digits', 'Name != "x"']
    ])('literals and operators: %s', async (_, condition) => {
        const built = await build({ 'schema.segment': REFERENCE_SCHEMA, 'segments.segment': dynamic(condition) });
        expect(built.diagnostics).toEqual([]);
    });
});

describe('types: each comparison must fit the attribute type', () => {
    test.each([
        ['text compared with a number', 'Name = 42', 'type-mismatch'],
        ['a number compared with text', 'Satisfaction < "sixty"', 'type-mismatch'],
        ['a date compared with a boolean', 'Birthday = true', 'type-mismatch'],
        ['a boolean compared with a number', 'DoNotCall = 1', 'type-mismatch'],
        ['a boolean ordered', 'DoNotCall < true', 'operator-type'],
        ['contains on a number', 'Satisfaction contains "5"', 'text-operator-type'],
        ['a window on text', 'Name in last 3 days', 'window-type'],
        ['hours on a date', 'Birthday in last 3 hours', 'time-unit-type'],
        ['hours added to today', 'Birthday > today - 3 hours', 'time-unit-type'],
        ['an impossible date', 'Birthday = 2027-02-30', 'invalid-date'],
        ['before on a number', 'Satisfaction before 3', 'operator-type'],
        ['in with a wrong value', 'Satisfaction in (1, "2")', 'type-mismatch']
    ])('%s: %s is %s', async (_, condition, code) => {
        const built = await build(withSegments(dynamic(condition)));
        expect(built.diagnostics.map(d => d.code)).toContain(code);
        expect(built.plans.plans.has('S')).toBe(false);
    });
});

describe('syntax', () => {
    test.each([
        ['a missing value', 'Name ='],
        ['a condition without an operator', 'Name'],
        ['an unclosed parenthesis', '(Name = "a"'],
        ['a keyword for a value', 'Name = and']
    ])('%s is a syntax error and the segment is not planned', async (_, condition) => {
        const built = await build(withSegments(dynamic(condition)));
        expect(built.diagnostics.some(d => d.severity === 1)).toBe(true);
        expect(built.plans.plans.has('S')).toBe(false);
    });

    test('conditions are joined by explicit and / or: two comparisons side by side are an error', async () => {
        const built = await build(withSegments(dynamic('Name = "a" Name = "b"')));
        expect(built.diagnostics.some(d => d.severity === 1)).toBe(true);
    });

    test('keywords are lowercase: AND is not a keyword', async () => {
        const built = await build(withSegments(dynamic('Name = "a" AND Name = "b"')));
        expect(built.diagnostics.some(d => d.severity === 1)).toBe(true);
    });

    test('unknown names are errors', async () => {
        const built = await build(withSegments(`${dynamic('Shop.City = "x" and Customer.Nmae = "y"')}compound segment C { S union Missing }`));
        const codes = built.diagnostics.map(d => String(d.code ?? (d.data as { code?: string }).code));
        expect(codes.filter(c => c !== 'unknown-entity' && c !== 'unknown-attribute' && c !== 'unknown-segment' && c !== 'linking-error')).toEqual([]);
        expect(codes.length).toBeGreaterThanOrEqual(3);
    });
});
