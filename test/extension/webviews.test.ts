import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewState, SegmentReport } from '../../extension/src/shared/data.js';
import { bundle } from './bundle-lock.js';
import { hasChromium, launchChromium } from './chromium.js';
import { copySample, InProcessEvaluator, REPO } from './sample-workspace.js';
import { openWebview } from './webview-page.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const SHOTS = join(REPO, 'test-results');

function report(p: PreviewState): SegmentReport {
    if (p.state !== 'result') throw new Error(`expected a result, got ${p.state}`);
    return p.report;
}

/** The webview pages, rendered in headless Chromium with real results from the retail sample. */
describe('webviews in Chromium', () => {
    let browser: Browser;
    let evaluator: InProcessEvaluator;

    beforeAll(async () => {
        if (!hasChromium) throw new Error('Chromium is missing: run `bash scripts/install-code-server.sh` (npm test does), or apt-get install chromium.');
        await bundle();
        mkdirSync(SHOTS, { recursive: true });
        evaluator = new InProcessEvaluator(copySample());
        // Two refreshes around a simulated day, and a back-filled trend: history to draw.
        await evaluator.request({ op: 'backfill', from: '2026-12-03', to: '2027-02-04', stepDays: 7 });
        await evaluator.request({ op: 'dashboard', record: true });
        browser = await launchChromium();
    });

    afterAll(async () => {
        await browser?.close();
        await evaluator?.session.close();
    });

    it('previews a segment: count, groups narrowing, first page of members, SQL', async () => {
        const view = await openWebview(browser, 'segment-view.js', { view: 'preview' });
        const preview = await evaluator.request({ op: 'preview', segment: 'IrishSecurityProspects', pageOffset: 0, pageSize: 100 });
        await view.post({ type: 'preview', preview });
        const r = report(preview);
        expect(r.count).toBe(373);
        await expect.poll(() => view.page.textContent('[data-testid=count]')).toBe('373');
        expect(await view.page.locator('table.members tbody tr').count()).toBe(100);
        expect(await view.page.textContent('.pager .range')).toBe('1–100 of 373');
        // Engaged narrows step by step; OwnsSecurity is excluded.
        const steps = await view.page.locator('[data-group=Engaged] ol.steps li .step-count').allTextContents();
        expect(steps).toHaveLength(4);
        expect(await view.page.locator('.flow .operator').first().textContent()).toBe('exclude');
        expect(await view.page.textContent('details.sql code')).toContain('SELECT');
        expect(await view.violations()).toEqual([]);
        await view.page.screenshot({ path: join(SHOTS, 'webview-preview.png'), fullPage: true });
        await view.page.close();
    });

    it('pages through the members on request', async () => {
        const view = await openWebview(browser, 'segment-view.js', { view: 'preview' });
        await view.post({ type: 'preview', preview: await evaluator.request({ op: 'preview', segment: 'IrishSecurityProspects', pageOffset: 0, pageSize: 100 }) });
        await view.page.click('button[data-page=next]');
        const asked = (await view.sent()).filter(m => m.type === 'page');
        expect(asked).toEqual([{ type: 'page', offset: 100 }]);
        const second = await evaluator.request({ op: 'preview', segment: 'IrishSecurityProspects', pageOffset: 100, pageSize: 100 });
        await view.post({ type: 'preview', preview: second });
        await expect.poll(() => view.page.textContent('.pager .range')).toBe('101–200 of 373');
        expect(await view.page.textContent('table.members tbody tr:first-child td')).toBe(String(report(second).page.rows[0][0]));
        await view.page.click('button[data-page=last]');
        expect((await view.sent()).filter(m => m.type === 'page').pop()).toEqual({ type: 'page', offset: 300 });
        await view.post({ type: 'preview', preview: await evaluator.request({ op: 'preview', segment: 'IrishSecurityProspects', pageOffset: 300, pageSize: 100 }) });
        await expect.poll(() => view.page.textContent('.pager .range')).toBe('301–373 of 373');
        expect(await view.page.locator('table.members tbody tr').count()).toBe(73);
        expect(await view.page.isDisabled('button[data-page=next]')).toBe(true);
        await view.page.close();
    });

    it('shows the hostile customer name as text and runs no script from data', async () => {
        const view = await openWebview(browser, 'segment-view.js', { view: 'details', segment: 'SecurityLowSatisfaction' });
        const preview = await evaluator.request({ op: 'preview', segment: 'SecurityLowSatisfaction', pageOffset: 0, pageSize: 100 });
        expect(report(preview).page.rows.some(r => r[1] === HOSTILE)).toBe(true);
        await view.post({ type: 'preview', preview });
        await expect.poll(() => view.page.locator('table.members td', { hasText: HOSTILE }).count()).toBe(1);
        expect(await view.page.locator('table.members td', { hasText: HOSTILE }).textContent()).toBe(HOSTILE);
        expect(await view.page.locator('#app img').count()).toBe(0);
        await view.page.waitForTimeout(300);
        expect(view.dialogs).toEqual([]);
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });

    it('draws the membership trendline in the details', async () => {
        const view = await openWebview(browser, 'segment-view.js', { view: 'details', segment: 'ValentinesEarly' });
        const preview = await evaluator.request({ op: 'preview', segment: 'ValentinesEarly', pageOffset: 0, pageSize: 50 });
        const r = report(preview);
        expect(r.trend.length).toBeGreaterThanOrEqual(10);
        await view.post({ type: 'preview', preview });
        await expect.poll(() => view.page.locator('svg.trendline circle').count()).toBe(r.trend.length);
        const points = (await view.page.getAttribute('svg.trendline polyline', 'points'))!.trim().split(' ');
        expect(points).toHaveLength(r.trend.length);
        expect(points.every(p => /^\d+(\.\d)?,\d+(\.\d)?$/.test(p))).toBe(true);
        await view.page.screenshot({ path: join(SHOTS, 'webview-details.png'), fullPage: true });
        await view.page.close();
    });

    it('says when a segment has errors and links to them', async () => {
        const view = await openWebview(browser, 'segment-view.js', { view: 'preview' });
        await view.post({ type: 'preview', preview: { state: 'errors', segment: 'Broken', problems: [{ severity: 'error', message: `Customer has no attribute ${HOSTILE}.`, location: { uri: 'file:///x.segment', line: 4, character: 2 } }] } });
        await expect.poll(() => view.page.textContent('.errors h1')).toBe('Broken has errors and was not run');
        await view.page.click('.errors li button');
        expect((await view.sent()).pop()).toEqual({ type: 'reveal', location: { uri: 'file:///x.segment', line: 4, character: 2 } });
        expect(await view.page.locator('#app img').count()).toBe(0);
        await view.page.close();
    });

    it('lists every sample segment on the dashboard with counts, sparklines and overlaps', async () => {
        const view = await openWebview(browser, 'dashboard.js', { view: 'dashboard' });
        const dashboard = await evaluator.request({ op: 'dashboard', record: false });
        await view.post({ type: 'dashboard', dashboard });
        const names = await view.page.locator('table.dashboard tbody tr').evaluateAll(rows => rows.map(r => r.getAttribute('data-segment')));
        expect(names).toHaveLength(12);
        expect(names).toContain('HighBalanceFollowUp');
        expect(await view.page.textContent('tr[data-segment=HighBalanceFollowUp] [data-testid=count]')).toBe('169');
        expect(await view.page.locator('svg.sparkline polyline').count()).toBeGreaterThanOrEqual(11);
        expect(await view.page.locator('table.matrix tbody tr').count()).toBe(12);
        await view.page.click('tr[data-segment=ValentinesEarly] th button');
        expect((await view.sent()).pop()).toEqual({ type: 'openDetails', segment: 'ValentinesEarly' });
        expect(await view.violations()).toEqual([]);
        await view.page.screenshot({ path: join(SHOTS, 'webview-dashboard.png'), fullPage: true });
        await view.page.close();
    });
});
