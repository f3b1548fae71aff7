import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardData, PreviewState } from '../../extension/src/shared/data.js';
import type { InProcessEvaluator } from './sample-workspace.js';
import { openWebview, THEMES } from './webview-page.js';
import { sampleWithHistory, SHOTS, webviewBrowser } from './webview-setup.js';


interface Box { left: number; right: number; top: number; bottom: number }

const boxes = (page: Page, selector: string | Locator): Promise<Box[]> =>
    (typeof selector === 'string' ? page.locator(selector) : selector).evaluateAll(es => es.map(e => { const b = e.getBoundingClientRect(); return { left: b.left, right: b.right, top: b.top, bottom: b.bottom }; }));

/** Nothing wider than the view: no horizontal scroll bar. */
const pageWidth = (page: Page): Promise<number> => page.evaluate(() => document.documentElement.scrollWidth);

/** The dashboard and the preview at half width (600 px) and full width (1200 px) in Chromium. */
describe('webviews at half and full width', () => {
    let browser: Browser;
    let evaluator: InProcessEvaluator;
    let dashboard: DashboardData;

    beforeAll(async () => {
        browser = await webviewBrowser();
        ({ evaluator, dashboard } = await sampleWithHistory());
    });

    afterAll(async () => {
        await browser?.close();
        await evaluator?.session.close();
    });

    it('keeps Members, Change and Trend in view at 600 px, with kind, audience and status under the name', async () => {
        for (const theme of THEMES) {
            const view = await openWebview(browser, 'dashboard.js', { view: 'dashboard' }, { theme, width: 600 });
            await view.post({ type: 'dashboard', dashboard });
            await expect.poll(() => view.page.locator('table.dashboard tbody tr').count()).toBe(dashboard.rows.length);
            expect(await view.page.locator('table.dashboard thead th:visible').allTextContents()).toEqual(['Segment', 'Members', 'Change', 'Trend']);
            for (const column of ['[data-testid=count]', '[data-testid=change]', 'td.trend', 'td.trend .chart']) {
                const cells = await boxes(view.page, `table.dashboard tbody ${column}`);
                expect(cells).toHaveLength(dashboard.rows.length);
                for (const c of cells) {
                    expect(c.left).toBeGreaterThanOrEqual(0);
                    expect(c.right).toBeLessThanOrEqual(600);
                }
            }
            expect(await pageWidth(view.page)).toBeLessThanOrEqual(600);
            const folded = view.page.locator('tr[data-segment=HighBalanceFollowUp] [data-testid=folded]');
            expect(await folded.isVisible()).toBe(true);
            expect(await folded.textContent()).toBe('compound Customer · active');
            // Under the name, inside the segment's cell.
            const [name] = await boxes(view.page, 'tr[data-segment=HighBalanceFollowUp] th button');
            const [fold] = await boxes(view.page, 'tr[data-segment=HighBalanceFollowUp] [data-testid=folded]');
            expect(fold.top).toBeGreaterThanOrEqual(name.bottom);
            expect(await view.page.textContent('tr[data-segment=HighBalanceFollowUp] [data-testid=count]')).toBe('169');
            expect(await view.violations()).toEqual([]);
            await view.page.screenshot({ path: join(SHOTS, `webview-dashboard-600-${theme}.png`), fullPage: true });
            await view.page.close();
        }
        const wide = await openWebview(browser, 'dashboard.js', { view: 'dashboard' }, { width: 1200 });
        await wide.post({ type: 'dashboard', dashboard });
        await expect.poll(() => wide.page.locator('table.dashboard tbody tr').count()).toBe(dashboard.rows.length);
        expect(await wide.page.locator('table.dashboard thead th:visible').allTextContents()).toEqual(['Segment', 'Kind', 'Audience', 'Status', 'Members', 'Change', 'Trend']);
        expect(await wide.page.locator('tr[data-segment=HighBalanceFollowUp] [data-testid=folded]').isVisible()).toBe(false);
        for (const c of await boxes(wide.page, 'table.dashboard tbody td.trend .chart')) expect(c.right).toBeLessThanOrEqual(1200);
        expect(await pageWidth(wide.page)).toBeLessThanOrEqual(1200);
        await wide.page.screenshot({ path: join(SHOTS, 'webview-dashboard-1200.png'), fullPage: true });
        await wide.page.close();
    });

    it('keeps the preview’s `=` on the row of its result, at 600 and 1200 px', async () => {
        const segments = ['IrishSecurityProspects', 'EmailConverted', 'TopSpenders', 'VipNotDoNotCall', 'ValentinesControl'];
        for (const width of [600, 1200]) {
            for (const segment of segments) {
                const preview: PreviewState = await evaluator.request({ op: 'preview', segment, pageOffset: 0, pageSize: 100 });
                const view = await openWebview(browser, 'segment-view.js', { view: 'preview' }, { width });
                await view.post({ type: 'preview', preview });
                await expect.poll(() => view.page.locator('.flow .box.result').count()).toBe(1);
                const equals = view.page.locator('.flow .operator', { hasText: /^=$/ });
                expect(await equals.count()).toBe(1);
                const [eq] = await boxes(view.page, equals);
                const [result] = await boxes(view.page, '.flow .box.result');
                // On the same row: the sign's middle within the result's height, just left of it.
                expect((eq.top + eq.bottom) / 2).toBeGreaterThan(result.top);
                expect((eq.top + eq.bottom) / 2).toBeLessThan(result.bottom);
                expect(eq.right).toBeLessThanOrEqual(result.left);
                expect(result.left - eq.right).toBeLessThan(20);
                for (const b of await boxes(view.page, '.flow .box, .flow .operator')) {
                    expect(b.left).toBeGreaterThanOrEqual(0);
                    expect(b.right).toBeLessThanOrEqual(width);
                }
                if (width === 600 && segment === 'IrishSecurityProspects') {
                    for (const theme of THEMES) {
                        const themed = await openWebview(browser, 'segment-view.js', { view: 'preview' }, { width, theme });
                        await themed.post({ type: 'preview', preview });
                        await expect.poll(() => themed.page.locator('.flow .box.result').count()).toBe(1);
                        expect(await themed.violations()).toEqual([]);
                        await themed.page.screenshot({ path: join(SHOTS, `webview-preview-600-${theme}.png`), fullPage: true });
                        await themed.page.close();
                    }
                }
                if (width === 1200 && segment === 'IrishSecurityProspects') {
                    // Wide enough: groups, operators and the result on one row.
                    const all = await boxes(view.page, '.flow .box');
                    for (const b of all) expect(b.top).toBe(all[0].top);
                }
                expect(await view.violations()).toEqual([]);
                await view.page.close();
            }
        }
    });
});
