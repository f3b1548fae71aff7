import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageWithDuckDb, VSIX_WITH_DUCKDB } from './bundle-lock.js';
import { hasChromium, launchChromium } from './chromium.js';
import { hasCodeServer, startCodeServer, type RunningCodeServer } from './code-server.js';
import { copySample, REPO } from './sample-workspace.js';
import { goToLine, inWebview, openFile, runCommand, webviewFrame } from './workbench.js';

/** Past the 100 MiB from which a file is large for sql.js (`LARGE_FOR_SQLJS_BYTES`). */
const FILE_MIB = 110;
const OFFER = 'large for sql.js';

/**
 * The platform build (with DuckDB) on the sample whose file was grown past what is large for
 * sql.js (free pages, so the tables and counts are the sample's): a view run on sql.js offers
 * DuckDB once, with a button that sets `segments.engine`; every view names the engine that ran.
 */
describe('the one-time DuckDB offer for a large database, and the engine named in every view', () => {
    let server: RunningCodeServer;
    let browser: Browser;
    let page: Page;
    let workspace: string;
    let fileMib: number;

    beforeAll(async () => {
        if (!hasCodeServer || !hasChromium) throw new Error('code-server or Chromium is missing: run `bash scripts/install-code-server.sh` (npm test does).');
        await packageWithDuckDb();
        workspace = copySample();
        const database = join(workspace, 'retail.sqlite');
        const SQL = await initSqlJs();
        const db = new SQL.Database(readFileSync(database));
        // Pages written then freed: the file keeps its size (no VACUUM), the data stays the sample's.
        db.exec(`CREATE TABLE padding (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${FILE_MIB}) INSERT INTO padding SELECT zeroblob(1048576) FROM n; DROP TABLE padding;`);
        writeFileSync(database, db.export());
        db.close();
        expect(statSync(database).size).toBeGreaterThan(100 * 2 ** 20);
        fileMib = Math.round(statSync(database).size / 2 ** 20);
        server = await startCodeServer(VSIX_WITH_DUCKDB, {
            'segments.asOf': '2027-02-11',
            'workbench.startupEditor': 'none',
            'workbench.tips.enabled': false,
            'chat.commandCenter.enabled': false
        });
        browser = await launchChromium();
        page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
        await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
        await page.locator('.explorer-folders-view').waitFor({ timeout: 90_000 });
    }, 300_000);

    afterEach(async ({ task }) => {
        if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(REPO, 'test-results', 'failed-engine-offer.png') }).catch(() => undefined);
    });

    afterAll(async () => {
        await browser?.close();
        await server?.stop();
    });

    it('offers DuckDB once; taking it sets segments.engine, and the preview, details, flow, explain and status bar say DuckDB', async () => {
        /** The engine named in the view that shows `selector`. */
        const engineIn = (selector: string): Promise<string | null | undefined> => inWebview(page, selector, f => f.locator('[data-testid=engine]').textContent());
        await openFile(page, 'contact.segment');
        await goToLine(page, 29);
        await runCommand(page, 'Segments: Open Preview to the Side');
        const preview = await webviewFrame(page, '[data-testid=count]', 120_000);
        await expect.poll(() => preview.locator('[data-testid=count]').textContent(), { timeout: 60_000 }).toBe('169');
        expect(await preview.locator('[data-testid=engine]').textContent()).toBe('sql.js');
        const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: OFFER });
        await toast.first().waitFor({ timeout: 60_000 });
        expect(await toast.first().textContent()).toContain(`retail.sqlite is ${fileMib} MiB, large for sql.js`);
        await toast.first().getByRole('button', { name: 'Use DuckDB' }).click();
        // The setting is written in the workspace, and the open preview runs again on DuckDB with the same count.
        await expect.poll(() => JSON.parse(readFileSync(join(workspace, '.vscode', 'settings.json'), 'utf8'))['segments.engine'], { timeout: 30_000 }).toBe('duckdb');
        await expect.poll(() => engineIn('[data-testid=count]'), { timeout: 120_000, interval: 1_000 }).toBe('DuckDB');
        expect(await inWebview(page, '[data-testid=count]', f => f.locator('[data-testid=count]').textContent())).toBe('169');

        await page.locator('.tab[aria-label^="contact.segment"]').click();
        await goToLine(page, 29);
        await runCommand(page, 'Segments: Run Segment');
        await page.locator('.statusbar-item', { hasText: 'HighBalanceFollowUp: 169 members (DuckDB)' }).first().waitFor({ timeout: 90_000 });

        await page.locator('.tab[aria-label^="contact.segment"]').click();
        await goToLine(page, 29);
        await runCommand(page, 'Segments: Open Flow View');
        await webviewFrame(page, 'svg.flow-diagram', 90_000);
        await expect.poll(() => engineIn('svg.flow-diagram'), { timeout: 60_000 }).toBe('DuckDB');

        await page.locator('.tab[aria-label^="contact.segment"]').click();
        await goToLine(page, 29);
        await runCommand(page, 'Segments: Explain Membership');
        const input = page.locator('.quick-input-widget input.input');
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        await page.locator('.quick-input-widget', { hasText: 'Explain membership in HighBalanceFollowUp' }).waitFor({ timeout: 60_000 });
        await input.fill('1028');
        await page.keyboard.press('Enter');
        await webviewFrame(page, '[data-testid=verdict]', 90_000);
        await expect.poll(() => engineIn('[data-testid=verdict]'), { timeout: 60_000 }).toBe('DuckDB');

        // Back on sql.js, the same large file is read again: no second offer in this workspace.
        mkdirSync(join(workspace, '.vscode'), { recursive: true });
        writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'segments.engine': 'sqljs' }, null, 2));
        await expect.poll(() => engineIn('[data-testid=verdict]'), { timeout: 120_000, interval: 1_000 }).toBe('sql.js');
        await page.waitForTimeout(3_000);
        expect(await toast.count()).toBe(0);
    }, 600_000);
});
