import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { DashboardData } from '../../extension/src/shared/data.js';
import { bundle } from './bundle-lock.js';
import { hasChromium, launchChromium } from './chromium.js';
import { copySample, InProcessEvaluator, REPO } from './sample-workspace.js';

/** Where the webview tests write their screenshots. */
export const SHOTS = join(REPO, 'test-results');

/** Chromium for the webview pages, once the views are bundled and the screenshots folder exists. */
export async function webviewBrowser(): Promise<Browser> {
    if (!hasChromium) throw new Error('Chromium is missing: run `bash scripts/install-code-server.sh` (npm test does), or apt-get install chromium.');
    await bundle();
    mkdirSync(SHOTS, { recursive: true });
    return launchChromium();
}

/** A copy of the retail sample with history to draw: a weekly back-filled trend and one recorded refresh. */
export async function sampleWithHistory(): Promise<{ readonly evaluator: InProcessEvaluator; readonly dashboard: DashboardData }> {
    const evaluator = new InProcessEvaluator(copySample());
    await evaluator.request({ op: 'backfill', from: '2026-12-03', to: '2027-02-04', stepDays: 7 });
    return { evaluator, dashboard: await evaluator.request({ op: 'dashboard', record: true }) };
}
