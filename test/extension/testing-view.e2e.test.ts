import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageWithDuckDb, VSIX_WITH_DUCKDB } from './bundle-lock.js';
import { hasChromium, launchChromium } from './chromium.js';
import { hasCodeServer, startCodeServer, type RunningCodeServer } from './code-server.js';
import { copySample, InProcessEvaluator, REPO } from './sample-workspace.js';
import { openFile, runCommand } from './workbench.js';

const SHOTS = join(REPO, 'test-results');
const VSIX = process.env.SEGMENTS_VSIX ?? VSIX_WITH_DUCKDB;

/** The editor's text as a user reads it (Monaco writes spaces as no-break spaces). */
const plain = (text: string | null): string => (text ?? '').replace(/\u00a0/g, ' ');

/**
 * Segment tests in VS Code's Testing view: the packaged extension in code-server, on a copy of the
 * retail sample. Run all from the command palette, the pass count in the view, then a failing test
 * added to a file shows its expected and actual counts in the peek at its line.
 */
describe('the Testing view in code-server', () => {
    let server: RunningCodeServer;
    let browser: Browser;
    let page: Page;
    let workspace: string;
    let sampleTests: number;

    beforeAll(async () => {
        if (!hasCodeServer || !hasChromium) throw new Error('code-server or Chromium is missing: run `bash scripts/install-code-server.sh` (npm test does).');
        if (!process.env.SEGMENTS_VSIX) await packageWithDuckDb();
        if (!existsSync(VSIX)) throw new Error(`no ${VSIX}: run npm run package:with-duckdb`);
        mkdirSync(SHOTS, { recursive: true });
        workspace = copySample();
        const evaluator = new InProcessEvaluator(workspace);
        sampleTests = (await evaluator.request({ op: 'tests' })).length;
        await evaluator.session.close();
        server = await startCodeServer(VSIX, {
            'segments.asOf': '2027-02-11',
            'workbench.startupEditor': 'none',
            'workbench.tips.enabled': false,
            'editor.minimap.enabled': false,
            'extensions.ignoreRecommendations': true,
            'chat.commandCenter.enabled': false,
            'files.autoSave': 'off',
            'testing.automaticallyOpenPeekView': 'failureAnywhere'
        });
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
        await browser?.close();
        await server?.stop();
    });

    it('lists the sample\'s tests and runs them all', async () => {
        expect(sampleTests).toBeGreaterThan(1);
        await openFile(page, 'contact.segment');
        await runCommand(page, 'Testing: Focus on Test Explorer View');
        const explorer = page.locator('.test-explorer');
        await explorer.locator('.monaco-list-row', { hasText: 'contact.segment' }).first().waitFor({ timeout: 90_000 });
        await runCommand(page, 'Test: Run All Tests');
        const summary = explorer.locator('.result-summary');
        await expect.poll(async () => plain(await summary.textContent()), { timeout: 90_000 }).toContain(`${sampleTests}/${sampleTests}`);
        await page.screenshot({ path: join(SHOTS, 'vscode-testing-passed.png') });
    }, 300_000);

    it('shows a failing test\'s expected and actual count at its check', async () => {
        writeFileSync(join(workspace, 'failing.segment'), [
            '// A test that fails: HighBalance has 173 members on the sample as of its last day.',
            'test HighBalance "a wrong count" as of 2027-02-11 {',
            '  count 170',
            '}',
            ''
        ].join('\n'));
        const explorer = page.locator('.test-explorer');
        await explorer.locator('.monaco-list-row', { hasText: 'failing.segment' }).first().waitFor({ timeout: 60_000 });
        await openFile(page, 'failing.segment');
        await runCommand(page, 'Test: Run All Tests');
        const summary = explorer.locator('.result-summary');
        await expect.poll(async () => plain(await summary.textContent()), { timeout: 90_000 }).toContain(`${sampleTests}/${sampleTests + 1}`);
        const peek = page.locator('.test-output-peek');
        await peek.first().waitFor({ timeout: 60_000 });
        await expect.poll(async () => plain(await peek.first().textContent()), { timeout: 30_000 }).toMatch(/count 170[\s\S]*count 173|count 173[\s\S]*count 170/);
        expect(plain(await peek.first().textContent())).toContain('line 3: count 170');
        await page.screenshot({ path: join(SHOTS, 'vscode-testing-failed.png') });
    }, 300_000);
});
