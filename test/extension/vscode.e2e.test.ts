import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { simulateDay } from '../../samples/retail/simulate-day.js';
import { packageWithDuckDb, VSIX_WITH_DUCKDB } from './bundle-lock.js';
import { hasChromium, launchChromium } from './chromium.js';
import { hasCodeServer, startCodeServer, type RunningCodeServer } from './code-server.js';
import { copySample, InProcessEvaluator, REPO } from './sample-workspace.js';
import { explorerMenuCommand, goToLine, inWebview, openFile, runCommand, webviewFrame } from './workbench.js';

const SHOTS = join(REPO, 'test-results');
const VSIX = process.env.SEGMENTS_VSIX ?? VSIX_WITH_DUCKDB;
const SAMPLE_SEGMENTS = ['DoNotCall', 'HighBalance', 'HighBalanceFollowUp', 'AbandonedCart', 'EmailConverted', 'FirstWeekBuyers', 'LapsedBuyers',
    'FrequentBuyers', 'BigSpenders', 'NeverPurchased', 'VipNotDoNotCall', 'IrishSecurityProspects', 'TopSpenders', 'BestSellers', 'BoughtABestSeller',
    'LoyalHighValue', 'DiscountBuyers', 'SecurityLowSatisfaction', 'ValentinesControl', 'ValentinesTreatment', 'ValentinesEarly', 'ValentinesLastMinute'];

/**
 * The packaged extension (this platform's build, with DuckDB) in a real VS Code: code-server
 * 4.99.4 (scripts/install-code-server.sh) driven by Playwright in Debian's Chromium, on a copy of
 * the retail sample.
 */
describe('the extension in code-server', () => {
    let server: RunningCodeServer;
    let browser: Browser;
    let page: Page;
    let workspace: string;
    const log: string[] = [];

    beforeAll(async () => {
        if (!hasCodeServer || !hasChromium) throw new Error('code-server or Chromium is missing: run `bash scripts/install-code-server.sh` (npm test does).');
        if (!process.env.SEGMENTS_VSIX) await packageWithDuckDb();
        if (!existsSync(VSIX)) throw new Error(`no ${VSIX}: run npm run package:with-duckdb`);
        mkdirSync(SHOTS, { recursive: true });
        workspace = copySample();
        writeFileSync(join(workspace, 'broken.segment'), [
            '// A segment with mistakes, for the diagnostics check.',
            'dynamic segment Broken {',
            '  audience Customer',
            '  group {',
            '    Customer.CreditBalanse > 5000',
            '  }',
            '}',
            ''
        ].join('\n'));
        server = await startCodeServer(VSIX, {
            'segments.asOf': '2027-02-11',
            'workbench.colorTheme': 'Default Dark Modern',
            'workbench.startupEditor': 'none',
            'workbench.tips.enabled': false,
            'editor.minimap.enabled': false,
            'extensions.ignoreRecommendations': true,
            'chat.commandCenter.enabled': false,
            'files.autoSave': 'off'
        }, line => log.push(line));
        browser = await launchChromium();
        page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
        await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
        await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
        await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
    });

    afterEach(async ({ task }) => {
        if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(SHOTS, `failed-${task.name.replace(/\W+/g, '-').slice(0, 60)}.png`) }).catch(() => undefined);
    });

    afterAll(async () => {
        if (page) await page.screenshot({ path: join(SHOTS, 'vscode-last.png') }).catch(() => undefined);
        await browser?.close();
        await server?.stop();
    });

    it('shows the diagnostics of a broken file', async () => {
        await openFile(page, 'broken.segment');
        await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 90_000 });
        await page.keyboard.press('Control+Shift+M');
        const problem = page.locator('.markers-panel .monaco-tl-row', { hasText: 'CreditBalanse' }).first();
        await problem.waitFor({ timeout: 30_000 });
        expect(await problem.textContent()).toContain('CreditBalanse');
        await page.screenshot({ path: join(SHOTS, 'vscode-diagnostics.png') });
    });

    it('generates no clashing schema for the database the workspace already declares: it says so and opens nothing', async () => {
        const untitled = (): Promise<number> => page.locator('.tab', { hasText: 'Untitled' }).count();
        const before = await untitled();
        await explorerMenuCommand(page, 'retail.sqlite', 'Generate Schema from Database');
        const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'is already declared' });
        await toast.first().waitFor({ timeout: 60_000 });
        expect(await toast.first().locator('.notification-list-item-message').textContent()).toBe('Segments: every table and column of retail.sqlite is already declared in this folder\'s .segment files.');
        expect(await untitled()).toBe(before);
        await runCommand(page, 'Notifications: Clear All Notifications');
    });

    it('completes the attributes after `Customer.`', async () => {
        await goToLine(page, 5);
        await page.keyboard.press('End');
        await page.keyboard.press('Enter');
        await page.keyboard.type('and Customer.');
        await page.keyboard.press('Control+Space');
        const widget = page.locator('.suggest-widget.visible');
        await widget.waitFor({ timeout: 30_000 });
        await widget.locator('.monaco-list-row', { hasText: 'CreditBalance' }).first().waitFor({ timeout: 30_000 });
        const labels = await widget.locator('.monaco-list-row .label-name').allTextContents();
        expect(labels).toEqual(expect.arrayContaining(['CreditBalance', 'Name']));
        await page.screenshot({ path: join(SHOTS, 'vscode-completion.png') });
        await page.keyboard.press('Escape');
        await runCommand(page, 'File: Revert File');
        await runCommand(page, 'View: Hide Panel');
    });

    it('previews the compound sample segment beside the editor with its count', async () => {
        await openFile(page, 'contact.segment');
        await goToLine(page, 29);
        await runCommand(page, 'Segments: Open Preview to the Side');
        const frame = await webviewFrame(page, '[data-testid=count]', 90_000);
        await expect.poll(() => frame.locator('h1').textContent(), { timeout: 30_000 }).toContain('High balance customers to follow up');
        expect(await frame.locator('[data-testid=count]').textContent()).toBe('169');
        expect(await frame.locator('.box.part').count()).toBe(2);
        // The member grid in the real webview: 100 of the 169 rows loaded, a window of them drawn; uPlot's
        // stylesheet, linked from beside the bundle, loaded under the view's policy (a blocked one has no sheet).
        expect(await frame.locator('[data-testid=members]').getAttribute('aria-rowcount')).toBe('101');
        expect(await frame.locator('[data-testid=members] [role=gridcell]').first().textContent()).toMatch(/^\d+$/);
        await expect.poll(() => frame.evaluate(() => Array.from(document.styleSheets).some(s => (s.href ?? '').split(/[?#]/)[0].endsWith('/out/webview/segment-view.css'))), { timeout: 30_000 }).toBe(true);
        await page.screenshot({ path: join(SHOTS, 'vscode-preview-compound.png') });
    });

    it('follows the cursor to another segment and updates as you type', async () => {
        await openFile(page, 'security.segment');
        await goToLine(page, 12);
        const frame = await webviewFrame(page, '[data-testid=count]');
        await expect.poll(() => frame.locator('h1').textContent(), { timeout: 30_000 }).toContain('Security customers with low satisfaction');
        await expect.poll(() => frame.locator('[data-testid=count]').textContent(), { timeout: 30_000 }).toBe('182');
        // The count comes first; the breakdown fills in after it.
        await expect.poll(() => frame.locator('[data-group=SecurityUsers] ol.steps li').count(), { timeout: 30_000 }).toBe(3);
        await page.screenshot({ path: join(SHOTS, 'vscode-preview.png') });
        await page.keyboard.press('End');
        await page.keyboard.press('Backspace');
        await page.keyboard.press('Backspace');
        await page.keyboard.type('40');
        await expect.poll(async () => Number((await frame.locator('[data-testid=count]').textContent())?.replace(/,/g, '')), { timeout: 60_000 }).toBeLessThan(182);
        await runCommand(page, 'File: Revert File');
        await expect.poll(() => frame.locator('[data-testid=count]').textContent(), { timeout: 30_000 }).toBe('182');
    });

    it('shows the SQL beside the editor as one read-only document that follows the segment and asks nothing on close', async () => {
        await openFile(page, 'security.segment');
        await goToLine(page, 12);
        await runCommand(page, 'Segments: Show SQL');
        const tab = page.locator('.tab[aria-label^="SecurityLowSatisfaction.sql"]');
        await tab.waitFor({ timeout: 30_000 });
        const sql = page.locator('.editor-group-container:has(.tab.active[aria-label^="SecurityLowSatisfaction.sql"]) .view-lines');
        await expect.poll(() => sql.textContent(), { timeout: 30_000 }).toMatch(/<\s60/);
        // The segment's editor keeps the focus: typing there changes the segment, and the SQL follows.
        await page.keyboard.press('End');
        await page.keyboard.press('Backspace');
        await page.keyboard.press('Backspace');
        await page.keyboard.type('41');
        await expect.poll(() => sql.textContent(), { timeout: 30_000 }).toMatch(/<\s41/);
        await page.screenshot({ path: join(SHOTS, 'vscode-show-sql.png') });
        await runCommand(page, 'File: Revert File');
        await expect.poll(() => sql.textContent(), { timeout: 30_000 }).toMatch(/<\s60/);
        await runCommand(page, 'Segments: Show SQL');
        await expect.poll(() => tab.count(), { timeout: 10_000 }).toBe(1);
        await tab.click();
        await runCommand(page, 'View: Close Editor');
        await tab.waitFor({ state: 'detached', timeout: 10_000 });
        expect(await page.locator('.monaco-dialog-box').count()).toBe(0);
    });

    it('draws the compound sample in the flow view, its parts as boxes, a click going to the text', async () => {
        await openFile(page, 'contact.segment');
        await goToLine(page, 29);
        await runCommand(page, 'Segments: Open Flow View');
        const frame = await webviewFrame(page, 'svg.flow-diagram', 90_000);
        await expect.poll(() => frame.locator('[data-testid=flow-total]').textContent(), { timeout: 30_000 }).toBe('169');
        const parts = await frame.locator('.node.part').evaluateAll(ps => ps.map(p => [p.getAttribute('data-segment'), p.getAttribute('data-count')]));
        expect(parts).toEqual([['HighBalance', '173'], ['DoNotCall', '25']]);
        expect(await frame.locator('.connector[data-operator]').getAttribute('data-operator')).toBe('exclude');
        await page.screenshot({ path: join(SHOTS, 'vscode-flow.png') });
        await frame.click('[data-segment=DoNotCall] > text.box-title');
        await page.locator('.statusbar-item', { hasText: 'Ln 5, Col 1' }).first().waitFor({ timeout: 20_000 });
    });

    it('previews a journey of the sample as its funnel, and draws the funnel in the flow view', async () => {
        // The funnel as the evaluator counts it on the same workspace, as of the same day.
        const evaluator = new InProcessEvaluator(workspace);
        const expected = await evaluator.request({ op: 'preview', segment: 'EmailConverted', pageOffset: 0, pageSize: 1 }).finally(() => evaluator.session.close());
        if (expected.state !== 'result') throw new Error(expected.state);
        const funnel = expected.report.groups[0].steps.map(s => String(s.count));
        expect(funnel).toHaveLength(3);
        await openFile(page, 'journeys.segment');
        await goToLine(page, 25);
        await runCommand(page, 'Segments: Open Preview to the Side');
        const frame = await webviewFrame(page, '.box.sequence li.funnel-step', 90_000);
        await expect.poll(() => frame.locator('h1').textContent(), { timeout: 30_000 }).toContain('Converted by email');
        const steps = frame.locator('.box.sequence li.funnel-step');
        await expect.poll(() => steps.evaluateAll(ls => ls.map(l => l.getAttribute('data-count'))), { timeout: 30_000 }).toEqual(funnel);
        expect(await frame.locator('[data-testid=count]').textContent()).toBe(String(expected.report.count));
        await page.screenshot({ path: join(SHOTS, 'vscode-preview-funnel.png') });
        await page.locator('.tab[aria-label^="journeys.segment"]').click();
        await goToLine(page, 25);
        await runCommand(page, 'Segments: Open Flow View');
        const flow = await webviewFrame(page, 'svg.flow-diagram .node.sequence', 90_000);
        await expect.poll(() => flow.locator('.node.sequence .funnel-step').evaluateAll(bs => bs.map(b => b.getAttribute('data-count'))), { timeout: 30_000 }).toEqual(funnel);
        await page.screenshot({ path: join(SHOTS, 'vscode-flow-funnel.png') });
    }, 180_000);

    it('explains why a high-balance customer on the do-not-call list is left out of the follow-up', async () => {
        await openFile(page, 'contact.segment');
        await goToLine(page, 29);
        await runCommand(page, 'Segments: Explain Membership');
        const input = page.locator('.quick-input-widget input.input');
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        await page.locator('.quick-input-widget', { hasText: 'Explain membership in HighBalanceFollowUp' }).waitFor({ timeout: 60_000 });
        await input.fill('1028');
        await page.keyboard.press('Enter');
        const frame = await webviewFrame(page, '[data-testid=verdict]', 90_000);
        await expect.poll(() => frame.locator('[data-testid=verdict]').textContent(), { timeout: 30_000 }).toContain('1028 is not a member of HighBalanceFollowUp');
        const parts = await frame.locator('li.part').evaluateAll(ps => ps.map(p => [p.getAttribute('data-segment'), p.getAttribute('data-passes')]));
        expect(parts).toEqual([['HighBalance', 'true'], ['DoNotCall', 'true']]);
        expect(await frame.locator('li.part[data-segment=DoNotCall] .operator').textContent()).toBe('exclude ');
        await page.screenshot({ path: join(SHOTS, 'vscode-explain.png') });
    }, 120_000);

    it('follows the light and high-contrast colour themes in its views', async () => {
        // As a user does: the colour theme picker (its command, not the marketplace one beside it).
        const setTheme = async (theme: string): Promise<void> => {
            await page.keyboard.press('F1');
            const input = page.locator('.quick-input-widget input.input');
            await input.waitFor({ state: 'visible' });
            await input.fill('>Preferences: Color Theme');
            await page.locator('.quick-input-list .monaco-list-row .label-name').getByText('Preferences: Color Theme', { exact: true }).click({ timeout: 20_000 });
            await page.locator('.quick-input-list .monaco-list-row', { hasText: 'High Contrast' }).first().waitFor({ timeout: 20_000 });
            await input.fill(theme);
            await page.locator('.quick-input-list .monaco-list-row .label-name').getByText(theme, { exact: true }).click({ timeout: 20_000 });
        };
        const bodyClass = async (): Promise<string> => (await webviewFrame(page, '[data-testid=verdict]')).evaluate(() => document.body.className);
        try {
            await setTheme('Light Modern');
            await expect.poll(bodyClass, { timeout: 30_000 }).toContain('vscode-light');
            await page.screenshot({ path: join(SHOTS, 'vscode-explain-light.png') });
            await setTheme('Dark High Contrast');
            await expect.poll(bodyClass, { timeout: 30_000 }).toContain('vscode-high-contrast');
            // Every piece of text takes a theme colour that stands out from the page's background.
            const frame = await webviewFrame(page, '[data-testid=verdict]');
            const colours = await frame.evaluate(() => {
                const background = getComputedStyle(document.body).backgroundColor;
                const texts = Array.from(document.querySelectorAll('body *')).filter(e => Array.from(e.childNodes).some(n => n.nodeType === Node.TEXT_NODE && n.textContent?.trim()));
                return { background, invisible: texts.filter(e => getComputedStyle(e).color === background).map(e => e.textContent) };
            });
            expect(colours.background).toBe('rgb(0, 0, 0)');
            expect(colours.invisible).toEqual([]);
            await page.screenshot({ path: join(SHOTS, 'vscode-explain-high-contrast.png') });
        } finally {
            await setTheme('Dark Modern').catch(() => undefined);
        }
        await expect.poll(bodyClass, { timeout: 30_000 }).toContain('vscode-dark');
    }, 120_000);

    it('runs a segment beside its text, which stays in view', async () => {
        await openFile(page, 'security.segment');
        await goToLine(page, 12);
        await runCommand(page, 'Segments: Run Segment');
        const details = page.locator('.tab[aria-label^="Segment SecurityLowSatisfaction"]');
        await details.waitFor({ timeout: 30_000 });
        const groupOf = (tab: string): Promise<number> => page.locator('.editor-group-container').evaluateAll(
            (groups, label) => groups.findIndex(g => g.querySelector(`.tab.active[aria-label^="${label}"]`) !== null), tab);
        const source = await groupOf('security.segment');
        const shown = await groupOf('Segment SecurityLowSatisfaction');
        expect(source).toBeGreaterThanOrEqual(0);
        expect(shown).toBeGreaterThanOrEqual(0);
        expect(shown).not.toBe(source);
    });

    it('lists the segments by file with their counts, and the schema, in the Segments side bar', async () => {
        await runCommand(page, 'Segments: Focus on Segments View');
        const rows = page.locator('.pane-body .monaco-list-row');
        const segmentRow = rows.filter({ hasText: 'HighBalanceFollowUp' }).first();
        await segmentRow.waitFor({ timeout: 60_000 });
        // The count arrives after the list, from the same evaluation as the dashboard.
        await expect.poll(() => segmentRow.locator('.label-description').textContent(), { timeout: 90_000 }).toBe('169 · Customer');
        expect(await rows.filter({ hasText: 'contact.segment' }).count()).toBeGreaterThan(0);
        expect(await rows.filter({ hasText: /^Broken/ }).first().locator('.label-description').textContent()).toBe('has errors');
        // A click goes to the definition.
        await segmentRow.click();
        await expect.poll(() => page.locator('.editor-group-container.active .tab.active').textContent(), { timeout: 30_000 }).toContain('contact.segment');
        // The schema: entities with their keys, attributes with their types and relationships.
        await runCommand(page, 'Segments: Focus on Schema View');
        const customer = page.locator('.pane-body .monaco-list-row', { hasText: 'Customer' }).filter({ hasText: 'key CustomerId' }).first();
        await customer.waitFor({ timeout: 30_000 });
        await customer.locator('.monaco-tl-twistie').click();
        const balance = page.locator('.pane-body .monaco-list-row', { hasText: 'CreditBalance' }).first();
        await balance.waitFor({ timeout: 30_000 });
        expect(await balance.locator('.label-description').textContent()).toBe('number');
        await page.screenshot({ path: join(SHOTS, 'vscode-side-bar.png') });
        await runCommand(page, 'View: Close Primary Side Bar');
    }, 180_000);

    it('lists every sample segment on the dashboard, and refreshes it when the database changes', async () => {
        await runCommand(page, 'View: Close All Editors');
        await runCommand(page, 'Segments: Open Dashboard');
        const frame = await webviewFrame(page, 'table.dashboard', 90_000);
        const rows = frame.locator('table.dashboard tbody tr');
        await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(SAMPLE_SEGMENTS.length + 1);
        const names = await rows.evaluateAll(trs => trs.map(tr => tr.getAttribute('data-segment')));
        expect([...names].sort()).toEqual([...SAMPLE_SEGMENTS, 'Broken'].sort());
        expect(await frame.locator('tr[data-segment=Broken]').getAttribute('class')).toBe('error');
        // Rows are listed first and each count fills in as it arrives ("…" until then).
        const neverPurchased = frame.locator('tr[data-segment=NeverPurchased] [data-testid=count]');
        await expect.poll(() => neverPurchased.textContent(), { timeout: 60_000 }).toBe('317');
        await page.screenshot({ path: join(SHOTS, 'vscode-dashboard.png') });

        // Records after the "as of" instant do not exist (reference 6.1): the simulated day counts as of that day.
        mkdirSync(join(workspace, '.vscode'), { recursive: true });
        writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'segments.asOf': '2027-02-12' }, null, 2));
        await expect.poll(() => frame.locator('p.meta').first().textContent(), { timeout: 60_000 }).toContain('as of 2027-02-12');
        await expect.poll(() => neverPurchased.textContent(), { timeout: 60_000 }).toBe('317');
        const day = await simulateDay(join(workspace, 'retail.sqlite'));
        expect(day.day).toBe('2027-02-12');
        await expect.poll(() => neverPurchased.textContent(), { timeout: 60_000 }).toBe('306');
        expect(await frame.locator('tr[data-segment=NeverPurchased] [data-testid=change]').textContent()).toBe('−11');
        // Its sparkline is drawn by uPlot, whose stylesheet loaded under the view's policy (the overlay it positions).
        const spark = frame.locator('tr[data-segment=NeverPurchased] .chart.sparkline');
        await expect.poll(() => spark.locator('canvas').count(), { timeout: 30_000 }).toBe(1);
        expect(await spark.locator('.u-over').evaluate(e => getComputedStyle(e).position)).toBe('absolute');
        await page.screenshot({ path: join(SHOTS, 'vscode-dashboard-refreshed.png') });
        expect(existsSync(join(workspace, 'retail.history.sqlite'))).toBe(true);
    }, 180_000);

    it('restores the dashboard after the window reloads', async () => {
        const reloaded = page.waitForEvent('framenavigated', { predicate: f => f === page.mainFrame(), timeout: 90_000 });
        await runCommand(page, 'Developer: Reload Window');
        await reloaded;
        await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
        // Find the restored panel afresh on every try: frames come and go while the window loads.
        const cell = 'tr[data-segment=NeverPurchased] [data-testid=count]';
        await expect.poll(() => inWebview(page, cell, f => f.locator(cell).textContent()), { timeout: 120_000, interval: 1_000 }).toBe('306');
        expect(await inWebview(page, cell, f => f.locator('table.dashboard tbody tr').count())).toBe(SAMPLE_SEGMENTS.length + 1);
    });

    it('runs the dashboard on DuckDB when the user picks it in the settings', async () => {
        const settings = join(workspace, '.vscode', 'settings.json');
        mkdirSync(join(workspace, '.vscode'), { recursive: true });
        const cell = 'tr[data-segment=NeverPurchased] [data-testid=count]';
        const read = (selector: string): Promise<string | null | undefined> => inWebview(page, selector, f => f.locator(selector).textContent());
        await expect.poll(() => read('[data-testid=engine]'), { timeout: 30_000 }).toBe('sql.js');
        writeFileSync(settings, JSON.stringify({ 'segments.asOf': '2027-02-12', 'segments.engine': 'duckdb' }, null, 2));
        await expect.poll(() => read('[data-testid=engine]'), { timeout: 90_000, interval: 1_000 }).toBe('DuckDB');
        await expect.poll(() => read(cell), { timeout: 60_000, interval: 1_000 }).toBe('306');
        await page.screenshot({ path: join(SHOTS, 'vscode-dashboard-duckdb.png') });
        writeFileSync(settings, JSON.stringify({ 'segments.asOf': '2027-02-12', 'segments.engine': 'sqljs' }, null, 2));
        await expect.poll(() => read('[data-testid=engine]'), { timeout: 90_000, interval: 1_000 }).toBe('sql.js');
    }, 180_000);
});
