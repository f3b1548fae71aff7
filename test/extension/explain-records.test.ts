import { afterAll, describe, expect, it } from 'vitest';
import { copySample, InProcessEvaluator } from './sample-workspace.js';

/**
 * Explain Membership on a group over related records (issue: "Engaged fails" while each of its
 * conditions shows ✓): the conditions must hold on the same Interaction, so the explanation
 * shows the profile's records closest to passing and which of their conditions fail. The
 * expected records were read from the sample by hand (as of 2027-02-11, "last 90 days" starts
 * 2026-11-13).
 */
describe('Explain Membership on joined records', () => {
    const root = copySample();
    const evaluator = new InProcessEvaluator(root);
    const duckdb = new InProcessEvaluator(root, undefined, new Map(), { engine: 'duckdb' });
    afterAll(async () => {
        await evaluator.session.close();
        await duckdb.session.close();
    });

    it('names the Interactions closest to passing when every condition holds on some, but none on all', async () => {
        // 1092, in Limerick: a chat about promotions on 2027-01-26 (recent, but not security or a
        // visit) and a web visit on 2026-09-27 (a visit, but not in the last 90 days).
        const e = await evaluator.request({ op: 'explain', segment: 'IrishSecurityProspects', key: 1092 });
        const engaged = e.groups.find(g => g.label === 'Engaged');
        expect(engaged?.passes).toBe(false);
        expect(engaged?.conditions.map(c => c.passes)).toEqual([true, true, true, true]);
        expect(engaged?.records).toEqual({
            entities: ['Interaction'], rows: 2, cap: 10_000,
            closest: [{ keys: [501453], failing: [2] }, { keys: [511433], failing: [3] }]
        });
        expect(e.member).toBe(false);
        // The same on DuckDB.
        const other = await duckdb.request({ op: 'explain', segment: 'IrishSecurityProspects', key: 1092 });
        expect(other.groups.find(g => g.label === 'Engaged')?.records).toEqual(engaged?.records);
    });

    it('says a profile with no related record has none, and shows the record meeting them all for a member', async () => {
        const none = await evaluator.request({ op: 'explain', segment: 'IrishSecurityProspects', key: 1016 });
        expect(none.groups.find(g => g.label === 'Engaged')?.records).toMatchObject({ rows: 0, closest: [] });
        const members = await evaluator.request({ op: 'preview', segment: 'IrishSecurityProspects', pageOffset: 0, pageSize: 1 });
        if (members.state !== 'result') throw new Error('no preview');
        const key = members.report.page.rows[0][0];
        const member = await evaluator.request({ op: 'explain', segment: 'IrishSecurityProspects', key: key as number });
        const records = member.groups.find(g => g.label === 'Engaged')?.records;
        expect(member.member).toBe(true);
        expect(records?.closest[0].failing).toEqual([]);
        // An excluded group over two joined entities: each row is a Purchase with its Product.
        expect(member.groups.find(g => g.label === 'OwnsSecurity')?.records).toMatchObject({ entities: ['Purchase', 'Product'] });
        // A group on the audience's own record has no joined rows to show.
        const own = await evaluator.request({ op: 'explain', segment: 'HighBalance', key: 1092 });
        expect(own.groups.map(g => g.records)).toEqual([undefined]);
    });
});
