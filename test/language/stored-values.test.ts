import { describe, expect, test } from 'vitest';
import { clockAsOf } from '../../compiler/time.js';
import { SegmentRunner } from '../../engine/runner.js';
import { build, database, run } from '../support/harness.js';

/**
 * Reference, section 2: stored values are read as a person reads them, on every engine (the
 * harness runs each segment on sql.js, DuckDB and PostgreSQL and fails when their keys differ).
 * Each database below holds one storage form real exports contain, in columns SQLite leaves
 * untyped so the values stay as stored.
 */
const SCHEMA = `
entity Person from people key Id {
  Id       number
  Active   boolean
  Score    number
  Seen     datetime
  Born     date
}
`;
const segment = (name: string, condition: string): string => `dynamic segment ${name} { audience Person group { ${condition} } }`;

async function members(setup: string, condition: string, asOf = '2027-02-11'): Promise<readonly unknown[]> {
    const keys = await run(SCHEMA + segment('S', condition), `CREATE TABLE people (Id INTEGER PRIMARY KEY, Active, Score, Seen, Born);\n${setup}`, asOf);
    return keys('S');
}

describe('booleans stored as the text true and false, in any case', () => {
    const rows = `INSERT INTO people (Id, Active) VALUES (1, 'true'), (2, 'FALSE'), (3, ' True '), (4, 1), (5, 0), (6, 'Y'), (7, NULL);`;
    test('an integer other than 0 and 1 is no boolean, in an integer column too', async () => {
        const integers = `INSERT INTO people (Id, Active) VALUES (1, 1), (2, 0), (3, 2), (4, -1), (5, NULL);`;
        expect(await members(integers, 'Active = true')).toEqual([1]);
        expect(await members(integers, 'Active is empty')).toEqual([3, 4, 5]);
        expect(await members(integers, 'Active != true')).toEqual([2]);
    });
    test('= true and = false find them', async () => {
        expect(await members(rows, 'Active = true')).toEqual([1, 3, 4]);
        expect(await members(rows, 'Active = false')).toEqual([2, 5]);
    });
    test('a value that is no boolean (`Y`) is missing for every condition', async () => {
        expect(await members(rows, 'Active is empty')).toEqual([6, 7]);
        expect(await members(rows, 'not (Active = true)')).toEqual([2, 5, 6, 7]);
    });
});

describe('numbers stored as text compare as numbers', () => {
    const rows = `INSERT INTO people (Id, Score) VALUES (1, ' 12.50 '), (2, '9'), (3, '100'), (4, 7.5), (5, 'abc'), (6, '1e3'), (7, '-3');`;
    test('` 12.50 ` is more than 9 (as text it would sort before it)', async () => {
        expect(await members(rows, 'Score > 9')).toEqual([1, 3]);
        expect(await members(rows, 'Score between 7 and 13')).toEqual([1, 2, 4]);
        expect(await members(rows, 'Score < 0')).toEqual([7]);
    });
    test('text that is no number in decimal notation is missing', async () => {
        expect(await members(rows, 'Score is empty')).toEqual([5, 6]);
        expect(await members(rows, 'Score in (12.5, 100)')).toEqual([1, 3]);
    });
});

describe('datetimes with an offset are converted to UTC', () => {
    const rows = `INSERT INTO people (Id, Seen) VALUES
      (1, '2026-06-01T23:30:00-02:00'),  -- 2026-06-02 01:30 UTC
      (2, '2026-06-01T00:30:00+02:00'),  -- 2026-05-31 22:30 UTC
      (3, '2026-06-01 12:00:00-0500'),   -- 17:00 UTC
      (4, '2026-06-01 12:00:00Z'),
      (5, '2026-06-01T08:00:00+02');     -- 06:00 UTC`;
    test('a row is on its UTC day, and before exactly the instants after it', async () => {
        expect(await members(rows, 'Seen = 2026-06-01')).toEqual([3, 4, 5]);
        expect(await members(rows, 'Seen = 2026-06-02')).toEqual([1]);
        expect(await members(rows, 'Seen before 2026-06-01T00:00:00')).toEqual([2]);
        expect(await members(rows, 'Seen after 2026-06-01T16:59:59')).toEqual([1, 3]);
        expect(await members(rows, 'Seen between 2026-05-31 and 2026-06-01')).toEqual([2, 3, 4, 5]);
    });
    test('`in last` counts the instant, not the stored day', async () => {
        expect(await members(rows, 'Seen in last 2 hours', '2026-06-02T02:00:00')).toEqual([1]);
    });
});

describe('fractions of a second count', () => {
    const rows = `INSERT INTO people (Id, Seen) VALUES (1, '2026-06-01 10:00:00.250'), (2, '2026-06-01T10:00:00.000Z'), (3, '2026-06-01 10:00:00'), (4, '2026-06-01 09:59:59.999');`;
    test('10:00:00.250 is after 10:00:00; .000 is 10:00:00 itself', async () => {
        expect(await members(rows, 'Seen after 2026-06-01T10:00:00')).toEqual([1]);
        expect(await members(rows, 'Seen = 2026-06-01T10:00:00')).toEqual([2, 3]);
        expect(await members(rows, 'Seen before 2026-06-01T10:00:00')).toEqual([4]);
        expect(await members(rows, 'Seen >= 2026-06-01T10:00:00')).toEqual([1, 2, 3]);
    });
});

describe('a date or datetime that fits no form is missing for every condition', () => {
    const rows = `INSERT INTO people (Id, Born, Seen) VALUES (1, '2026/06/01', '2026/06/01 10:00:00'), (2, '2026-06-01', '2026-06-01 10:00:00'),
      (3, '2026-02-30', '2026-02-30T10:00:00'), (4, 'soon', 'now'), (5, 2461193.5, 2461193.5), (6, NULL, NULL), (7, '2026-06-01T10:00:00', '2026-06-01'),
      (8, '0000-01-01', '2026-05-31 24:00:00'), (9, '2026-06-01 10:00:00+02:00', '2026-06-01 10:00:00.5 +01:00');`;
    test('`2026/06/01`, `2026-02-30`, a word or a number match nothing', async () => {
        expect(await members(rows, 'Born = 2026-06-01')).toEqual([2, 7, 9]);
        expect(await members(rows, 'Born before 2027-01-01')).toEqual([2, 7, 9]);
        expect(await members(rows, 'Born after 2000-01-01')).toEqual([2, 7, 9]);
        expect(await members(rows, 'Seen between 2026-01-01 and 2026-12-31')).toEqual([2, 7]);
        expect(await members(rows, 'Seen in last 30 days', '2026-06-10')).toEqual([2, 7]);
    });
    test('and they are empty, so `not` includes them', async () => {
        expect(await members(rows, 'Born is empty')).toEqual([1, 3, 4, 5, 6, 8]);
        expect(await members(rows, 'not (Born = 2026-06-01)')).toEqual([1, 3, 4, 5, 6, 8]);
        expect(await members(rows, 'Seen is empty')).toEqual([1, 3, 4, 5, 6, 8, 9]);
    });
});

describe('keys', () => {
    const BIG = `
entity Customer from customers key Id { Id number  Name text }
entity Order from orders key OrderId { OrderId number  CustomerId number -> Customer  Total number }
static segment Exact { audience Customer members 9007199254740993, 1234567890123456789 }
dynamic segment Buyers { audience Customer group { Order.Total > 10 } }
dynamic segment Everyone { audience Customer group { Customer.Name is not empty } }
`;
    const data = `CREATE TABLE customers (Id INTEGER PRIMARY KEY, Name TEXT);
      INSERT INTO customers VALUES (9007199254740992, 'a'), (9007199254740993, 'b'), (1234567890123456789, 'c'), (1234567890123456788, 'd'), (5, 'e');
      CREATE TABLE orders (OrderId INTEGER PRIMARY KEY, CustomerId, Total);
      INSERT INTO orders VALUES (1, 1234567890123456789, 20), (2, '9007199254740993', 30), (3, ' 5 ', 40), (4, 9007199254740992, 1);`;
    test('an integer key is exact up to 64 bits: static members, joins and results', async () => {
        const keys = await run(BIG, data);
        expect(await keys('Exact')).toEqual([9007199254740993n, 1234567890123456789n]);
        expect(await keys('Buyers')).toEqual([5, 9007199254740993n, 1234567890123456789n]);
        expect(await keys('Everyone')).toEqual([5, 9007199254740992n, 9007199254740993n, 1234567890123456788n, 1234567890123456789n]);
    });

    test('a 64-bit key stored as text, or beside reals, stays exact; a literal beyond 2^53 is exact', async () => {
        const files = `
entity Customer from customers key Id { Id number }
entity Order from orders key OrderId { OrderId number  CustomerId number -> Customer }
dynamic segment Buyers { audience Customer group { count(Order) >= 1 } }
dynamic segment One { audience Customer group { Customer.Id = 9007199254740993 } }
dynamic segment Above { audience Customer group { Customer.Id > 9007199254740992 } }
`;
        const keys = await run(files, `CREATE TABLE customers (Id); INSERT INTO customers VALUES ('1234567890123456789'), (9007199254740993), (9007199254740992), (2.0), (' 7 ');
          CREATE TABLE orders (OrderId, CustomerId); INSERT INTO orders VALUES (1, 1234567890123456789), (2, '9007199254740993'), (3, 2), (4, 7.0);`);
        expect(await keys('Buyers')).toEqual([2, 7, 9007199254740993n, 1234567890123456789n]);
        expect(await keys('One')).toEqual([9007199254740993n]);
        expect(await keys('Above')).toEqual([9007199254740993n, 1234567890123456789n]);
    });

    test('`5` and `"5"` in a key or foreign key column are one key', async () => {
        const files = `
entity Customer from customers key Id { Id number }
entity Order from orders key OrderId { OrderId number  CustomerId number -> Customer }
dynamic segment Buyers { audience Customer group { count(Order) >= 2 } }
dynamic segment All { audience Customer group { Customer.Id > 0 } }
`;
        const keys = await run(files, `CREATE TABLE customers (Id PRIMARY KEY); INSERT INTO customers VALUES (5), ('6'), (7.0);
          CREATE TABLE orders (OrderId, CustomerId); INSERT INTO orders VALUES (1, 5), (2, '5'), (3, 6), (4, ' 6'), (5, '7'), (6, 7);`);
        expect(await keys('All')).toEqual([5, 6, 7]);
        expect(await keys('Buyers')).toEqual([5, 6, 7]);
    });

    test('a key stored twice is one member: the count, the member list and the shown rows agree', async () => {
        const files = `entity Customer from customers key Id { Id number  Name text }
dynamic segment All { audience Customer show Customer.Name group { Customer.Name is not empty } }`;
        const setup = `CREATE TABLE customers (Id, Name); INSERT INTO customers VALUES (1, 'a'), (1, 'a again'), (2, 'b'), ('2', 'b again'), (3, 'c'), (3, 'c');`;
        const keys = await run(files, setup);
        expect(await keys('All')).toEqual([1, 2, 3]);
        const built = await build(files);
        const runner = new SegmentRunner(await database(setup), built.plans.plans, clockAsOf('2027-02-11'));
        const shown = await runner.showRows('All', await runner.keys('All'));
        expect(shown.rows.map(r => r[0])).toEqual([1, 2, 3]);
    });
});

describe('groups of a key stored twice combine as sets of keys', () => {
    test('exclude leaves out a key when any of its records is in the excluded group; intersect keeps it when its records are in both, one each', async () => {
        const files = `entity Customer from customers key Id { Id number  Name text  Score number }
dynamic segment Excluded { audience Customer group { Customer.Name is not empty } exclude group { Customer.Score > 50 } }
dynamic segment Both { audience Customer group { Customer.Name = "a" } intersect group { Customer.Score > 50 } }
dynamic segment Either { audience Customer group { Customer.Name = "a" } union group { Customer.Score > 50 } }`;
        // Key 1: one record named "a" with no score, another with score 90. Key 2: one record, "b", 10.
        const setup = `CREATE TABLE customers (Id, Name, Score); INSERT INTO customers VALUES (1, 'a', NULL), (' 1', NULL, 90), (2, 'b', 10);`;
        const keys = await run(files, setup);
        expect(await keys('Excluded')).toEqual([2]);
        expect(await keys('Both')).toEqual([1]);
        expect(await keys('Either')).toEqual([1]);
    });

    test('with distinct keys the groups are one pass over the records', async () => {
        const files = `entity Customer from customers key Id { Id number  Name text  Score number }
dynamic segment Excluded { audience Customer group { Customer.Name is not empty } exclude group { Customer.Score > 50 } }`;
        const setup = `CREATE TABLE customers (Id INTEGER PRIMARY KEY, Name, Score); INSERT INTO customers VALUES (1, 'a', 90), (2, 'b', 10);`;
        const built = await build(files);
        const runner = new SegmentRunner(await database(setup), built.plans.plans, clockAsOf('2027-02-11'));
        expect(await runner.keys('Excluded')).toEqual([2]);
        expect(await runner.sql('Excluded')).not.toContain('EXCEPT');
    });
});

describe('shown values follow keys as they are stored', () => {
    test('`show` reaches the customer of an order whose foreign key is stored as text', async () => {
        const files = `entity Customer from customers key Id { Id number  Name text }
entity Order from orders key OrderId { OrderId number  CustomerId number -> Customer }
dynamic segment Orders { audience Order show Customer.Name group { Order.OrderId > 0 } }`;
        const setup = `CREATE TABLE customers (Id, Name); INSERT INTO customers VALUES (5, 'Eve'), ('6', 'Fay');
          CREATE TABLE orders (OrderId, CustomerId); INSERT INTO orders VALUES (1, '5'), (2, ' 6 '), (3, 6);`;
        expect(await (await run(files, setup))('Orders')).toEqual([1, 2, 3]);
        const built = await build(files);
        const runner = new SegmentRunner(await database(setup), built.plans.plans, clockAsOf('2027-02-11'));
        expect((await runner.showRows('Orders', [1, 2, 3])).rows).toEqual([[1, 'Eve'], [2, 'Fay'], [3, 'Fay']]);
    });
});

describe('sum and avg are decimal (section 4.2)', () => {
    const files = `
entity Invoice from invoices key Id { Id number }
entity Line from lines key LineId { LineId number  InvoiceId number -> Invoice  Amount number }
dynamic segment Cents { audience Invoice group { sum(Line.Amount) = 37.62 } }
dynamic segment Tenths { audience Invoice group { sum(Line.Amount) = 1 } }
dynamic segment Average { audience Invoice group { avg(Line.Amount) = 5.3742857143 } }
dynamic segment Big { audience Invoice group { sum(Line.Amount) = 123456789.12 } }
`;
    const amounts = [1.98, 13.86, 8.91, 1.98, 3.96, 5.94, 0.99];
    const setup = `CREATE TABLE invoices (Id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (1), (2), (3);
      CREATE TABLE lines (LineId INTEGER PRIMARY KEY, InvoiceId INTEGER, Amount REAL);
      INSERT INTO lines (InvoiceId, Amount) VALUES ${amounts.map(a => `(1, ${a})`).join(', ')}, ${Array.from({ length: 10 }, () => '(2, 0.1)').join(', ')},
        (3, 123456789.02), (3, 0.1);`;
    test('1.98 + 13.86 + 8.91 + 1.98 + 3.96 + 5.94 + 0.99 = 37.62, and ten times 0.1 is 1, on every engine', async () => {
        const keys = await run(files, setup);
        expect(await keys('Cents')).toEqual([1]);
        expect(await keys('Tenths')).toEqual([2]);
        expect(await keys('Big')).toEqual([3]);
    });
    test('amounts stored as text add up the same', async () => {
        const keys = await run(files, setup.replace('Amount REAL', 'Amount').replace(/\((\d), ([\d.]+)\)/g, "($1, ' $2 ')"));
        expect(await keys('Cents')).toEqual([1]);
        expect(await keys('Tenths')).toEqual([2]);
        expect(await keys('Big')).toEqual([3]);
        expect(await keys('Average')).toEqual([1]);
    });
    test('avg is the decimal sum over the count, rounded half away from zero to 10 places', async () => {
        const keys = await run(files, setup);
        expect(await keys('Average')).toEqual([1]); // 37.62 / 7 = 5.374285714285...
    });
});
