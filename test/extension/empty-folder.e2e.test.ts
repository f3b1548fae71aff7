import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageWithDuckDb, VSIX_WITH_DUCKDB } from './bundle-lock.js';
import { hasChromium, launchChromium } from './chromium.js';
import { hasCodeServer, startCodeServer, type RunningCodeServer } from './code-server.js';
import { copySample, REPO } from './sample-workspace.js';
import { explorerMenuCommand, runCommand } from './workbench.js';

const VSIX = process.env.SEGMENTS_VSIX ?? VSIX_WITH_DUCKDB;
const NO_SEGMENTS = 'Segments: this folder has no .segment files yet. Start with a schema: run "Segments: Generate Schema from Database" on a SQLite file, or write a .segment file.';

/** The packaged extension in code-server on a folder that has no `.segment` file yet: every command says what to do. */
describe('the extension in a folder without .segment files', () => {
    let server: RunningCodeServer;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
        if (!hasCodeServer || !hasChromium) throw new Error('code-server or Chromium is missing: run `bash scripts/install-code-server.sh` (npm test does).');
        if (!process.env.SEGMENTS_VSIX) await packageWithDuckDb();
        if (!existsSync(VSIX)) throw new Error(`no ${VSIX}: run npm run package:with-duckdb`);
        const folder = mkdtempSync(join(tmpdir(), 'segments-empty-'));
        writeFileSync(join(folder, 'notes.md'), '# Not segments yet\n');
        copyFileSync(join(copySample(), 'retail.sqlite'), join(folder, 'retail.sqlite'));
        server = await startCodeServer(VSIX, { 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'chat.commandCenter.enabled': false });
        browser = await launchChromium();
        page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
        await page.locator('.explorer-folders-view').waitFor({ timeout: 90_000 });
        // No file activates the extension here; its commands are in the palette once the
        // extension host has read the installed extensions (the palette lists what it knew when opened).
        const deadline = Date.now() + 90_000;
        for (;;) {
            await page.keyboard.press('F1');
            const input = page.locator('.quick-input-widget input.input');
            await input.waitFor({ state: 'visible' });
            await input.fill('>Segments: Refresh All');
            const found = await page.locator('.quick-input-list .monaco-list-row .label-name').getByText('Segments: Refresh All', { exact: true }).first()
                .waitFor({ timeout: 2_000 }).then(() => true, () => false);
            await page.keyboard.press('Escape');
            if (found) break;
            if (Date.now() > deadline) throw new Error('the extension\'s commands never appeared in the palette');
        }
    }, 180_000);

    afterEach(async ({ task }) => {
        if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(REPO, 'test-results', 'failed-empty-folder.png') }).catch(() => undefined);
    });

    afterAll(async () => {
        await browser?.close();
        await server?.stop();
    });

    it('says the folder has no segments yet, and how to start, for Refresh All, Back-fill and Run Segment', async () => {
        for (const command of ['Segments: Refresh All', 'Segments: Back-fill Trendlines', 'Segments: Run Segment']) {
            await runCommand(page, command);
            const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'this folder has no .segment files yet' });
            await toast.first().waitFor({ timeout: 60_000 });
            expect(await toast.first().locator('.notification-list-item-message').textContent(), command).toBe(NO_SEGMENTS);
            // Cleared, so that the next command's message is its own.
            await runCommand(page, 'Notifications: Clear All Notifications');
            await toast.first().waitFor({ state: 'detached', timeout: 10_000 });
        }
        expect(await page.locator('.quick-input-widget:visible').count()).toBe(0);
    }, 240_000);

    it('generates the whole schema of a database from the explorer, as an unsaved document without errors', async () => {
        await explorerMenuCommand(page, 'retail.sqlite', 'Generate Schema from Database');
        // The editor draws spaces as no-break spaces.
        const text = async (): Promise<string> => (await page.locator('.editor-group-container.active .monaco-editor .view-lines').textContent() ?? '').replace(/\u00a0/g, ' ');
        await expect.poll(text, { timeout: 60_000 }).toContain('database "retail.sqlite"');
        expect(await text()).toContain('entity Customer from customers key CustomerId');
        expect(await page.locator('.editor-group-container.active .tab.active').textContent()).toMatch(/Untitled/);
        // The language server checks it: no error squiggle, none in the status bar.
        await page.waitForTimeout(3000);
        expect(await page.locator('.monaco-editor .squiggly-error').count()).toBe(0);
        await runCommand(page, 'View: Revert and Close Editor');
    }, 120_000);

    it('shows the extension\'s page with its screenshots, read from the installed package', async () => {
        await runCommand(page, 'Extensions: Show Enabled Extensions');
        await page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'Segments' }).first().click();
        // The page is a webview inside the extension editor: find the frame that shows the readme.
        const alts = ['The preview beside the editor', 'The dashboard of every segment'];
        const deadline = Date.now() + 60_000;
        let loaded: readonly { alt: string; width: number }[] = [];
        while (Date.now() < deadline) {
            for (const frame of page.frames()) {
                const images = await frame.evaluate(() => Array.from(document.querySelectorAll('img'))
                    .map(img => ({ alt: img.alt, width: img.complete ? img.naturalWidth : 0 }))).catch(() => []);
                if (images.some(i => alts.includes(i.alt))) loaded = images.filter(i => alts.includes(i.alt));
            }
            if (loaded.length === alts.length && loaded.every(i => i.width > 0)) break;
            await new Promise(r => setTimeout(r, 500));
        }
        expect(loaded.map(i => i.alt)).toEqual(alts);
        // A broken image has no natural size; the screenshots are 1,000 pixels or more wide.
        for (const image of loaded) expect(image.width, image.alt).toBeGreaterThan(500);
    }, 120_000);
});
