import { describe, expect, test } from 'vitest';
import { clockAsOf } from '../../compiler/time.js';
import { Refresher, sqliteTableVersions, tablesRead } from '../../engine/refresh.js';
import { SegmentRunner } from '../../engine/runner.js';
import { build, database } from '../support/harness.js';
import { TABLES, withSegments } from '../support/shop.js';

// Incremental refresh: only segments whose tables changed run again; compound segments reuse parts.
const SEGMENTS = withSegments(`
dynamic segment Happy { audience Customer group { Satisfaction > 60 } }
dynamic segment Buyers { audience Customer group { Purchase.Amount > 10 } }
static segment Listed { audience Customer members 1, 2 }
compound segment HappyBuyers { Happy intersect Buyers }
compound segment HappyNotListed { Happy exclude Listed }
`);

const DATA = `${TABLES}
insert into customers values (1, 'a', 70, 0, NULL, NULL), (2, 'b', 80, 0, NULL, NULL), (3, 'c', 90, 0, NULL, NULL), (4, 'd', 10, 0, NULL, NULL);
insert into products values (1, 'Security');
insert into purchases values (1, 1, 1, '2027-01-01 10:00:00', 50), (2, 4, 1, '2027-01-01 10:00:00', 50);`;

async function setup() {
    const built = await build(SEGMENTS);
    const plans = built.plans.plans;
    const engine = await database(DATA);
    const refresher = new Refresher(plans, tables => sqliteTableVersions(engine, tables));
    const refresh = () => refresher.refresh(new SegmentRunner(engine, plans, clockAsOf('2027-02-11')));
    return { plans, engine, refresh };
}

describe('incremental refresh', () => {
    test('tables read: dynamic joins, static audience, compound union of parts', async () => {
        const { plans } = await setup();
        expect([...tablesRead('Happy', plans)]).toEqual(['customers']);
        expect([...tablesRead('Buyers', plans)].sort()).toEqual(['customers', 'purchases']);
        expect([...tablesRead('Listed', plans)]).toEqual(['customers']);
        expect([...tablesRead('HappyBuyers', plans)].sort()).toEqual(['customers', 'purchases']);
    });

    test('first refresh evaluates everything; an unchanged database reuses everything', async () => {
        const { refresh } = await setup();
        const first = await refresh();
        expect([...first.evaluated].sort()).toEqual(['Buyers', 'Happy', 'HappyBuyers', 'HappyNotListed', 'Listed']);
        expect(first.members.get('HappyBuyers')).toEqual([1]);
        const second = await refresh();
        expect(second.evaluated).toEqual([]);
        expect(second.members.get('HappyNotListed')).toEqual([3]);
    });

    test('a change to purchases re-runs only the segments that read purchases, reusing Happy', async () => {
        const { engine, refresh } = await setup();
        await refresh();
        engine.querySync("insert into purchases values (3, 3, 1, '2027-01-02 10:00:00', 99);");
        const after = await refresh();
        expect([...after.evaluated].sort()).toEqual(['Buyers', 'HappyBuyers']);
        expect(after.reused).toContain('Happy');
        expect(after.members.get('HappyBuyers')).toEqual([1, 3]);
    });

    test('an update in place is seen (the checksum, not only row counts)', async () => {
        const { engine, refresh } = await setup();
        await refresh();
        engine.querySync('update customers set satisfaction = 20 where customer_id = 3;');
        const after = await refresh();
        expect([...after.evaluated].sort()).toEqual(['Buyers', 'Happy', 'HappyBuyers', 'HappyNotListed', 'Listed']);
        expect(after.members.get('HappyNotListed')).toEqual([]);
    });
});
