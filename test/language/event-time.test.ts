import { describe, expect, test } from 'vitest';
import type { KeyValue } from '../../compiler/keys.js';
import { clockAsOf } from '../../compiler/time.js';
import { SegmentRunner } from '../../engine/runner.js';
import { otherEngines } from '../support/engines.js';
import { build, codes, database, run } from '../support/harness.js';

// §6.1 Event time, and what "as of" hides: records of an event entity whose time is after the
// run's instant (a date time: after today), or missing, do not exist, everywhere.

const SCHEMA = `
entity Customer from customers key CustomerId time SignedUpAt {
  CustomerId  number    column customer_id
  Name        text
  Birthday    date
  SignedUpAt  datetime  column signed_up_at
}

entity Product from products key ProductId {
  ProductId  number  column product_id
  Category   text
}

entity Purchase from purchases key PurchaseId time PurchasedAt {
  PurchaseId   number    column purchase_id
  CustomerId   number    column customer_id  -> Customer
  ProductId    number    column product_id   -> Product
  PurchasedAt  datetime  column purchased_at
  Amount       number
}

entity Shipment from shipments key ShipmentId {
  ShipmentId  number  column shipment_id
  PurchaseId  number  column purchase_id  -> Purchase
  Carrier     text
}

entity Interaction from interactions key InteractionId time OccurredOn {
  InteractionId  number  column interaction_id
  CustomerId     number  column customer_id  -> Customer
  Kind           text
  OccurredOn     date    column occurred_on
}
`;

const TABLES = `
create table customers(customer_id integer primary key, name text, birthday text, signed_up_at text);
create table products(product_id integer primary key, category text);
create table purchases(purchase_id integer primary key, customer_id integer, product_id integer, purchased_at text, amount real);
create table shipments(shipment_id integer primary key, purchase_id integer, carrier text);
create table interactions(interaction_id integer primary key, customer_id integer, kind text, occurred_on text);
`;

/**
 * As of 2027-02-11 (now 2027-02-11 23:59:59): customers 1 to 4 exist, 5 signs up on 2027-02-12,
 * 6 has no signup time, 7 an unreadable one.
 */
const DATA = `${TABLES}
insert into customers values
  (1, 'Ada', '1990-05-01', '2026-01-10 09:00:00'),
  (2, 'Bob', '2027-03-01', '2026-06-01T12:00:00Z'),
  (3, 'Cy', NULL, '2027-02-11 23:59:59'),
  (4, 'Di', NULL, '2027-02-11T22:30:00-01:00'),
  (5, 'Ed', NULL, '2027-02-12 00:00:00'),
  (6, 'Flo', NULL, NULL),
  (7, 'Gus', NULL, '2027/01/01');
insert into products values (10, 'Books'), (11, 'Garden');
insert into purchases values
  (100, 1, 10, '2027-01-05 10:00:00', 20),
  (101, 1, 11, '2027-02-11 23:59:59', 30),
  (102, 2, 10, '2027-02-12 00:00:00', 50),
  (103, 2, 11, '2027-02-01 08:00:00', 5),
  (104, 3, 10, NULL, 70),
  (105, 3, 10, 'not a time', 70),
  (106, 3, 11, '2027-02-11 23:59:59.500', 9),
  (107, 5, 10, '2027-01-20 10:00:00', 40),
  (108, 4, 10, '2027-02-11T23:30:00+01:00', 15);
insert into shipments values (500, 100, 'DHL'), (501, 102, 'UPS'), (502, 104, 'UPS'), (503, 107, 'DHL');
insert into interactions values
  (900, 1, 'call', '2027-02-11'),
  (901, 2, 'call', '2027-02-12'),
  (902, 3, 'email', NULL),
  (903, 4, 'email', '2027-02-10T23:00:00-05:00');
`;

const files = (segments: string): Record<string, string> => ({ 'schema.segment': SCHEMA, 'segments.segment': segments });

function customerSegment(condition: string, name = 'S'): string {
    return `dynamic segment ${name} {\n  audience Customer\n  group {\n    ${condition}\n  }\n}\n`;
}

async function members(condition: string, setup = DATA, asOf = '2027-02-11'): Promise<readonly KeyValue[]> {
    return (await run(files(customerSegment(condition)), setup, asOf))('S');
}

describe('validation', () => {
    test('the time of an entity is a date or datetime attribute of it', async () => {
        expect(await codes(files(customerSegment('Name = "Ada"')))).toEqual([]);
    });

    test('a time of another type is an error that says what to do', async () => {
        const schema = SCHEMA.replace('key InteractionId time OccurredOn', 'key InteractionId time Kind');
        const built = await build({ 'schema.segment': schema, 'segments.segment': customerSegment('count(Interaction) > 0') + customerSegment('Name = "Ada"', 'T') });
        const entity = built.diagnostics.find(d => d.file === 'schema.segment');
        expect(entity?.code).toBe('time-type');
        expect(entity?.message).toContain('Kind is a text');
        expect(entity?.message).toContain('name a date or datetime attribute of Interaction');
        // A segment reading the entity cannot say which records exist: it has the error and no plan.
        const segment = built.diagnostics.filter(d => d.file === 'segments.segment');
        expect(segment.map(d => d.code)).toEqual(['time-type']);
        expect(segment[0].range.start.line).toBe(0);
        expect(built.plans.plans.has('S')).toBe(false);
        // A segment that does not read it runs.
        expect(built.plans.plans.has('T')).toBe(true);
    });

    test('a number or boolean time is an error too', async () => {
        const schema = SCHEMA.replace('key PurchaseId time PurchasedAt', 'key PurchaseId time Amount');
        expect(await codes({ 'schema.segment': schema, 'segments.segment': customerSegment('Name = "Ada"') })).toEqual(['time-type']);
    });

    test('a time that names no attribute of the entity is an unknown name, and segments reading the entity do not run', async () => {
        const schema = SCHEMA.replace('key PurchaseId time PurchasedAt', 'key PurchaseId time BoughtAt');
        const built = await build({ 'schema.segment': schema, 'segments.segment': customerSegment('count(Purchase) > 0') });
        expect(built.diagnostics.some(d => d.file === 'schema.segment' && d.severity === 1)).toBe(true);
        expect(built.diagnostics.filter(d => d.file === 'segments.segment').map(d => d.code)).toEqual(['time-type']);
        expect(built.plans.plans.has('S')).toBe(false);
    });
});

describe('as of an instant, later records do not exist', () => {
    test('in groups: a purchase after now is not one of the customer\'s purchases', async () => {
        // 102 (Bob's Books purchase) is made on 2027-02-12; 106 at 23:59:59.500, after now; 104 and 105 have no readable time.
        expect(await members('Product.Category = "Books"')).toEqual([1, 4]);
        expect(await members('Product.Category = "Garden"')).toEqual([1, 2]);
        expect(await members('Purchase.Amount >= 50')).toEqual([]);
    });

    test('the fraction of a second counts, and an offset is converted to UTC', async () => {
        // 108 is 2027-02-11 22:30 UTC: it exists; customer 4 signed up 2027-02-11 23:30 UTC.
        expect(await members('Purchase.PurchaseId = 108')).toEqual([4]);
        expect(await members('Purchase.PurchaseId = 106')).toEqual([]);
        expect(await members('Purchase.PurchaseId = 106', DATA, '2027-02-12')).toEqual([3]);
    });

    test('in aggregates: later and undated records are not counted', async () => {
        expect(await members('count(Purchase) >= 2')).toEqual([1]);
        expect(await members('count(Purchase) = 0')).toEqual([3]);
        expect(await members('sum(Purchase.Amount) = 5')).toEqual([2]);
        expect(await members('max(Purchase.PurchasedAt) after 2027-02-05')).toEqual([1, 4]);
        expect(await members('count(Shipment) = 1')).toEqual([1]);
    });

    test('a profile of an event audience exists from its time on: later and undated ones are no members', async () => {
        expect(await members('Name is not empty')).toEqual([1, 2, 3, 4]);
        expect(await members('not (Name = "Ada")')).toEqual([2, 3, 4]);
        expect(await members('Name is not empty', DATA, '2027-02-11T23:00:00')).toEqual([1, 2]);
        expect(await members('Name is not empty', DATA, '2027-02-12')).toEqual([1, 2, 3, 4, 5]);
    });

    test('other dates after today are read as stored: only the time attribute hides records', async () => {
        expect(await members('Birthday after today')).toEqual([2]);
    });

    test('a date time hides the records after today only', async () => {
        // 900 is dated today: it exists at every instant of today, even at midnight.
        expect(await members('Interaction.Kind = "call"')).toEqual([1]);
        expect(await members('Interaction.Kind = "call"', DATA, '2027-02-11T00:00:00')).toEqual([1]);
        expect(await members('Interaction.Kind = "call"', DATA, '2027-02-12T00:00:00')).toEqual([1, 2]);
        // A missing date hides the record; a datetime stored in a date column is read as its UTC day (903 is 2027-02-11).
        expect(await members('Interaction.Kind = "email"')).toEqual([4]);
        expect(await members('Interaction.Kind = "email"', DATA, '2027-02-10')).toEqual([]);
    });

    test('a missing or unreadable time hides the record', async () => {
        expect(await members('Purchase.Amount = 70')).toEqual([]);
        expect(await members('Name in ("Flo", "Gus")', DATA, '2030-01-01')).toEqual([]);
    });
});

describe('a record that does not exist relates nothing', () => {
    test('a path passes only through records that exist: the shipment of a purchase not made yet belongs to no one', async () => {
        // 501 ships 102 (made 2027-02-12), 502 ships 104 (no time): neither relates to a customer.
        expect(await members('Shipment.Carrier = "UPS"')).toEqual([]);
        expect(await members('Shipment.Carrier = "UPS"', DATA, '2027-02-12')).toEqual([2]);
        expect(await members('Shipment.Carrier = "DHL"')).toEqual([1]);
    });

    test('existence depends on a record\'s own time alone, never on the records it refers to', async () => {
        const segments = `
dynamic segment Early { audience Purchase group { Amount = 40 } }
dynamic segment EarlysCustomer { audience Purchase group { Customer.Name = "Ed" } }
dynamic segment Shipped { audience Shipment group { Carrier = "DHL" } }
dynamic segment ShippedToAda { audience Shipment group { Customer.Name = "Ada" } }
`;
        const keys = await run(files(segments), DATA);
        // 107 was made before its customer (5) signed up: it exists, but relates to no customer yet.
        expect(await keys('Early')).toEqual([107]);
        expect(await keys('EarlysCustomer')).toEqual([]);
        // Shipments have no time: they always exist, and relate to what their purchase relates to.
        expect(await keys('Shipped')).toEqual([500, 503]);
        expect(await keys('ShippedToAda')).toEqual([500]);
    });
});

describe('static and compound segments', () => {
    test('static membership: the listed profiles that exist at the instant', async () => {
        const segments = 'static segment Listed { audience Customer members 1, 3, 5, 6 }\n';
        expect(await (await run(files(segments), DATA))('Listed')).toEqual([1, 3]);
        expect(await (await run(files(segments), DATA, '2027-02-12'))('Listed')).toEqual([1, 3, 5]);
    });

    test('compound parts are each evaluated at the instant', async () => {
        const segments = `${customerSegment('count(Purchase) >= 1', 'Buyers')}${customerSegment('Product.Category = "Books"', 'Books')}
static segment Listed { audience Customer members 1, 2, 5 }
compound segment NonBookBuyers { Buyers exclude Books }
compound segment ListedBuyers { Listed intersect Buyers }
`;
        const keys = await run(files(segments), DATA);
        expect(await keys('NonBookBuyers')).toEqual([2]);
        expect(await keys('ListedBuyers')).toEqual([1, 2]);
        const later = await run(files(segments), DATA, '2027-02-12');
        expect(await later('NonBookBuyers')).toEqual([3]);
        expect(await later('ListedBuyers')).toEqual([1, 2, 5]);
    });
});

describe('show', () => {
    test('the shown attributes of a record that does not exist are missing', async () => {
        const segments = 'dynamic segment Buys { audience Purchase show Customer.Name, Product.Category group { Amount > 0 } }\n';
        const built = await build(files(segments));
        const engine = await database(DATA);
        const runners = [engine, ...await otherEngines(engine)].map(e => new SegmentRunner(e, built.plans.plans, clockAsOf('2027-02-11')));
        for (const runner of runners) {
            const keys = await runner.keys('Buys');
            expect(keys, runner.engineName).toEqual([100, 101, 103, 107, 108]);
            const shown = await runner.showRows('Buys', keys);
            expect(shown.rows, runner.engineName).toEqual([[100, 'Ada', 'Books'], [101, 'Ada', 'Garden'], [103, 'Bob', 'Garden'], [107, null, 'Books'], [108, 'Di', 'Books']]);
        }
    });
});

describe('counts as of a day do not change when later records are appended', () => {
    const segments = `${customerSegment('count(Purchase) >= 1', 'Buyers')}
${customerSegment('count(Interaction where Interaction.Kind = "call") = 0', 'NoCalls')}
${customerSegment('sum(Purchase.Amount) < 40', 'SmallSpenders')}
${customerSegment('Name is not empty', 'Everyone')}
${customerSegment('Shipment.Carrier = "DHL"', 'Dhl')}
static segment Listed { audience Customer members 1, 2, 8 }
compound segment Quiet { Everyone exclude Buyers }
`;
    // A purchase, an interaction, a shipment of that purchase and a customer signing up, all on 2027-02-12.
    const LATER = `
insert into purchases values (200, 4, 10, '2027-02-12T08:00:00', 500), (201, 8, 11, '2027-02-12 09:00:00', 1);
insert into interactions values (950, 4, 'call', '2027-02-12');
insert into shipments values (550, 200, 'DHL');
insert into customers values (8, 'Hal', NULL, '2027-02-12 07:00:00');
`;

    test.each(['Buyers', 'NoCalls', 'SmallSpenders', 'Everyone', 'Dhl', 'Listed', 'Quiet'])('%s', async name => {
        const before = await (await run(files(segments), DATA))(name);
        const after = await (await run(files(segments), DATA + LATER))(name);
        expect(after).toEqual(before);
        const expected: Record<string, readonly number[]> = {
            Buyers: [1, 2, 4], NoCalls: [2, 3, 4], SmallSpenders: [2, 3, 4], Everyone: [1, 2, 3, 4], Dhl: [1], Listed: [1, 2], Quiet: [3]
        };
        expect(before).toEqual(expected[name]);
        // The next day they count.
        const nextDay = await (await run(files(segments), DATA + LATER, '2027-02-12'))(name);
        if (name === 'Everyone') expect(nextDay).toEqual([1, 2, 3, 4, 5, 8]);
    });
});

describe('when no record is after the instant, none is hidden and none is filtered', () => {
    // Every time readable, none after 2027-02-11 03:00 UTC. 301 is stored on the 10th and is the
    // latest purchase in UTC; 302, stored on the 11th, is earlier than 301 and than 300.
    const CLEAN = `${TABLES}
insert into customers values (1, 'Ada', NULL, '2026-01-10 09:00:00'), (2, 'Bob', NULL, '2026-06-01T12:00:00Z'), (3, 'Cy', NULL, '2027-02-11');
insert into products values (10, 'Books');
insert into purchases values
  (300, 1, 10, '2027-02-11 01:00:00', 20),
  (301, 2, 10, '2027-02-10T22:00:00-05:00', 30),
  (302, 1, 10, '2027-02-11T02:00:00+03:00', 40);
insert into interactions values (900, 1, 'call', '2027-02-11'), (901, 3, 'call', '2027-02-01');
`;
    const purchaseTime = { entity: 'Purchase', table: 'purchases', column: 'purchased_at', type: 'datetime', latest: true } as const;
    const customerTime = { entity: 'Customer', table: 'customers', column: 'signed_up_at', type: 'datetime', latest: true } as const;
    const interactionTime = { entity: 'Interaction', table: 'interactions', column: 'occurred_on', type: 'date', latest: true } as const;
    const attribute = (r: typeof purchaseTime | typeof customerTime | typeof interactionTime) =>
        ({ entity: r.entity, name: 'Time', column: r.column, type: r.type });

    test('every engine finds the latest time as the language reads it (an offset counted), or none when a time is missing or unreadable', async () => {
        const clean = await database(CLEAN);
        for (const engine of [clean, ...await otherEngines(clean)]) {
            const facts = await engine.storage([purchaseTime, customerTime, interactionTime]);
            expect(facts.latestTime(attribute(purchaseTime)), engine.name).toBe('2027-02-11 03:00:00');
            expect(facts.latestTime(attribute(customerTime)), engine.name).toBe('2027-02-11 00:00:00');
            expect(facts.latestTime(attribute(interactionTime)), engine.name).toBe('2027-02-11');
        }
        const missing = await database(`${CLEAN} insert into purchases values (303, 1, 10, NULL, 1);`);
        const unreadable = await database(`${CLEAN} insert into purchases values (303, 1, 10, '2027/01/01', 1);`);
        for (const engine of [missing, ...await otherEngines(missing), unreadable, ...await otherEngines(unreadable)]) {
            expect((await engine.storage([purchaseTime])).latestTime(attribute(purchaseTime)), engine.name).toBeUndefined();
        }
    });

    test('as of an instant after every record, the records are read without a condition on their time; before the latest, the later ones are hidden', async () => {
        const segments = `${customerSegment('Purchase.PurchaseId = 301', 'Latest')}${customerSegment('count(Purchase) = 0', 'NoPurchase')}
${customerSegment('count(Interaction) = 0', 'NoCall')}`;
        const built = await build(files(segments));
        const clean = await database(CLEAN);
        for (const engine of [clean, ...await otherEngines(clean)]) {
            const asOf = async (instant: string, name: string): Promise<{ keys: readonly KeyValue[]; sql: string }> => {
                const runner = new SegmentRunner(engine, built.plans.plans, clockAsOf(instant));
                return { keys: await runner.keys(name), sql: await runner.sql(name) };
            };
            const all = await asOf('2027-02-11T03:00:00', 'Latest');
            expect(all.keys, engine.name).toEqual([2]);
            expect(all.sql, engine.name).not.toMatch(/\(SELECT \* FROM/);
            const before = await asOf('2027-02-11T02:59:59', 'Latest');
            expect(before.keys, engine.name).toEqual([]);
            expect(before.sql, engine.name).toMatch(/\(SELECT \* FROM "purchases"/);
            // Cy signed up at 2027-02-11 00:00: as of the 10th he does not exist yet.
            expect((await asOf('2027-02-11', 'NoPurchase')).keys, engine.name).toEqual([3]);
            expect((await asOf('2027-02-10', 'NoPurchase')).keys, engine.name).toEqual([2]);
            // A date time: the records of today exist at every instant of today.
            const today = await asOf('2027-02-11T00:00:00', 'NoCall');
            expect(today.keys, engine.name).toEqual([2]);
            expect(today.sql, engine.name).not.toMatch(/\(SELECT \* FROM "interactions"/);
        }
    });
});
