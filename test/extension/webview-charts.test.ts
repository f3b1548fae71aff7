import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewState, SegmentReport, TrendPoint } from '../../extension/src/shared/data.js';
import type { InProcessEvaluator } from './sample-workspace.js';
import { openWebview, THEMES } from './webview-page.js';
import { sampleWithHistory, SHOTS, webviewBrowser } from './webview-setup.js';


function report(p: PreviewState): SegmentReport {
    if (p.state !== 'result') throw new Error(`expected a result, got ${p.state}`);
    return p.report;
}

/** A point's instant as shown: its date, with the time (UTC) when it is not midnight. */
function when(p: TrendPoint): string {
    const [date, time] = p.asOf.split(' ');
    return !time || time === '00:00:00' ? date : `${date} ${time.slice(0, 5)} UTC`;
}

/** What the tip says for a point: its instant and its count. */
function tip(p: TrendPoint): string {
    return `${when(p)}: ${p.count.toLocaleString('en')} ${p.count === 1 ? 'member' : 'members'}`;
}

/** Moves the mouse to a fraction of the chart's plotting area (left to right, at mid height) and reads the tip. */
async function hoverAt(page: Page, chart: string, fraction: number): Promise<string | null> {
    const box = (await page.locator(`${chart} .u-over`).boundingBox())!;
    await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
    const t = page.locator(`${chart} .chart-tip`);
    return (await t.isVisible()) ? t.textContent() : null;
}

/** Every tip seen while the mouse sweeps the plotting area from left to right, each once, in order. */
async function sweep(page: Page, chart: string): Promise<string[]> {
    const box = (await page.locator(`${chart} .u-over`).boundingBox())!;
    const seen: string[] = [];
    for (let x = 0; x <= box.width; x += 2) {
        await page.mouse.move(box.x + x, box.y + box.height / 2);
        const text = await page.locator(`${chart} .chart-tip`).textContent();
        if (text && seen[seen.length - 1] !== text) seen.push(text);
    }
    return seen;
}

/** Records the text drawn on the page's canvases (the axis labels), from now on. */
async function recordCanvasText(page: Page): Promise<void> {
    await page.evaluate(() => {
        const drawn: string[] = [];
        (window as unknown as { __drawn: string[] }).__drawn = drawn;
        const fillText = CanvasRenderingContext2D.prototype.fillText;
        CanvasRenderingContext2D.prototype.fillText = function (this: CanvasRenderingContext2D, text: string, x: number, y: number, maxWidth?: number) {
            drawn.push(text);
            return maxWidth === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, maxWidth);
        };
    });
}

const drawnText = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __drawn: string[] }).__drawn);

/** The trendline and the sparklines (uPlot) in Chromium, on the retail sample's history. */
describe('charts in the webviews', () => {
    let browser: Browser;
    let evaluator: InProcessEvaluator;

    beforeAll(async () => {
        browser = await webviewBrowser();
        ({ evaluator } = await sampleWithHistory());
    });

    afterAll(async () => {
        await browser?.close();
        await evaluator?.session.close();
    });

    it('draws the trendline on a time axis: hovering shows each point’s instant and count, in order; the keyboard walks the points', async () => {
        const r = report(await evaluator.request({ op: 'preview', segment: 'ValentinesEarly', pageOffset: 0, pageSize: 50 }));
        expect(r.trend.length).toBeGreaterThanOrEqual(10);
        for (const theme of THEMES) {
            const view = await openWebview(browser, 'segment-view.js', { view: 'details', segment: 'ValentinesEarly' }, { theme });
            await view.post({ type: 'preview', preview: { state: 'result', report: r } });
            await expect.poll(() => view.page.locator('.chart.trendline canvas').count()).toBe(1);
            const first = r.trend[0];
            const last = r.trend[r.trend.length - 1];
            expect(await view.page.textContent('.chart-caption')).toBe(`${r.trend.length} points, from ${first.count.toLocaleString('en')} members on ${when(first)} to ${last.count.toLocaleString('en')} on ${when(last)}`);
            if (theme === 'dark') {
                expect(await sweep(view.page, '.chart.trendline')).toEqual(r.trend.map(tip));
                await view.page.mouse.move(0, 0);
                await expect.poll(() => view.page.isHidden('.chart.trendline .chart-tip')).toBe(true);
                await view.page.focus('.chart.trendline');
                await view.page.keyboard.press('Home');
                expect(await view.page.textContent('.chart.trendline .chart-tip')).toBe(tip(first));
                await view.page.keyboard.press('ArrowRight');
                expect(await view.page.textContent('.chart.trendline .chart-tip')).toBe(tip(r.trend[1]));
                await view.page.keyboard.press('End');
                expect(await view.page.textContent('.chart.trendline .chart-tip')).toBe(tip(last));
            }
            await hoverAt(view.page, '.chart.trendline', 0.5);
            expect(await view.violations()).toEqual([]);
            await view.page.screenshot({ path: join(SHOTS, `webview-details-trend-${theme}.png`), fullPage: true });
            await view.page.close();
        }
    });

    it('places points by their date, not evenly', async () => {
        const r = report(await evaluator.request({ op: 'preview', segment: 'ValentinesEarly', pageOffset: 0, pageSize: 50 }));
        // Three days in a row, then four weeks later: evenly spaced, the third point would sit at two thirds.
        const trend: TrendPoint[] = [
            { asOf: '2027-01-01 00:00:00', count: 100 },
            { asOf: '2027-01-02 00:00:00', count: 110 },
            { asOf: '2027-01-03 00:00:00', count: 120 },
            { asOf: '2027-01-31 14:30:00', count: 90 }
        ];
        const view = await openWebview(browser, 'segment-view.js', { view: 'preview' });
        await view.post({ type: 'preview', preview: { state: 'result', report: { ...r, trend } } });
        await expect.poll(() => view.page.locator('.chart.trendline canvas').count()).toBe(1);
        expect(await hoverAt(view.page, '.chart.trendline', 0.1)).toBe('2027-01-03: 120 members');
        expect(await hoverAt(view.page, '.chart.trendline', 0.6)).toBe('2027-01-31 14:30 UTC: 90 members');
        expect(await hoverAt(view.page, '.chart.trendline', 0.01)).toBe('2027-01-01: 100 members');
        // The tip sits above the hovered point, inside the window.
        const tipBox = (await view.page.locator('.chart.trendline .chart-tip').boundingBox())!;
        const over = (await view.page.locator('.chart.trendline .u-over').boundingBox())!;
        expect(tipBox.x).toBeGreaterThanOrEqual(0);
        expect(tipBox.x).toBeLessThan(over.x + over.width * 0.2);
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });

    it('labels a one-point trend with its date once, not at both ends', async () => {
        const r = report(await evaluator.request({ op: 'preview', segment: 'ValentinesEarly', pageOffset: 0, pageSize: 50 }));
        const view = await openWebview(browser, 'segment-view.js', { view: 'details', segment: 'ValentinesEarly' });
        await recordCanvasText(view.page);
        await view.post({ type: 'preview', preview: { state: 'result', report: { ...r, trend: [{ asOf: '2026-12-01 00:00:00', count: 810 }] } } });
        await expect.poll(() => view.page.locator('.chart.trendline canvas').count()).toBe(1);
        expect(await view.page.textContent('.chart-caption')).toBe('1 point: 810 members on 2026-12-01');
        const drawn = await drawnText(view.page);
        expect(drawn.filter(t => t === '2026-12-01')).toHaveLength(1);
        expect(drawn.filter(t => /\d{4}-\d\d-\d\d|Nov|Dec/.test(t))).toEqual(['2026-12-01']);
        expect(await hoverAt(view.page, '.chart.trendline', 0.5)).toBe('2026-12-01: 810 members');
        expect(await view.violations()).toEqual([]);
        await view.page.screenshot({ path: join(SHOTS, 'webview-details-one-point.png'), fullPage: true });
        await view.page.close();
    });

    it('draws a sparkline per segment with history on the dashboard; hovering its end shows the latest instant and count', async () => {
        const dashboard = await evaluator.request({ op: 'dashboard', record: false });
        const row = dashboard.rows.find(x => x.name === 'HighBalanceFollowUp')!;
        expect(row.trend.length).toBeGreaterThanOrEqual(2);
        const withHistory = dashboard.rows.filter(x => x.trend.length > 0).length;
        for (const theme of THEMES) {
            const view = await openWebview(browser, 'dashboard.js', { view: 'dashboard' }, { theme });
            await view.post({ type: 'dashboard', dashboard });
            await expect.poll(() => view.page.locator('.chart.sparkline canvas').count()).toBe(withHistory);
            const chart = 'tr[data-segment=HighBalanceFollowUp] .chart.sparkline';
            expect(await view.page.getAttribute(chart, 'aria-label')).toBe(`${row.trend.length} points, from ${row.trend[0].count.toLocaleString('en')} members on ${when(row.trend[0])} to ${row.trend[row.trend.length - 1].count.toLocaleString('en')} on ${when(row.trend[row.trend.length - 1])}`);
            expect(await hoverAt(view.page, chart, 0.99)).toBe(tip(row.trend[row.trend.length - 1]));
            expect(await hoverAt(view.page, chart, 0.01)).toBe(tip(row.trend[0]));
            expect(await view.violations()).toEqual([]);
            await view.page.screenshot({ path: join(SHOTS, `webview-dashboard-${theme}.png`), fullPage: true });
            await view.page.close();
        }
    });

    it('takes its colours from the theme and follows a theme change', async () => {
        const r = report(await evaluator.request({ op: 'preview', segment: 'ValentinesEarly', pageOffset: 0, pageSize: 50 }));
        const view = await openWebview(browser, 'segment-view.js', { view: 'preview' }, { theme: 'light' });
        await view.post({ type: 'preview', preview: { state: 'result', report: r } });
        await expect.poll(() => view.page.locator('.chart.trendline canvas').count()).toBe(1);
        const marker = async (): Promise<string> => {
            await hoverAt(view.page, '.chart.trendline', 0.5);
            return view.page.locator('.chart.trendline .u-cursor-pt').first().evaluate(e => getComputedStyle(e).borderTopColor);
        };
        expect(await marker()).toBe('rgb(26, 133, 255)');
        // VS Code rewrites the variables on the root element when the user picks another theme.
        await view.page.evaluate(() => { document.documentElement.style.setProperty('--vscode-charts-blue', '#c72e0f'); });
        await expect.poll(marker).toBe('rgb(199, 46, 15)');
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });
});
