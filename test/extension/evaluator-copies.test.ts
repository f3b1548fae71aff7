import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqlJsCopyCounts } from '../../engine/sqljs-engine.js';
import { copySample, InProcessEvaluator, SAMPLE_AS_OF } from './sample-workspace.js';

/**
 * The evaluator holds one copy of the database, shared by the data checks of the model and the
 * runs, and an edit re-plans the segments on the same language services: it reads no data again.
 * Counted through the real path (`SqlJsEngine.open`'s copies in this thread).
 */
describe('evaluator: one copy of the data, no reload per edit', () => {
    const root = copySample();
    const overlays = new Map<string, string>();
    const evaluator = new InProcessEvaluator(root, SAMPLE_AS_OF, overlays);
    const file = join(root, 'contact.segment');
    const text = readFileSync(file, 'utf8');
    const start = sqlJsCopyCounts();
    const since = (): { reads: number; closes: number; open: number } => {
        const now = sqlJsCopyCounts();
        return { reads: now.reads - start.reads, closes: now.closes - start.closes, open: now.open - start.open };
    };
    afterAll(() => evaluator.session.close());

    const count = async (segment: string): Promise<number> => {
        const preview = await evaluator.request({ op: 'preview', segment, pageOffset: 0, pageSize: 5 });
        if (preview.state !== 'result') throw new Error(preview.state);
        return preview.report.count;
    };
    /** The members the data holds for a balance threshold, asked of the engine the runs use. */
    const balanceAbove = async (threshold: number): Promise<number> => {
        const { engine } = await evaluator.session.openEngine();
        return Number((await engine.query(`SELECT count(*) FROM customers WHERE credit_balance > ${threshold}`))[0][0]);
    };

    it('twenty edits: each counted from the edited text, on the same services and the one copy read once', async () => {
        expect(await count('HighBalance')).toBe(await balanceAbove(5000));
        const services = (await evaluator.session.loaded()).workspace.services;
        expect(since()).toEqual({ reads: 1, closes: 0, open: 1 });
        for (let i = 1; i <= 20; i++) {
            const threshold = 5000 + i * 250;
            overlays.set(file, text.replace('Customer.CreditBalance > 5000', `Customer.CreditBalance > ${threshold}`));
            evaluator.session.fileChanged(file);
            expect(await count('HighBalance')).toBe(await balanceAbove(threshold));
            // A compound segment over the edited one follows it too.
            if (i % 5 === 0) expect(await count('HighBalanceFollowUp')).toBeLessThanOrEqual(await balanceAbove(threshold));
        }
        const model = await evaluator.session.loaded();
        expect(model.workspace.services).toBe(services);
        expect(since()).toEqual({ reads: 1, closes: 0, open: 1 });
    });

    it('an edit back to the text on disk, and a file change on disk: the model follows, the data is not read again', async () => {
        overlays.delete(file);
        evaluator.session.fileChanged(file);
        expect(await count('HighBalance')).toBe(await balanceAbove(5000));
        evaluator.session.invalidateModel();
        expect(await count('HighBalance')).toBe(await balanceAbove(5000));
        // The host's "something changed on disk" with the database untouched.
        evaluator.session.invalidateAll();
        expect(await count('HighBalance')).toBe(await balanceAbove(5000));
        expect(since()).toEqual({ reads: 1, closes: 0, open: 1 });
    });

    it('a file created on disk, edited unsaved, then deleted: the kept services follow it', async () => {
        const names = async (): Promise<string[]> => (await evaluator.request({ op: 'segments' })).map(s => s.name);
        const added = join(root, 'added.segment');
        writeFileSync(added, 'dynamic segment VeryHighBalance {\n  audience Customer\n  group { Customer.CreditBalance > 9000 }\n}\n');
        evaluator.session.invalidateModel();
        expect(await names()).toContain('VeryHighBalance');
        expect(await count('VeryHighBalance')).toBe(await balanceAbove(9000));
        overlays.set(added, 'dynamic segment VeryHighBalance {\n  audience Customer\n  group { Customer.CreditBalance > 9500 }\n}\n');
        evaluator.session.fileChanged(added);
        expect(await count('VeryHighBalance')).toBe(await balanceAbove(9500));
        overlays.delete(added);
        rmSync(added);
        evaluator.session.invalidateModel();
        expect(await names()).not.toContain('VeryHighBalance');
        expect(await names()).toContain('HighBalance');
        expect(since()).toEqual({ reads: 1, closes: 0, open: 1 });
    });

    it('a changed database file is read once more and the old copy closed', async () => {
        const database = join(root, 'retail.sqlite');
        utimesSync(database, new Date(), new Date(Date.now() + 10_000));
        evaluator.session.invalidateAll();
        expect(await count('HighBalance')).toBe(await balanceAbove(5000));
        expect(since()).toEqual({ reads: 2, closes: 1, open: 1 });
        await evaluator.session.close();
        await new Promise(resolve => setTimeout(resolve, 10));
        expect(since()).toEqual({ reads: 2, closes: 2, open: 0 });
    });
});
