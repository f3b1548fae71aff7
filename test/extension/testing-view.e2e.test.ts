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

    it('shows a failing test\'s expected and actual at its checks, with why a key is out', async () => {
        writeFileSync(join(workspace, 'failing.segment'), [
            '// A test that fails: 1028 is left out by DoNotCall, and the segment has 169 members.',
            'test HighBalanceFollowUp "a do-not-call customer kept" as of 2027-02-11 {',
            '  members 1028',
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
        // The peek opens at a failing check, in the editor: what it asks against what the run found.
        const peeks = async (): Promise<string> => plain((await page.locator('.test-output-peek, .part.panel').allTextContents()).join('\n'));
        await expect.poll(peeks, { timeout: 60_000 }).toMatch(/count 170[\s\S]*count 169|members 1028[\s\S]*none of them is a member/);
        await page.screenshot({ path: join(SHOTS, 'vscode-testing-failed.png') });
        // The Test Results list each message: both checks' diffs and the explanation of 1028, each shown on a click.
        const results = page.locator('.test-output-peek-tree');
        const rows = async (): Promise<string> => plain((await results.allTextContents()).join('\n'));
        await expect.poll(rows, { timeout: 30_000 }).toContain('line 3: members 1028: 1028 is not a member of HighBalanceFollowUp.');
        expect(await rows()).toContain('line 4: count 170: HighBalanceFollowUp has 169 members.');
        expect(await rows()).toContain('1028 is not a member of HighBalanceFollowUp:');
        // A message clicked in the Test Results shows beside the list, in the panel.
        const panel = async (): Promise<string> => plain((await page.locator('.part.panel').allTextContents()).join('\n'));
        const show = async (row: string, text: RegExp): Promise<void> => {
            await page.locator('.part.panel .test-output-peek-tree .monaco-list-row', { hasText: row }).first().click();
            await expect.poll(panel, { timeout: 30_000 }).toMatch(text);
        };
        await show('line 3: members 1028', /members 1028[\s\S]*none of them is a member/);
        await show('line 4: count 170', /count 170[\s\S]*count 169/);
        await show('1028 is not a member of HighBalanceFollowUp:', /exclude DoNotCall: holds it/);
        await page.screenshot({ path: join(SHOTS, 'vscode-testing-explained.png') });
    }, 300_000);
});
