import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageExtension } from './bundle-lock.js';
import { hasChromium, launchChromium } from './chromium.js';
import { hasCodeServer, startCodeServer, type RunningCodeServer } from './code-server.js';
import { copySample, REPO } from './sample-workspace.js';
import { goToLine, openFile, runCommand, webviewFrame } from './workbench.js';

const VSIX = join(REPO, 'dist', 'segments.vsix');

/**
 * The universal build (sql.js and PostgreSQL, no DuckDB) in code-server with `segments.engine`
 * set to DuckDB: the preview says in a sentence that this build has no DuckDB and which build
 * has it, a notification offers sql.js, and taking it shows the count.
 */
describe('the universal build with the DuckDB engine picked', () => {
    let server: RunningCodeServer;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
        if (!hasCodeServer || !hasChromium) throw new Error('code-server or Chromium is missing: run `bash scripts/install-code-server.sh` (npm test does).');
        await packageExtension();
        if (!existsSync(VSIX)) throw new Error(`no ${VSIX}: run npm run package`);
        const workspace = copySample();
        server = await startCodeServer(VSIX, {
            'segments.asOf': '2027-02-11',
            'segments.engine': 'duckdb',
            'workbench.startupEditor': 'none',
            'workbench.tips.enabled': false,
            'chat.commandCenter.enabled': false
        });
        browser = await launchChromium();
        page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
        await page.locator('.explorer-folders-view').waitFor({ timeout: 90_000 });
    }, 240_000);

    afterEach(async ({ task }) => {
        if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(REPO, 'test-results', 'failed-universal-build.png') }).catch(() => undefined);
    });

    afterAll(async () => {
        await browser?.close();
        await server?.stop();
    });

    it('says the build has no DuckDB, without the loader\'s text, and switches to sql.js when asked', async () => {
        await openFile(page, 'contact.segment');
        await goToLine(page, 29);
        await runCommand(page, 'Segments: Open Preview to the Side');
        const frame = await webviewFrame(page, '.failure', 90_000);
        const failure = await frame.locator('.failure').textContent();
        expect(failure).toContain('This installation of Segments does not include the DuckDB engine');
        expect(failure).toContain('npm run package:with-duckdb');
        expect(failure).not.toMatch(/Cannot find|node_modules|imported from/);
        const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'is not in this build of the extension' });
        await toast.first().waitFor({ timeout: 30_000 });
        await toast.first().getByRole('button', { name: 'Use sql.js' }).click();
        // The setting changed: the open preview runs again, on sql.js.
        const counted = await webviewFrame(page, '[data-testid=count]', 90_000);
        await expect.poll(() => counted.locator('[data-testid=count]').textContent(), { timeout: 60_000 }).toBe('169');
    }, 240_000);
});
