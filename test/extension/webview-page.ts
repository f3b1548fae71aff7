import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeNonce, webviewPage } from '../../extension/src/host/webview-html.js';
import type { HostToView, ViewState, ViewToHost } from '../../extension/src/shared/messages.js';

const ORIGIN = 'https://webview.test';
const ROOT = join(import.meta.dirname, '..', '..');

declare global {
    interface Window {
        __sent: ViewToHost[];
        __violations: string[];
        __state: unknown;
    }
}

export interface WebviewHarness {
    readonly page: Page;
    /** Messages the view posted to the host, in order. */
    sent(): Promise<ViewToHost[]>;
    post(message: HostToView): Promise<void>;
    /** CSP violations reported by the page. */
    violations(): Promise<string[]>;
    dialogs: string[];
}

/**
 * A webview page exactly as the extension builds it (same HTML, CSP, script and stylesheet),
 * served from a fake webview origin, with `acquireVsCodeApi` stubbed to record messages.
 * Theme variables come from a small dark, light or high-contrast theme, as VS Code would inject
 * them, with the body class VS Code sets (`vscode-dark`, `vscode-light`, `vscode-high-contrast`).
 */
export type WebviewScript = 'segment-view.js' | 'dashboard.js' | 'flow-view.js' | 'explain-view.js';

/** The three kinds of theme VS Code has, as the body class it sets and a stand-in set of its variables. */
export type WebviewTheme = 'dark' | 'light' | 'high-contrast';

export const THEMES: readonly WebviewTheme[] = ['dark', 'light', 'high-contrast'];

export interface WebviewOptions {
    readonly theme?: WebviewTheme;
    readonly width?: number;
    readonly height?: number;
}

export async function openWebview(browser: Browser, script: WebviewScript, state: ViewState, options: WebviewOptions = {}): Promise<WebviewHarness> {
    const themeName = options.theme ?? 'dark';
    const page = await browser.newPage({ viewport: { width: options.width ?? 1100, height: options.height ?? 900 } });
    const dialogs: string[] = [];
    page.on('dialog', d => { dialogs.push(d.message()); void d.dismiss(); });
    await page.addInitScript(() => {
        window.__sent = [];
        window.__violations = [];
        window.__state = undefined;
        document.addEventListener('securitypolicyviolation', e => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
        (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
            postMessage: (m: ViewToHost) => window.__sent.push(m),
            getState: () => window.__state,
            setState: (s: unknown) => { window.__state = s; }
        });
    });
    const html = webviewPage({
        cspSource: ORIGIN,
        nonce: makeNonce(),
        scriptUri: `${ORIGIN}/out/webview/${script}`,
        styleUri: `${ORIGIN}/extension/media/webview.css`,
        title: 'test',
        state
    }).replace('<body ', `<body class="vscode-${themeName}" `);
    const theme = await readFile(join(ROOT, `test/extension/theme-${themeName}.css`), 'utf8');
    await page.route(`${ORIGIN}/**`, async route => {
        const path = new URL(route.request().url()).pathname;
        if (path === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
        if (path === '/extension/media/webview.css') return route.fulfill({ contentType: 'text/css', body: theme + await readFile(join(ROOT, path), 'utf8') });
        if (path.startsWith('/out/webview/')) return route.fulfill({ contentType: path.endsWith('.css') ? 'text/css' : 'text/javascript', body: await readFile(join(ROOT, path)) });
        return route.fulfill({ status: 404, body: '' });
    });
    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForFunction(() => window.__sent.some(m => m.type === 'ready'));
    return {
        page,
        dialogs,
        sent: () => page.evaluate(() => window.__sent),
        post: async message => {
            await page.evaluate(m => window.postMessage(m, '*'), message);
        },
        violations: () => page.evaluate(() => window.__violations)
    };
}
