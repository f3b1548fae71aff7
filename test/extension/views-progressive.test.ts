import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelToken } from '../../extension/src/evaluator/cancel.js';
import { handleRequest } from '../../extension/src/evaluator/handle-request.js';
import type { EvaluatorProgress, ProgressOp } from '../../extension/src/evaluator/protocol.js';
import { buildDashboard } from '../../extension/src/evaluator/reports.js';
import type { DashboardData, PreviewState, SegmentReport } from '../../extension/src/shared/data.js';
import { copySample, InProcessEvaluator } from './sample-workspace.js';
import { openWebview } from './webview-page.js';
import { webviewBrowser } from './webview-setup.js';

function report(p: PreviewState): SegmentReport {
    if (p.state !== 'result') throw new Error(`expected a result, got ${p.state}`);
    return p.report;
}

/**
 * The views show what is known as it is known: the preview's count and members before its
 * breakdown, the dashboard's rows as each segment's count arrives, in the worker's answers and
 * in the pages (Chromium).
 */
describe('views that fill in as counts arrive', () => {
    let evaluator: InProcessEvaluator;
    let browser: Browser;

    beforeAll(async () => {
        evaluator = new InProcessEvaluator(copySample());
        browser = await webviewBrowser();
    });
    afterAll(async () => {
        await browser?.close();
        await evaluator.session.close();
    });

    /** A request's progress messages, in order, and its answer. */
    async function withProgress<K extends ProgressOp>(request: Parameters<typeof handleRequest>[2] & { op: K }): Promise<{ progress: EvaluatorProgress[K][]; answer: unknown }> {
        const progress: EvaluatorProgress[K][] = [];
        const answer = await handleRequest(evaluator.session, evaluator.context, request, new CancelToken(), v => progress.push(v as EvaluatorProgress[K]));
        return { progress, answer };
    }

    it('sends the preview’s count and members first, then the breakdown', async () => {
        const { progress, answer } = await withProgress({ op: 'preview', segment: 'IrishSecurityProspects', pageOffset: 0, pageSize: 10 });
        const whole = report(answer as PreviewState);
        expect(progress).toHaveLength(1);
        const first = report(progress[0]);
        expect(first).toMatchObject({ breakdownPending: true, count: whole.count, groups: [], parts: [], steps: [], sql: whole.sql });
        expect(first.page.rows).toEqual(whole.page.rows);
        expect(whole.breakdownPending).toBeUndefined();
        expect(whole.groups.map(g => g.label)).toEqual(['Engaged', 'OwnsSecurity']);
        // A static segment has no breakdown: the answer alone.
        expect((await withProgress({ op: 'preview', segment: 'DoNotCall', pageOffset: 0, pageSize: 10 })).progress).toEqual([]);

        const view = await openWebview(browser, 'segment-view.js', { view: 'preview' });
        await view.post({ type: 'preview', preview: progress[0] });
        await expect.poll(() => view.page.locator('[data-testid=count]').textContent()).toBe(whole.count.toLocaleString('en-US'));
        expect(await view.page.locator('[data-testid=breakdown-pending]').textContent()).toBe('Counting each group and condition…');
        expect(await view.page.locator('.flow .box.group').count()).toBe(0);
        expect(await view.page.locator('[role=grid] [role=row]').count()).toBeGreaterThan(1);
        await view.post({ type: 'preview', preview: answer as PreviewState });
        await expect.poll(() => view.page.locator('.flow .box.group').count()).toBe(2);
        expect(await view.page.locator('[data-testid=breakdown-pending]').count()).toBe(0);
        expect(await view.page.locator('.box.group[data-group=Engaged] .box-count').textContent()).toBe(whole.groups[0].count.toLocaleString('en-US'));
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });

    it('lists every dashboard row first, then fills each as its count arrives', async () => {
        const partials: DashboardData[] = [];
        const whole = await buildDashboard(evaluator.session, evaluator.context, false, new CancelToken(), d => partials.push(d), 0);
        const runnable = whole.rows.filter(r => r.status !== 'error');
        // All rows pending, then one more counted per message.
        expect(partials).toHaveLength(runnable.length + 1);
        partials.forEach((p, k) => {
            expect(p.counting).toBe(true);
            expect(p.overlaps).toEqual([]);
            expect(p.rows.map(r => r.name)).toEqual(whole.rows.map(r => r.name));
            const counted = p.rows.filter(r => r.count !== undefined);
            expect(counted).toHaveLength(k);
            expect(p.rows.filter(r => r.pending)).toHaveLength(runnable.length - k);
            for (const r of counted) expect([r.name, r.count]).toEqual([r.name, whole.rows.find(w => w.name === r.name)!.count]);
        });
        expect(whole.counting).toBeUndefined();
        expect(whole.rows.filter(r => r.pending)).toEqual([]);
        expect(whole.overlaps.length).toBeGreaterThan(0);

        const view = await openWebview(browser, 'dashboard.js', { view: 'dashboard' });
        const half = partials[Math.floor(runnable.length / 2)];
        await view.post({ type: 'dashboard', dashboard: half });
        await expect.poll(() => view.page.locator('table.dashboard tbody tr').count()).toBe(whole.rows.length);
        const pendingCells = view.page.locator('table.dashboard td.pending[data-testid=count]');
        expect(await pendingCells.count()).toBe(half.rows.filter(r => r.pending).length);
        expect(await view.page.locator('[data-testid=counting]').textContent()).toMatch(new RegExp(`^counting: ${Math.floor(runnable.length / 2)} of ${whole.rows.length} · \\d+ ms$`));
        const first = half.rows.find(r => r.count !== undefined)!;
        expect(await view.page.locator(`tr[data-segment=${first.name}] [data-testid=count]`).textContent()).toBe(first.count!.toLocaleString('en-US'));
        expect(await view.page.locator('section.overlap').count()).toBe(0);
        await view.post({ type: 'dashboard', dashboard: whole });
        await expect.poll(() => pendingCells.count()).toBe(0);
        expect(await view.page.locator('[data-testid=counting]').count()).toBe(0);
        expect(await view.page.locator('section.overlap').count()).toBe(whole.overlaps.length);
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });

    it('the host gets the same through the worker’s progress', async () => {
        const { progress } = await withProgress({ op: 'dashboard', record: false });
        // The first message lists every row before any is counted.
        expect(progress[0].rows.filter(r => r.status !== 'error').every(r => r.pending)).toBe(true);
    });
});
