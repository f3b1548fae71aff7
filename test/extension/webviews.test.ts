import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewState, SegmentReport } from '../../extension/src/shared/data.js';
import type { FlowState, SegmentFlow } from '../../extension/src/shared/flow.js';
import { bundle } from './bundle-lock.js';
import { hasChromium, launchChromium } from './chromium.js';
import { copySample, InProcessEvaluator, REPO, SAMPLE_AS_OF } from './sample-workspace.js';
import { openWebview } from './webview-page.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const SHOTS = join(REPO, 'test-results');

function flowOf(f: FlowState): SegmentFlow {
    if (f.state !== 'result') throw new Error(`expected a flow, got ${f.state}`);
    return f.flow;
}

/** Two more segments as unsaved text: a hostile title and condition, and a compound of compounds. */
const EXTRA_SEGMENTS = `
dynamic segment Hostile {
  title "${HOSTILE}"
  audience Customer
  group Named {
    Customer.Name = "${HOSTILE}"
    and Customer.CustomerId > 0
  }
}

compound segment Nested {
  title "Follow-ups and callable VIPs"
  audience Customer
  HighBalanceFollowUp
  union VipNotDoNotCall
}
`;

function report(p: PreviewState): SegmentReport {
    if (p.state !== 'result') throw new Error(`expected a result, got ${p.state}`);
    return p.report;
}

/** The webview pages, rendered in headless Chromium with real results from the retail sample. */
describe('webviews in Chromium', () => {
    let browser: Browser;
    let evaluator: InProcessEvaluator;
    let edited: InProcessEvaluator;

    beforeAll(async () => {
        if (!hasChromium) throw new Error('Chromium is missing: run `bash scripts/install-code-server.sh` (npm test does), or apt-get install chromium.');
        await bundle();
        mkdirSync(SHOTS, { recursive: true });
        evaluator = new InProcessEvaluator(copySample());
        // Two refreshes around a simulated day, and a back-filled trend: history to draw.
        await evaluator.request({ op: 'backfill', from: '2026-12-03', to: '2027-02-04', stepDays: 7 });
        await evaluator.request({ op: 'dashboard', record: true });
        const file = join(evaluator.root, 'security.segment');
        edited = new InProcessEvaluator(evaluator.root, SAMPLE_AS_OF, new Map([[file, readFileSync(file, 'utf8') + EXTRA_SEGMENTS]]));
        browser = await launchChromium();
    });

    afterAll(async () => {
        await browser?.close();
        await evaluator?.session.close();
        await edited?.session.close();
    });

    it('previews a segment: count, groups narrowing, first page of members, SQL', async () => {
        const view = await openWebview(browser, 'segment-view.js', { view: 'preview' });
        const preview = await evaluator.request({ op: 'preview', segment: 'IrishSecurityProspects', pageOffset: 0, pageSize: 100 });
        await view.post({ type: 'preview', preview });
        const r = report(preview);
        expect(r.count).toBe(373);
        await expect.poll(() => view.page.textContent('[data-testid=count]')).toBe('373');
        // The grid holds the 100 rows loaded (a header row besides); only those in view are in the DOM.
        expect(await view.page.getAttribute('[data-testid=members]', 'aria-rowcount')).toBe('101');
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

    it('shows its progress only after 300 ms, with the seconds and a Cancel that asks the host to stop', async () => {
        for (const script of ['segment-view.js', 'dashboard.js', 'flow-view.js', 'explain-view.js'] as const) {
            const view = await openWebview(browser, script, { view: 'preview' });
            const bar = view.page.locator('[data-testid=busy]');
            // When the bar appears, measured in the page from the message's arrival (the test's
            // own clock is too noisy for 300 ms on a loaded machine).
            const shownAfter = view.page.evaluate(() => new Promise<number>(resolve => {
                let arrived = 0;
                window.addEventListener('message', e => { if ((e.data as { type?: string }).type === 'busy') arrived = performance.now(); }, { capture: true });
                const el = document.querySelector('[data-testid=busy]');
                if (!el) throw new Error('no progress bar');
                new MutationObserver(() => { if (!el.hasAttribute('hidden')) resolve(performance.now() - arrived); }).observe(el, { attributes: true });
            }));
            await view.post({ type: 'busy', busy: true });
            expect(await bar.isVisible(), script).toBe(false);
            await bar.waitFor({ state: 'visible', timeout: 5_000 });
            expect(await shownAfter, script).toBeGreaterThanOrEqual(295);
            await expect.poll(() => bar.locator('.busy-elapsed').textContent(), { timeout: 3_000 }).toMatch(/^ \d+ s$/);
            await bar.locator('button[data-action=cancel]').click();
            expect((await view.sent()).filter(m => m.type === 'cancel')).toEqual([{ type: 'cancel' }]);
            await view.post({ type: 'busy', busy: false });
            await bar.waitFor({ state: 'hidden', timeout: 2_000 });
            // A quick answer never shows it.
            await view.post({ type: 'busy', busy: true });
            await view.post({ type: 'busy', busy: false });
            await view.page.waitForTimeout(400);
            expect(await bar.isVisible(), script).toBe(false);
            expect(await view.violations()).toEqual([]);
            await view.page.close();
        }
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
        expect(await view.page.textContent('[data-testid=members] [aria-rowindex="2"] [role=gridcell]')).toBe(String(report(second).page.rows[0][0]));
        await view.page.click('button[data-page=last]');
        expect((await view.sent()).filter(m => m.type === 'page').pop()).toEqual({ type: 'page', offset: 300 });
        await view.post({ type: 'preview', preview: await evaluator.request({ op: 'preview', segment: 'IrishSecurityProspects', pageOffset: 300, pageSize: 100 }) });
        await expect.poll(() => view.page.textContent('.pager .range')).toBe('301–373 of 373');
        expect(await view.page.getAttribute('[data-testid=members]', 'aria-rowcount')).toBe('74');
        expect(await view.page.isDisabled('button[data-page=next]')).toBe(true);
        await view.page.close();
    });

    it('shows the hostile customer name as text and runs no script from data', async () => {
        const view = await openWebview(browser, 'segment-view.js', { view: 'details', segment: 'SecurityLowSatisfaction' });
        const preview = await evaluator.request({ op: 'preview', segment: 'SecurityLowSatisfaction', pageOffset: 0, pageSize: 100 });
        expect(report(preview).page.rows.some(r => r[1] === HOSTILE)).toBe(true);
        await view.post({ type: 'preview', preview });
        await expect.poll(() => view.page.locator('[data-testid=members] [role=row]').count()).toBeGreaterThan(1);
        await view.page.fill('input.grid-filter', HOSTILE);
        await expect.poll(() => view.page.locator('[data-testid=members] [role=gridcell]', { hasText: HOSTILE }).count()).toBe(1);
        expect(await view.page.locator('[data-testid=members] [role=gridcell]', { hasText: HOSTILE }).textContent()).toBe(HOSTILE);
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
        // Drawn by uPlot on a time axis (hover, dates and themes: webview-charts.test.ts).
        await expect.poll(() => view.page.locator('.chart.trendline canvas').count()).toBe(1);
        expect(await view.page.textContent('.chart-caption')).toMatch(new RegExp(`^${r.trend.length} points, from `));
        expect(await view.violations()).toEqual([]);
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

    it('keeps the last result, dimmed, under the errors while the text has a syntax error, as the Markdown preview does', async () => {
        const view = await openWebview(browser, 'segment-view.js', { view: 'preview' });
        const good = await evaluator.request({ op: 'preview', segment: 'SecurityLowSatisfaction', pageOffset: 0, pageSize: 100 });
        await view.post({ type: 'preview', preview: good });
        await expect.poll(() => view.page.textContent('[data-testid=count]')).toBe('182');
        const file = join(evaluator.root, 'security.segment');
        const typing = new InProcessEvaluator(evaluator.root, SAMPLE_AS_OF, new Map([[file, readFileSync(file, 'utf8').replace('< 60', '<')]]));
        try {
            const broken = await typing.request({ op: 'preview', segment: 'SecurityLowSatisfaction', pageOffset: 0, pageSize: 100 });
            if (broken.state !== 'errors') throw new Error(`expected errors, got ${broken.state}`);
            await view.post({ type: 'preview', preview: broken });
            await expect.poll(() => view.page.textContent('.stale-banner h1')).toBe(`SecurityLowSatisfaction has errors: below is its last result, as of ${report(good).asOf}, until they are fixed`);
            expect(await view.page.textContent('.stale [data-testid=count]')).toBe('182');
            expect(await view.page.getAttribute('.stale [data-testid=members]', 'aria-rowcount')).toBe('101');
            expect(await view.page.getAttribute('.stale', 'inert')).toBe('');
            expect(Number(await view.page.locator('.stale').evaluate(e => getComputedStyle(e).opacity))).toBeLessThan(1);
            await view.page.click('.stale-banner li button');
            // `<` with nothing after it: the parser stops at the `}` of the next line.
            expect((await view.sent()).pop()).toMatchObject({ type: 'reveal', location: { line: 12 } });
            await view.page.screenshot({ path: join(SHOTS, 'webview-preview-stale.png'), fullPage: true });
        } finally {
            await typing.session.close();
        }
        // Another segment's errors keep nothing of this one; fixed, the result is shown as it is.
        await view.post({ type: 'preview', preview: { state: 'errors', segment: 'Broken', problems: [{ severity: 'error', message: 'Customer has no attribute X.', location: { uri: 'file:///x.segment', line: 4, character: 2 } }] } });
        await expect.poll(() => view.page.textContent('.errors h1')).toBe('Broken has errors and was not run');
        expect(await view.page.locator('.stale').count()).toBe(0);
        await view.post({ type: 'preview', preview: good });
        await expect.poll(() => view.page.textContent('[data-testid=count]')).toBe('182');
        expect(await view.page.locator('.stale, .stale-banner').count()).toBe(0);
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });

    it('lists every sample segment on the dashboard with counts, sparklines and overlaps', async () => {
        const view = await openWebview(browser, 'dashboard.js', { view: 'dashboard' });
        const dashboard = await evaluator.request({ op: 'dashboard', record: false });
        await view.post({ type: 'dashboard', dashboard });
        const names = await view.page.locator('table.dashboard tbody tr').evaluateAll(rows => rows.map(r => r.getAttribute('data-segment')));
        // Every segment of the sample's files (journeys and measures included).
        expect(names).toHaveLength(22);
        expect(names).toContain('HighBalanceFollowUp');
        expect(await view.page.textContent('tr[data-segment=HighBalanceFollowUp] [data-testid=count]')).toBe('169');
        await expect.poll(() => view.page.locator('.chart.sparkline canvas').count()).toBeGreaterThanOrEqual(11);
        // Overlaps are between segments of one audience: BestSellers (of products) has none.
        expect(await view.page.locator('table.matrix tbody tr').count()).toBe(21);
        // Where the history is kept; and when it is not beside the database, why.
        expect(await view.page.textContent('[data-testid=history]')).toBe(`History: ${dashboard.history?.file}`);
        expect(dashboard.history?.file).toMatch(/retail\.history\.sqlite$/);
        await view.post({ type: 'dashboard', dashboard: { ...dashboard, history: { file: '/storage/history/retail-0123456789ab.history.sqlite', note: 'The folder of retail.sqlite cannot be written, so the history is kept in the extension\'s storage: /storage/history/retail-0123456789ab.history.sqlite.' } } });
        expect(await view.page.textContent('[data-testid=history]')).toMatch(/^The folder of retail\.sqlite cannot be written, so the history is kept in the extension's storage: /);
        expect(await view.violations()).toEqual([]);
        await view.post({ type: 'dashboard', dashboard });
        await view.page.click('tr[data-segment=ValentinesEarly] th button');
        expect((await view.sent()).pop()).toEqual({ type: 'openDetails', segment: 'ValentinesEarly' });
        expect(await view.violations()).toEqual([]);
        await view.page.screenshot({ path: join(SHOTS, 'webview-dashboard.png'), fullPage: true });
        await view.page.close();
    });
    it('draws the flow of a dynamic segment: groups with conditions and counts, their set operation, the audience', async () => {
        const view = await openWebview(browser, 'flow-view.js', { view: 'flow' });
        const state = await evaluator.request({ op: 'flow', segment: 'IrishSecurityProspects' });
        const f = flowOf(state);
        await view.post({ type: 'flow', flow: state });
        await expect.poll(() => view.page.textContent('[data-testid=flow-total]')).toBe('373');
        const groups = await view.page.locator('svg.flow-diagram .node.group').evaluateAll(gs => gs.map(g => [g.getAttribute('data-group'), g.getAttribute('data-count')]));
        expect(groups).toEqual([['Engaged', '824'], ['OwnsSecurity', '1643']]);
        expect(await view.page.textContent('[data-group=Engaged] > .box-count')).toBe('824');
        const steps = await view.page.locator('[data-group=Engaged] .condition .count-small').allTextContents();
        expect(steps).toEqual(f.root.groups[0].conditions.map(c => (c.count ?? 0).toLocaleString('en')));
        expect(steps).toEqual(['1,160', '1,076', '1,009', '824']);
        expect(await view.page.locator('[data-group=OwnsSecurity] .path').allTextContents()).toEqual(['Product → Purchase → Customer']);
        expect(await view.page.locator('.connector[data-operator]').evaluateAll(cs => cs.map(c => c.getAttribute('data-operator')))).toEqual(['exclude']);
        expect(await view.page.textContent('[data-audience=Customer] [data-testid=flow-count]')).toBe('373 profiles');
        // Left to right, nothing overlapping, ending at the audience.
        const boxes = await view.page.locator('.flow-diagram .node > rect.frame').evaluateAll(rs => rs.map(r => { const b = r.getBoundingClientRect(); return [b.left, b.right]; }));
        expect(boxes).toHaveLength(3);
        for (let i = 1; i < boxes.length; i++) expect(boxes[i][0]).toBeGreaterThan(boxes[i - 1][1]);
        // A click on a box, a condition, or Enter on a focused box reveals its text.
        await view.page.click('[data-group=OwnsSecurity] > text.box-title');
        expect((await view.sent()).pop()).toEqual({ type: 'reveal', location: f.root.groups[1].location });
        await view.page.click('[data-group=Engaged] .condition[data-condition="1"] text.condition-text');
        expect((await view.sent()).pop()).toEqual({ type: 'reveal', location: f.root.groups[0].conditions[1].location });
        await view.page.focus('[data-group=Engaged]');
        await view.page.keyboard.press('Enter');
        expect((await view.sent()).pop()).toEqual({ type: 'reveal', location: f.root.groups[0].location });
        expect(await view.page.evaluate(() => window.__state)).toEqual({ view: 'flow', segment: 'IrishSecurityProspects' });
        expect(await view.violations()).toEqual([]);
        await view.page.screenshot({ path: join(SHOTS, 'webview-flow.png'), fullPage: true });
        await view.page.close();
    });

    it('draws a compound segment as its parts, nested compound parts expanded', async () => {
        const view = await openWebview(browser, 'flow-view.js', { view: 'flow' });
        const state = await evaluator.request({ op: 'flow', segment: 'HighBalanceFollowUp' });
        const f = flowOf(state);
        await view.post({ type: 'flow', flow: state });
        await expect.poll(() => view.page.textContent('[data-testid=flow-total]')).toBe('169');
        const parts = await view.page.locator('.flow-diagram .node.part').evaluateAll(ps => ps.map(p => [p.getAttribute('data-segment'), p.getAttribute('data-count')]));
        expect(parts).toEqual([['HighBalance', '173'], ['DoNotCall', '25']]);
        expect(await view.page.textContent('[data-segment=HighBalance] .condition text.condition-text')).toBe('Customer.CreditBalance > 5000');
        expect(await view.page.locator('.connector[data-operator]').evaluateAll(cs => cs.map(c => c.getAttribute('data-operator')))).toEqual(['exclude']);
        await view.page.click('[data-segment=DoNotCall] > text.box-title');
        expect((await view.sent()).pop()).toEqual({ type: 'reveal', location: f.root.parts[1].segment.location });

        const nested = await edited.request({ op: 'flow', segment: 'Nested' });
        await view.post({ type: 'flow', flow: nested });
        await expect.poll(() => view.page.locator('[data-segment=VipNotDoNotCall] [data-segment=BigSpenders]').count()).toBe(1);
        expect(await view.page.locator('[data-segment=HighBalanceFollowUp] [data-segment=HighBalance] [data-group]').count()).toBe(1);
        expect(await view.page.locator('.connector[data-operator]').evaluateAll(cs => cs.map(c => c.getAttribute('data-operator')))).toEqual(['exclude', 'union', 'exclude']);
        expect(await view.page.textContent('[data-testid=flow-total]')).toBe(flowOf(nested).root.count.toLocaleString('en'));
        await view.page.screenshot({ path: join(SHOTS, 'webview-flow-compound.png'), fullPage: true });
        // A wide diagram scrolls; "Fit to Width" scales it to the panel, but never below 75%
        // (9 px text): in a narrow side panel it stays readable and scrolls.
        const diagram = view.page.locator('svg.flow-diagram:not(.measure)');
        const natural = Number(await diagram.getAttribute('width'));
        const scale = async (): Promise<number> => (await diagram.evaluate(el => el.getBoundingClientRect().width)) / natural;
        const textPx = (): Promise<number> => diagram.locator('text.condition-text').first().evaluate(el => el.getBoundingClientRect().height);
        await view.page.setViewportSize({ width: 700, height: 900 });
        expect(natural).toBeGreaterThan(700);
        expect(await scale()).toBeCloseTo(1, 2);
        await view.page.click('button[data-action=fit]');
        await expect.poll(scale).toBeLessThan(1);
        expect(await scale()).toBeGreaterThanOrEqual(0.75);
        await view.page.setViewportSize({ width: 360, height: 900 });
        await expect.poll(scale).toBeCloseTo(0.75, 2);
        expect(await textPx()).toBeGreaterThanOrEqual(9);
        expect(await view.page.textContent('[data-testid=zoom-level]')).toBe('75%');
        expect(await view.page.locator('.flow-scroll').evaluate(el => el.scrollWidth > el.clientWidth)).toBe(true);
        // Zoom in and out by steps; the zoom is kept when the diagram is drawn again.
        await view.page.click('button[data-action=zoom-in]');
        await view.page.click('button[data-action=zoom-in]');
        expect(await view.page.textContent('[data-testid=zoom-level]')).toBe('125%');
        expect(await scale()).toBeCloseTo(1.25, 2);
        await view.post({ type: 'flow', flow: nested });
        await expect.poll(() => view.page.textContent('[data-testid=zoom-level]')).toBe('125%');
        expect(await view.page.locator('button[data-action=zoom-out]').isDisabled()).toBe(false);
        // Dragging the background pans; a click on a box still goes to its text.
        const scroller = view.page.locator('.flow-scroll');
        const box = await scroller.boundingBox();
        if (!box) throw new Error('no flow scroller');
        await view.page.mouse.move(box.x + box.width - 10, box.y + 5);
        await view.page.mouse.down();
        await view.page.mouse.move(box.x + 20, box.y + 5, { steps: 5 });
        await view.page.mouse.up();
        expect(await scroller.evaluate(el => el.scrollLeft)).toBeGreaterThan(100);
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });

    it('draws a hostile title and condition as text in the flow, and runs no script from data', async () => {
        const view = await openWebview(browser, 'flow-view.js', { view: 'flow' });
        const state = await edited.request({ op: 'flow', segment: 'Hostile' });
        expect(flowOf(state).root.count).toBe(1);
        await view.post({ type: 'flow', flow: state });
        await expect.poll(() => view.page.textContent('h1')).toBe(HOSTILE);
        expect(await view.page.textContent('[data-group=Named] .condition[data-condition="0"] title')).toContain(HOSTILE);
        expect(await view.page.locator('img').count()).toBe(0);
        await view.page.waitForTimeout(300);
        expect(view.dialogs).toEqual([]);
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });

    it('explains membership: the groups and conditions a key passes or fails, the parts that hold it', async () => {
        const view = await openWebview(browser, 'explain-view.js', { view: 'explain' });
        const member = await evaluator.request({ op: 'explain', segment: 'SecurityLowSatisfaction', key: 1003 });
        await view.post({ type: 'explanation', explanation: member });
        await expect.poll(() => view.page.textContent('[data-testid=verdict]')).toBe('✓ 1003 is a member of SecurityLowSatisfaction.');
        expect(await view.page.locator('[data-group=SecurityUsers] li.condition').evaluateAll(ls => ls.map(l => l.getAttribute('data-passes')))).toEqual(['true', 'true', 'true']);

        const e = await evaluator.request({ op: 'explain', segment: 'IrishSecurityProspects', key: 1003 });
        await view.post({ type: 'explanation', explanation: e });
        await expect.poll(() => view.page.textContent('[data-testid=verdict]')).toBe('✗ 1003 is not a member of IrishSecurityProspects.');
        expect(await view.page.getAttribute('[data-group=Engaged]', 'data-passes')).toBe('false');
        expect(await view.page.locator('[data-group=Engaged] li.condition').evaluateAll(ls => ls.map(l => l.getAttribute('data-passes')))).toEqual(['false', 'true', 'true', 'true']);
        expect(await view.page.textContent('[data-group=OwnsSecurity] > .outcome')).toBe(' holds it: excluded by OwnsSecurity');
        // Holding the profile is the bad outcome of an excluded group: its mark says so.
        expect(await view.page.textContent('[data-group=OwnsSecurity] > .mark')).toBe('✗');

        // Each condition holds on some Interaction of 1092, none on the same one: the closest are named.
        const joined = await evaluator.request({ op: 'explain', segment: 'IrishSecurityProspects', key: 1092 });
        await view.post({ type: 'explanation', explanation: joined });
        await expect.poll(() => view.page.textContent('[data-testid=verdict]')).toBe('✗ 1092 is not a member of IrishSecurityProspects.');
        expect(await view.page.locator('[data-group=Engaged] li.condition .outcome').allTextContents()).toEqual(Array(4).fill(' passes alone'));
        expect(await view.page.textContent('[data-group=Engaged] [data-testid=records] p')).toBe('The conditions must hold on the same Interaction record, and none of its 2 does. Closest:');
        expect(await view.page.locator('[data-group=Engaged] ul.closest li').allTextContents()).toEqual([
            'Interaction 501453 fails (Interaction.Topic = "security" or Interaction.Kind contains "visit")',
            'Interaction 511433 fails Interaction.OccurredAt in last 90 days'
        ]);
        await view.page.screenshot({ path: join(SHOTS, 'webview-explain-records.png'), fullPage: true });
        await view.post({ type: 'explanation', explanation: e });
        await view.page.click('[data-group=Engaged] li.condition:first-child button.link');
        expect((await view.sent()).pop()).toEqual({ type: 'reveal', location: e.groups[0].conditions[0].location });
        await view.page.screenshot({ path: join(SHOTS, 'webview-explain.png'), fullPage: true });

        const compound = await evaluator.request({ op: 'explain', segment: 'HighBalanceFollowUp', key: 1010 });
        await view.post({ type: 'explanation', explanation: compound });
        await expect.poll(() => view.page.locator('li.part').evaluateAll(ls => ls.map(l => [l.getAttribute('data-segment'), l.getAttribute('data-passes')]))).toEqual([['HighBalance', 'false'], ['DoNotCall', 'true']]);
        expect(await view.page.textContent('[data-segment=DoNotCall] .outcome')).toBe(' contains it');
        await view.page.click('button:text("Explain another key…")');
        expect((await view.sent()).pop()).toEqual({ type: 'command', command: 'explain', segment: 'HighBalanceFollowUp' });
        expect(await view.page.evaluate(() => window.__state)).toEqual({ view: 'explain', segment: 'HighBalanceFollowUp', key: 1010 });
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });

    it('shows a sequence as a funnel in the preview and the flow, each step linking to its text', async () => {
        const view = await openWebview(browser, 'segment-view.js', { view: 'preview' });
        const preview = await evaluator.request({ op: 'preview', segment: 'EmailConverted', pageOffset: 0, pageSize: 100 });
        const r = report(preview);
        const funnel = r.groups[0].steps;
        expect(funnel).toHaveLength(3);
        await view.post({ type: 'preview', preview });
        await expect.poll(() => view.page.textContent('[data-testid=count]')).toBe(String(r.count));
        const steps = view.page.locator('.box.sequence ol.funnel li.funnel-step');
        expect(await steps.evaluateAll(ls => ls.map(l => [l.getAttribute('data-step'), l.getAttribute('data-count')]))).toEqual(funnel.map((f, i) => [String(i + 1), String(f.count)]));
        expect(await steps.locator('button.link').allTextContents()).toEqual(funnel.map(f => f.text));
        // Each bar is as wide as the step's share of step 1, centred: the funnel narrows.
        const widths = await steps.locator('rect.funnel-fill').evaluateAll(rs => rs.map(x => Number(x.getAttribute('width'))));
        expect(widths[0]).toBe(100);
        for (let i = 1; i < widths.length; i++) expect(widths[i]).toBeLessThanOrEqual(widths[i - 1]);
        expect(await view.page.locator('.flow .operator').allTextContents()).toEqual(['intersect', '=']);
        await steps.nth(1).locator('button.link').click();
        expect((await view.sent()).pop()).toEqual({ type: 'reveal', location: funnel[1].location });
        expect(await view.violations()).toEqual([]);
        await view.page.screenshot({ path: join(SHOTS, 'webview-preview-funnel.png'), fullPage: true });

        const cart = report(await evaluator.request({ op: 'preview', segment: 'AbandonedCart', pageOffset: 0, pageSize: 100 }));
        await view.post({ type: 'preview', preview: { state: 'result', report: cart } });
        await expect.poll(() => view.page.locator('li.funnel-step.none').count()).toBe(1);
        expect(await view.page.getAttribute('li.funnel-step.none', 'data-count')).toBe(String(cart.count));
        await view.page.close();

        const flowView = await openWebview(browser, 'flow-view.js', { view: 'flow' });
        const flow = await evaluator.request({ op: 'flow', segment: 'EmailConverted' });
        await flowView.post({ type: 'flow', flow });
        await expect.poll(() => flowView.page.textContent('[data-testid=flow-total]')).toBe(String(r.count));
        const boxes = flowView.page.locator('.flow-diagram .node.sequence .funnel-step');
        expect(await boxes.evaluateAll(bs => bs.map(b => [b.getAttribute('data-step'), b.getAttribute('data-count')]))).toEqual(funnel.map((f, i) => [String(i + 1), String(f.count)]));
        // One box per step, top to bottom, none overlapping.
        const tops = await boxes.locator('rect.step-frame').evaluateAll(rs => rs.map(x => { const b = x.getBoundingClientRect(); return [b.top, b.bottom]; }));
        for (let i = 1; i < tops.length; i++) expect(tops[i][0]).toBeGreaterThan(tops[i - 1][1]);
        expect(await flowView.page.textContent('p.count')).toBe(`${r.count} Customer profiles · 1 group, 1 sequence`);
        expect(await flowView.page.locator('.connector[data-operator]').evaluateAll(cs => cs.map(c => c.getAttribute('data-operator')))).toEqual(['intersect']);
        await flowView.page.screenshot({ path: join(SHOTS, 'webview-flow-funnel.png'), fullPage: true });
        await boxes.nth(2).click();
        expect((await flowView.sent()).pop()).toEqual({ type: 'reveal', location: funnel[2].location });
        expect(await flowView.violations()).toEqual([]);
        await flowView.page.close();
    });

    it('explains a sequence step by step, with the times of the chain found', async () => {
        const view = await openWebview(browser, 'explain-view.js', { view: 'explain' });
        const member = report(await evaluator.request({ op: 'preview', segment: 'EmailConverted', pageOffset: 0, pageSize: 1 })).page.rows[0][0] as number;
        const e = await evaluator.request({ op: 'explain', segment: 'EmailConverted', key: member });
        await view.post({ type: 'explanation', explanation: e });
        await expect.poll(() => view.page.textContent('[data-testid=verdict]')).toBe(`✓ ${member} is a member of EmailConverted.`);
        const steps = view.page.locator('li.sequence ol.chain li.condition');
        expect(await steps.evaluateAll(ls => ls.map(l => l.getAttribute('data-passes')))).toEqual(['true', 'true', 'true']);
        expect(await steps.locator('.detail').allTextContents()).toEqual(e.groups[0].conditions.map(c => c.detail));
        expect(await steps.evaluateAll(ls => ls.map(l => l.getAttribute('data-time')))).toEqual(e.groups[0].conditions.map(c => c.time));
        await view.page.screenshot({ path: join(SHOTS, 'webview-explain-sequence.png'), fullPage: true });
        const out = await evaluator.request({ op: 'explain', segment: 'AbandonedCart', key: 1003 });
        await view.post({ type: 'explanation', explanation: out });
        await expect.poll(() => view.page.textContent('[data-testid=verdict]')).toContain('AbandonedCart');
        expect(await view.page.locator('li.sequence ol.chain li.condition .detail').allTextContents()).toEqual(out.groups[0].conditions.map(c => c.detail));
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });

    it('shows top and sample steps after the groups or parts, with the members before and after each', async () => {
        const view = await openWebview(browser, 'segment-view.js', { view: 'preview' });
        const preview = await evaluator.request({ op: 'preview', segment: 'TopSpenders', pageOffset: 0, pageSize: 100 });
        const r = report(preview);
        await view.post({ type: 'preview', preview });
        await expect.poll(() => view.page.textContent('[data-testid=count]')).toBe('100');
        const step = view.page.locator('.flow .box.step[data-step=top]');
        expect([await step.getAttribute('data-before'), await step.getAttribute('data-after')]).toEqual([String(r.steps[0].before), '100']);
        expect(await step.locator('.box-count').textContent()).toBe(`${r.steps[0].before.toLocaleString('en')} → 100`);
        // The step comes after the group, before the result.
        const order = await view.page.locator('.flow .box').evaluateAll(bs => bs.map(b => b.className));
        expect(order).toEqual(['box group', 'box step top', 'box result']);
        // The measure shown is a column of the members.
        expect(await view.page.locator('[data-testid=members] [role=columnheader] .grid-label').allTextContents()).toEqual(['CustomerId', 'Name', 'City', 'LifetimeValue']);
        await step.locator('button.link').click();
        expect((await view.sent()).pop()).toEqual({ type: 'reveal', location: r.steps[0].location });
        expect(await view.violations()).toEqual([]);
        await view.page.screenshot({ path: join(SHOTS, 'webview-preview-top.png'), fullPage: true });
        await view.page.close();

        const flowView = await openWebview(browser, 'flow-view.js', { view: 'flow' });
        const flow = await evaluator.request({ op: 'flow', segment: 'ValentinesControl' });
        const sample = flowOf(flow).root.steps[0];
        await flowView.post({ type: 'flow', flow });
        await expect.poll(() => flowView.page.textContent('[data-testid=flow-total]')).toBe(String(flowOf(flow).root.count));
        const node = flowView.page.locator('.flow-diagram .node.step[data-step=sample]');
        expect([await node.getAttribute('data-before'), await node.getAttribute('data-after')]).toEqual([String(sample.before), String(sample.after)]);
        expect(await node.locator('text.condition-text').textContent()).toBe('sample 10% seed "valentines-2027"');
        // Left to right: the part, the step, the audience.
        const boxes = await flowView.page.locator('[data-segment=ValentinesEarly] > rect.frame, .node.step > rect.frame, .node.audience > rect.frame').evaluateAll(rs => rs.map(x => { const b = x.getBoundingClientRect(); return [b.left, b.right]; }));
        expect(boxes).toHaveLength(3);
        for (let i = 1; i < boxes.length; i++) expect(boxes[i][0]).toBeGreaterThan(boxes[i - 1][1]);
        expect(await flowView.page.textContent('p.count')).toBe(`${sample.after} Customer profiles · 1 part, 1 step`);
        await flowView.page.screenshot({ path: join(SHOTS, 'webview-flow-sample.png'), fullPage: true });
        await node.click();
        expect((await flowView.sent()).pop()).toEqual({ type: 'reveal', location: sample.location });
        expect(await flowView.violations()).toEqual([]);
        await flowView.page.close();
    });

    it('explains what a sample and a top step did with a key', async () => {
        const view = await openWebview(browser, 'explain-view.js', { view: 'explain' });
        const control = report(await evaluator.request({ op: 'preview', segment: 'ValentinesControl', pageOffset: 0, pageSize: 1 })).page.rows[0][0] as number;
        const e = await evaluator.request({ op: 'explain', segment: 'ValentinesControl', key: control });
        await view.post({ type: 'explanation', explanation: e });
        await expect.poll(() => view.page.textContent('[data-testid=verdict]')).toBe(`✓ ${control} is a member of ValentinesControl.`);
        expect(await view.page.getAttribute('li.step[data-step=sample]', 'data-passes')).toBe('true');
        expect(await view.page.textContent('li.step[data-step=sample] .detail')).toMatch(/^Its hash h mod 10000 is \d+, below P × 100 = 1000 \(10%, seed "valentines-2027"\), so the sample keeps it\.$/);
        const top = await evaluator.request({ op: 'explain', segment: 'TopSpenders', key: 1023 });
        await view.post({ type: 'explanation', explanation: top });
        await expect.poll(() => view.page.getAttribute('li.step[data-step=top]', 'data-passes')).toBe(String(top.member));
        expect(await view.page.textContent('li.step[data-step=top] .detail')).toMatch(/^It ranks [\d,]+ of [\d,]+ with Customer\.LifetimeValue [\d,.]+ \(largest first, ties by key\); the step keeps the first 100, down to [\d,.]+, so it is (kept|left out)\.$/);
        await view.page.click('li.step[data-step=top] button.link');
        expect((await view.sent()).pop()).toEqual({ type: 'reveal', location: top.steps[0].location });
        expect(await view.violations()).toEqual([]);
        await view.page.screenshot({ path: join(SHOTS, 'webview-explain-steps.png'), fullPage: true });
        await view.page.close();
    });

    it('explains a hostile key as text: not a profile, no script run', async () => {
        const view = await openWebview(browser, 'explain-view.js', { view: 'explain', segment: 'SecurityLowSatisfaction' });
        const e = await evaluator.request({ op: 'explain', segment: 'SecurityLowSatisfaction', key: HOSTILE });
        expect(e).toMatchObject({ exists: false, member: false });
        await view.post({ type: 'explanation', explanation: e });
        await expect.poll(() => view.page.textContent('[data-testid=verdict]')).toBe(`✗ ${HOSTILE} is not a key of Customer: no profile has it, so it is in no segment.`);
        expect(await view.page.locator('img').count()).toBe(0);
        await view.page.waitForTimeout(300);
        expect(view.dialogs).toEqual([]);
        expect(await view.violations()).toEqual([]);
        await view.page.close();
    });
});
