import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySample, InProcessEvaluator } from './sample-workspace.js';

/** Previews, the flow view, SQL and the dashboard never run a segment whose schema has errors in the data. */
describe('evaluator: a schema error never reaches the engine', () => {
    it('a segment reading a missing column shows its diagnostic; segments that do not read it still run', async () => {
        const root = copySample();
        const schema = join(root, 'schema.segment');
        writeFileSync(schema, readFileSync(schema, 'utf8').replace('column email', 'column e_mail'));
        const evaluator = new InProcessEvaluator(root);
        try {
            const blocked = await evaluator.request({ op: 'preview', segment: 'LapsedBuyers', pageOffset: 0, pageSize: 5 });
            expect(blocked.state).toBe('errors');
            if (blocked.state === 'errors') {
                expect(blocked.problems[0].message).toMatch(/^Table customers has no column e_mail\./);
                expect(blocked.problems[0].location.uri).toMatch(/schema\.segment$/);
            }
            const flow = await evaluator.request({ op: 'flow', segment: 'LapsedBuyers' });
            expect(flow.state).toBe('errors');
            await expect(evaluator.request({ op: 'sql', segment: 'LapsedBuyers' })).rejects.toThrow(/^LapsedBuyers cannot run: Table customers has no column e_mail\./);
            const fine = await evaluator.request({ op: 'preview', segment: 'HighBalance', pageOffset: 0, pageSize: 5 });
            expect(fine).toMatchObject({ state: 'result', report: { count: 173 } });
            const dashboard = await evaluator.request({ op: 'dashboard', record: false });
            const rows = new Map(dashboard.rows.map(r => [r.name, r]));
            expect(rows.get('LapsedBuyers')).toMatchObject({ status: 'error', error: expect.stringMatching(/no column e_mail/) });
            expect(rows.get('HighBalanceFollowUp')).toMatchObject({ status: 'active', count: 169 });
        } finally {
            await evaluator.session.close();
        }
    });
});
