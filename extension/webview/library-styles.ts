/**
 * The stylesheet esbuild writes beside this view's bundle (`out/webview/NAME.css`, the CSS a
 * library imports), linked before the page's own stylesheet so that the theme's rules win.
 * Links are allowed by the page's policy (`style-src` is the extension's origin).
 */
const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript.src : '';
let adopted = false;

export function adoptLibraryStylesheet(): void {
    if (adopted || !script) return;
    adopted = true;
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = script.replace(/\.js(?=$|[?#])/, '.css');
    const first = document.head.querySelector('link[rel=stylesheet]');
    document.head.insertBefore(link, first);
}
