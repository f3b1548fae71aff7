import { describe, expect, it } from 'vitest';
import { run } from '../../cli/commands.js';
import { sqlJsCopyCounts } from '../../engine/sqljs-engine.js';
import { copySample } from '../extension/sample-workspace.js';

/** `segments run`: the data checks of the workspace and the run share one copy of the database. */
describe('the command line holds one copy of the data', () => {
    const root = copySample();

    it('checks and runs every segment of a folder on a file read once', async () => {
        const before = sqlJsCopyCounts();
        const out: string[] = [];
        const status = await run(root, { asOf: '2027-02-11', format: 'json' }, { out: t => out.push(t), err: () => undefined });
        expect(status).toBe(0);
        const results = JSON.parse(out.join('')) as { name: string; count: number }[];
        expect(results.find(r => r.name === 'HighBalance')?.count).toBe(173);
        const after = sqlJsCopyCounts();
        expect(after.reads - before.reads).toBe(1);
        expect(after.open - before.open).toBeLessThanOrEqual(1);
    });
});
