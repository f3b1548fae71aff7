import type { ViewState } from '../shared/messages.js';

export interface WebviewPageOptions {
    /** `webview.cspSource`: the origin local resources are served from. */
    readonly cspSource: string;
    /** A fresh random value per page load. */
    readonly nonce: string;
    readonly scriptUri: string;
    readonly styleUri: string;
    readonly title: string;
    readonly state: ViewState;
}

const escapeAttribute = (value: string): string =>
    value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The shell of every webview: a strict Content-Security-Policy (nothing by default; styles
 * and images only from the extension, scripts only with this load's nonce), one stylesheet,
 * one script. All content is built later by the script with DOM calls and `textContent`.
 * The initial view state travels in a data attribute, escaped.
 */
export function webviewPage(o: WebviewPageOptions): string {
    const csp = [
        "default-src 'none'",
        `style-src ${o.cspSource}`,
        `img-src ${o.cspSource} data:`,
        `font-src ${o.cspSource}`,
        `script-src 'nonce-${o.nonce}'`
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(o.styleUri)}">
<title>${escapeAttribute(o.title)}</title>
</head>
<body data-state="${escapeAttribute(JSON.stringify(o.state))}">
<main id="app" aria-live="polite"></main>
<script nonce="${escapeAttribute(o.nonce)}" src="${escapeAttribute(o.scriptUri)}"></script>
</body>
</html>`;
}

/** 32 characters from a cryptographic source, for a CSP nonce. */
export function makeNonce(): string {
    const bytes = new Uint8Array(24);
    globalThis.crypto.getRandomValues(bytes);
    return Buffer.from(bytes).toString('base64').replace(/[+/=]/g, '');
}
