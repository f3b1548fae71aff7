import * as vscode from 'vscode';
import type { Key } from '../shared/data.js';
import type { ViewState, ViewToHost } from '../shared/messages.js';
import { contextFor } from './context.js';
import { CancelledRequest, type EvaluatorClient } from './evaluator-client.js';
import { ViewPanel } from './view-panel.js';

type MessageHandler = (m: ViewToHost, panel: ViewPanel) => void;

/**
 * Explain Membership in a webview: for one key, which groups and top-level conditions of the
 * segment it passes or fails, or which parts of a compound segment hold it. One panel, reused
 * for the next key; its segment and key are restored after a reload.
 */
export class ExplainView implements vscode.Disposable {
    private panel?: ViewPanel;
    private version = 0;
    /** Resolves after the latest explanation was posted (tests wait on it). */
    lastUpdate: Promise<void> = Promise.resolve();

    constructor(private readonly extensionUri: vscode.Uri, private readonly evaluator: EvaluatorClient, private readonly common: MessageHandler) {}

    show(root: string, segment: string, key: Key): Promise<void> {
        const state: ViewState = { view: 'explain', root, segment, key };
        if (this.panel) {
            this.panel.state = state;
            this.panel.panel.reveal(vscode.ViewColumn.Beside, true);
        } else {
            this.adopt(ViewPanel.create(this.extensionUri, state, title(state), vscode.ViewColumn.Beside, (m, p) => this.onMessage(m, p)));
        }
        this.lastUpdate = this.update();
        return this.lastUpdate;
    }

    /** The key shown for this segment, to offer it again. */
    keyFor(root: string, segment: string): Key | undefined {
        const state = this.panel?.state;
        return state?.root === root && state.segment === segment ? state.key : undefined;
    }

    restore(webviewPanel: vscode.WebviewPanel, state: ViewState): void {
        this.panel?.dispose();
        this.adopt(new ViewPanel(webviewPanel, this.extensionUri, state, (m, p) => this.onMessage(m, p)));
    }

    /** The data changed: explain the same key again. */
    refresh(): void {
        if (this.panel) this.lastUpdate = this.update();
    }

    private adopt(panel: ViewPanel): void {
        this.panel = panel;
        panel.onDidDispose(() => {
            if (this.panel === panel) this.panel = undefined;
        });
    }

    private async update(): Promise<void> {
        const panel = this.panel;
        const { root, segment, key } = panel?.state ?? {};
        if (!panel || !root || !segment || key === undefined) return;
        const version = ++this.version;
        panel.panel.title = title(panel.state);
        const run = panel.begin(`explaining ${String(key)}`);
        try {
            const explanation = await this.evaluator.request(contextFor(root), { op: 'explain', segment, key }, run.token);
            if (version === this.version) panel.post({ type: 'explanation', explanation });
        } catch (e) {
            if (version === this.version && !(e instanceof CancelledRequest)) panel.post({ type: 'failure', message: (e as Error).message });
        } finally {
            panel.finish(run);
            run.dispose();
        }
    }

    private onMessage(m: ViewToHost, panel: ViewPanel): void {
        if (m.type === 'ready') this.lastUpdate = this.update();
        else if (m.type !== 'page') this.common(m, panel);
    }

    dispose(): void {
        this.panel?.dispose();
    }
}

function title(state: ViewState): string {
    return state.key === undefined ? 'Explain Membership' : `Explain ${String(state.key)} in ${state.segment ?? ''}`;
}
