import * as vscode from 'vscode';
import type { FlowState } from '../shared/flow.js';
import type { ViewState, ViewToHost } from '../shared/messages.js';
import { contextFor, isSegmentDocument } from './context.js';
import { CancelledRequest, type EvaluatorClient } from './evaluator-client.js';
import { readSettings } from './settings.js';
import { ViewPanel } from './view-panel.js';
import { workspaceRootOf } from './workspace-root.js';

type MessageHandler = (m: ViewToHost, panel: ViewPanel) => void;

/**
 * The Flow view: the segment under the cursor drawn as a diagram. Follows the cursor and the
 * text as it is edited the way the preview does: debounced (`segments.preview.debounceMs`),
 * a stale run cancelled when a newer one starts, evaluated by the worker on the preview's
 * runner (its group breakdowns are shared).
 */
export class FlowView implements vscode.Disposable {
    private panel?: ViewPanel;
    private run?: vscode.CancellationTokenSource;
    private timer?: ReturnType<typeof setTimeout>;
    private readonly disposables: vscode.Disposable[] = [];
    /** Resolves after the latest update (tests wait on it). */
    lastUpdate: Promise<void> = Promise.resolve();

    constructor(private readonly extensionUri: vscode.Uri, private readonly evaluator: EvaluatorClient, private readonly common: MessageHandler) {
        this.disposables.push(
            vscode.window.onDidChangeTextEditorSelection(e => { if (isSegmentDocument(e.textEditor.document)) this.schedule(); }),
            vscode.window.onDidChangeActiveTextEditor(e => { if (e && isSegmentDocument(e.document)) this.schedule(); }),
            vscode.workspace.onDidChangeTextDocument(e => { if (isSegmentDocument(e.document) && e.contentChanges.length) this.schedule(); })
        );
    }

    open(): void {
        if (this.panel) this.panel.panel.reveal(vscode.ViewColumn.Beside, true);
        else this.adopt(ViewPanel.create(this.extensionUri, { view: 'flow' }, 'Segment Flow', vscode.ViewColumn.Beside, (m, p) => this.onMessage(m, p)));
        this.schedule(0);
    }

    /** A panel brought back after a reload; it posts `ready` and is drawn then. */
    restore(webviewPanel: vscode.WebviewPanel, state: ViewState): void {
        this.panel?.dispose();
        this.adopt(new ViewPanel(webviewPanel, this.extensionUri, state, (m, p) => this.onMessage(m, p)));
    }

    /** The data changed: draw again with the new counts. */
    refresh(): void {
        this.schedule(0);
    }

    private adopt(panel: ViewPanel): void {
        this.panel = panel;
        panel.onDidDispose(() => {
            if (this.panel === panel) this.panel = undefined;
        });
    }

    private schedule(delay = readSettings().debounceMs): void {
        if (!this.panel) return;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => { this.lastUpdate = this.update(); }, delay);
    }

    /** Draws the segment under the cursor, or the one drawn before when no segment editor is active. */
    private async update(): Promise<void> {
        const panel = this.panel;
        if (!panel) return;
        const editor = vscode.window.activeTextEditor;
        const fromEditor = editor !== undefined && isSegmentDocument(editor.document);
        const root = fromEditor ? workspaceRootOf(editor.document.uri.fsPath) : panel.state.root;
        if (!root) {
            panel.post({ type: 'flow', flow: { state: 'empty', reason: 'Open a .segment file and put the cursor in a segment.' } });
            return;
        }
        const target = fromEditor
            ? { uri: editor.document.uri.toString(), offset: editor.document.offsetAt(editor.selection.active) }
            : panel.state.segment !== undefined ? { segment: panel.state.segment } : undefined;
        if (!target) return;
        this.run?.cancel();
        const run = panel.begin('drawing the flow');
        this.run = run;
        try {
            const flow = await this.evaluator.request(contextFor(root), { op: 'flow', ...target }, run.token);
            if (run.token.isCancellationRequested || this.panel !== panel) return;
            const segment = segmentOf(flow);
            panel.state = { view: 'flow', root, ...(segment ? { segment } : {}) };
            panel.panel.title = segment ? `Flow ${segment}` : 'Segment Flow';
            panel.post({ type: 'flow', flow });
        } catch (e) {
            if (!(e instanceof CancelledRequest)) panel.post({ type: 'failure', message: (e as Error).message });
        } finally {
            panel.finish(run);
            run.dispose();
        }
    }

    private onMessage(m: ViewToHost, panel: ViewPanel): void {
        if (m.type === 'ready') this.schedule(0);
        else if (m.type !== 'page') this.common(m, panel);
    }

    dispose(): void {
        this.run?.cancel();
        if (this.timer) clearTimeout(this.timer);
        this.panel?.dispose();
        for (const d of this.disposables.splice(0)) d.dispose();
    }
}

function segmentOf(flow: FlowState): string | undefined {
    return flow.state === 'result' ? flow.flow.header.name : flow.state === 'errors' ? flow.segment : undefined;
}
