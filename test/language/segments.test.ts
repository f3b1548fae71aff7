import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { clockAsOf } from '../../compiler/time.js';
import { SegmentRunner } from '../../engine/runner.js';
import { build, database, run } from '../support/harness.js';
import { customers, dynamic, TABLES, withSegments } from '../support/shop.js';

// §3.2 static and §3.3 compound segments.
const PEOPLE = TABLES + customers([
    [1, 'Ann', 50, 1, null, null], [2, 'Bob', 70, 0, null, null], [3, 'Cy', 40, 1, null, null], [4, 'Di', 90, 0, null, null]
]);

describe('static segments', () => {
    test('membership is the listed keys that exist in the audience entity', async () => {
        const keys = await run(withSegments('static segment DoNotCall { audience Customer members 3, 1, 99 }'), PEOPLE);
        expect(await keys('DoNotCall')).toEqual([1, 3]);
    });

    test('a key not found in the data is not an error', async () => {
        const built = await build(withSegments('static segment DoNotCall { audience Customer members 3, 1, 99 }'));
        expect(built.diagnostics.filter(d => d.severity === 1)).toEqual([]);
    });

    test('members from "file.csv" reads the first column after the header, relative to the segment file', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-static-'));
        writeFileSync(join(dir, 'dnc.csv'), 'customer_id,reason\n2,asked\n4,"asked, twice"\n\n77,unknown\n');
        const built = await build(withSegments('static segment FromFile { audience Customer members from "dnc.csv" }'));
        const plan = built.plans.plans.get('FromFile');
        expect(plan?.kind === 'static' && plan.members.kind === 'file' ? plan.members.path : undefined).toBe('/ws/dnc.csv');
        // The same plan, pointed at the real file.
        const plans = new Map(built.plans.plans);
        if (plan?.kind === 'static') plans.set('FromFile', { ...plan, members: { kind: 'file', path: join(dir, 'dnc.csv') } });
        const runner = new SegmentRunner(await database(PEOPLE), plans, clockAsOf('2027-02-14'));
        expect(await runner.keys('FromFile')).toEqual([2, 4]);
    });

    test('static segments never change when the data changes', async () => {
        const files = withSegments('static segment Fixed { audience Customer members 1, 2 }');
        const before = await run(files, PEOPLE);
        const after = await run(files, PEOPLE + 'delete from customers where customer_id = 4;');
        expect(await before('Fixed')).toEqual(await after('Fixed'));
    });

    test('keys must have the type of the audience key', async () => {
        const built = await build(withSegments('static segment Bad { audience Customer members "a", 2 }'));
        expect(built.diagnostics.map(d => d.code)).toContain('key-type');
    });
});

describe('compound segments', () => {
    const PARTS = dynamic('Satisfaction < 60', 'Low') + dynamic('Satisfaction > 45', 'High')
        + 'static segment Listed { audience Customer members 1, 4 }\n';

    test('the seed: high balance exclude do-not-call', async () => {
        const keys = await run(withSegments(PARTS + 'compound segment C { High exclude Listed }'), PEOPLE);
        expect(await keys('High')).toEqual([1, 2, 4]);
        expect(await keys('C')).toEqual([2]);
    });

    test('parts apply left to right', async () => {
        const keys = await run(withSegments(PARTS + `
compound segment A { Low union High exclude Listed }
compound segment B { Low exclude Listed union High }
compound segment I { Low union Listed intersect High }`), PEOPLE);
        expect(await keys('A')).toEqual([2, 3]);
        expect(await keys('B')).toEqual([1, 2, 3, 4]);
        expect(await keys('I')).toEqual([1, 4]);
    });

    test('compound segments may refer to compound segments, across files', async () => {
        const keys = await run({
            ...withSegments(PARTS),
            'compound.segment': 'compound segment Inner { Low union High }\ncompound segment Outer { Inner exclude Listed }'
        }, PEOPLE);
        expect(await keys('Outer')).toEqual([2, 3]);
    });

    test('a declared audience must match the parts', async () => {
        const built = await build(withSegments(PARTS + 'entity Shop from shops key Id { Id number }\ncompound segment C { audience Shop Low }'));
        expect(built.diagnostics.map(d => d.code)).toContain('audience-mismatch');
    });

    test('all parts share one audience', async () => {
        const built = await build(withSegments(PARTS + `
entity Product2 from products key ProductID { ProductID number column product_id }
static segment Products { audience Product2 members 1 }
compound segment C { Low union Products }`));
        expect(built.diagnostics.filter(d => d.code === 'audience-mismatch')).toHaveLength(1);
    });

    test('a segment that refers to itself, directly or through others, is an error naming the cycle', async () => {
        const built = await build(withSegments(PARTS + 'compound segment X { Low union Y }\ncompound segment Y { X exclude Listed }\ncompound segment Z { Z }'));
        const cycles = built.diagnostics.filter(d => d.code === 'segment-cycle');
        expect(cycles.map(d => d.message).join('\n')).toContain('X → Y → X');
        expect(cycles).toHaveLength(3);
        expect(built.plans.plans.has('X')).toBe(false);
    });
});

describe('properties', () => {
    test('title defaults to the name; status defaults to active; inactive segments can still be run by hand', async () => {
        const built = await build(withSegments(`dynamic segment S { status inactive audience Customer group { Satisfaction > 1 } }
dynamic segment T { title "Tee" audience Customer group { Satisfaction > 1 } }`));
        expect(built.plans.plans.get('S')).toMatchObject({ title: 'S', active: false });
        expect(built.plans.plans.get('T')).toMatchObject({ title: 'Tee', active: true });
        const keys = await run(withSegments('dynamic segment S { status inactive audience Customer group { Satisfaction > 60 } }'), PEOPLE);
        expect(await keys('S')).toEqual([2, 4]);
    });

    test('static and dynamic segments need an audience', async () => {
        const built = await build(withSegments('dynamic segment S { group { Satisfaction > 1 } }'));
        expect(built.diagnostics.map(d => d.code)).toContain('missing-audience');
    });

    test('each property at most once', async () => {
        const built = await build(withSegments('dynamic segment S { title "a" title "b" audience Customer group { Satisfaction > 1 } }'));
        expect(built.diagnostics.map(d => d.code)).toContain('duplicate-property');
    });

    test('show lists attributes reachable as one value; a to-many attribute is an error', async () => {
        const ok = await build(withSegments('dynamic segment S { audience Customer show Customer.Name, Satisfaction group { Satisfaction > 1 } }'));
        expect(ok.plans.plans.get('S')?.show.map(s => s.label)).toEqual(['Name', 'Satisfaction']);
        const bad = await build(withSegments('dynamic segment S { audience Customer show Purchase.Amount group { Satisfaction > 1 } }'));
        expect(bad.diagnostics.map(d => d.code)).toContain('show-unreachable');
    });

    test('show attributes of an entity the audience refers to', async () => {
        const keys = await run(withSegments('dynamic segment P { audience Purchase show Product.Category group { Purchase.Amount > 1 } }'),
            PEOPLE + "insert into products values (10, 'Security'); insert into purchases values (1, 1, 10, '2027-01-01', 5);");
        expect(await keys('P')).toEqual([1]);
    });
});

test('names of entities and segments are unique in the workspace', async () => {
    const built = await build({ ...withSegments(dynamic('Satisfaction > 1', 'Dup')), 'other.segment': dynamic('Satisfaction > 2', 'Dup') + dynamic('Satisfaction > 2', 'Customer') });
    expect(built.diagnostics.filter(d => d.code === 'duplicate-name')).toHaveLength(2);
});
