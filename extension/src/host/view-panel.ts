import * as vscode from 'vscode';
import { parseViewMessage, type HostToView, type ViewKind, type ViewState, type ViewToHost } from '../shared/messages.js';
import { makeNonce, webviewPage } from './webview-html.js';

const SCRIPTS: Record<ViewKind, string> = { preview: 'segment-view.js', details: 'segment-view.js', dashboard: 'dashboard.js', flow: 'flow-view.js', explain: 'explain-view.js' };

/**
 * One webview panel: strict CSP page, resources only from `out/webview` and `extension/media`,
 * messages queued until the page says `ready` (no "webview did not become ready" races),
 * untrusted messages parsed before use.
 */
export class ViewPanel implements vscode.Disposable {
    private ready = false;
    private queue: HostToView[] = [];
    private readonly disposables: vscode.Disposable[] = [];
    private readonly disposed = new vscode.EventEmitter<void>();
    readonly onDidDispose = this.disposed.event;

    static readonly viewTypes: Record<ViewKind, string> = { preview: 'segments.preview', dashboard: 'segments.dashboard', details: 'segments.details', flow: 'segments.flow', explain: 'segments.explain' };

    static create(extensionUri: vscode.Uri, state: ViewState, title: string, column: vscode.ViewColumn, onMessage: (m: ViewToHost, panel: ViewPanel) => void): ViewPanel {
        const panel = vscode.window.createWebviewPanel(ViewPanel.viewTypes[state.view], title, { viewColumn: column, preserveFocus: true }, ViewPanel.options(extensionUri));
        return new ViewPanel(panel, extensionUri, state, onMessage);
    }

    static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
        return {
            enableScripts: true,
            retainContextWhenHidden: false,
            localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'out', 'webview'), vscode.Uri.joinPath(extensionUri, 'extension', 'media')]
        };
    }

    private running?: { readonly source: vscode.CancellationTokenSource; readonly done: () => void };

    /**
     * Starts the view's request: the view shows its progress (after 300 ms, with Cancel), the
     * window's progress area too, and a newer request or the view's Cancel cancels this one. Call
     * `finish` with the returned source when it ends.
     */
    begin(label: string): vscode.CancellationTokenSource {
        this.running?.source.cancel();
        this.running?.done();
        const source = new vscode.CancellationTokenSource();
        let done = (): void => undefined;
        const ended = new Promise<void>(resolve => { done = resolve; });
        const timer = setTimeout(() => {
            void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Segments: ${label}` }, () => ended);
        }, 300);
        this.running = { source, done: () => { clearTimeout(timer); done(); } };
        this.post({ type: 'busy', busy: true });
        return source;
    }

    /** The request started with `source` ended (answered, failed or cancelled). */
    finish(source: vscode.CancellationTokenSource): void {
        if (this.running?.source !== source) return;
        this.running.done();
        this.running = undefined;
        this.post({ type: 'busy', busy: false });
    }

    constructor(readonly panel: vscode.WebviewPanel, private readonly extensionUri: vscode.Uri, public state: ViewState, onMessage: (m: ViewToHost, panel: ViewPanel) => void) {
        panel.webview.options = ViewPanel.options(extensionUri);
        panel.iconPath = vscode.Uri.joinPath(extensionUri, 'extension', 'media', 'segment-file.svg');
        this.disposables.push(
            panel.webview.onDidReceiveMessage((raw: unknown) => {
                const message = parseViewMessage(raw);
                if (!message) return;
                if (message.type === 'ready') this.flush();
                if (message.type === 'cancel') {
                    const running = this.running;
                    running?.source.cancel();
                    if (running) this.finish(running.source);
                    return;
                }
                onMessage(message, this);
            }),
            panel.onDidDispose(() => this.dispose())
        );
        this.render();
    }

    /** (Re)loads the page; the view asks for its data again with `ready`. */
    render(): void {
        this.ready = false;
        const webview = this.panel.webview;
        const asUri = (...parts: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...parts)).toString();
        webview.html = webviewPage({
            cspSource: webview.cspSource,
            nonce: makeNonce(),
            scriptUri: asUri('out', 'webview', SCRIPTS[this.state.view]),
            styleUri: asUri('extension', 'media', 'webview.css'),
            title: this.panel.title,
            state: this.state
        });
    }

    post(message: HostToView): void {
        if (this.ready) void this.panel.webview.postMessage(message);
        else this.queue = [...this.queue.filter(m => m.type !== message.type), message];
    }

    private flush(): void {
        this.ready = true;
        for (const m of this.queue) void this.panel.webview.postMessage(m);
        this.queue = [];
    }

    private isDisposed = false;

    dispose(): void {
        if (this.isDisposed) return;
        this.isDisposed = true;
        this.disposed.fire();
        this.disposed.dispose();
        for (const d of this.disposables.splice(0)) d.dispose();
        this.panel.dispose();
    }
}
