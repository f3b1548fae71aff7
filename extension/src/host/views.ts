import * as vscode from 'vscode';
import type { PreviewState } from '../shared/data.js';
import type { ViewCommand, ViewState, ViewToHost } from '../shared/messages.js';
import { contextFor, currentRoot, isSegmentDocument } from './context.js';
import { CancelledRequest, type EvaluatorClient } from './evaluator-client.js';
import { ExplainView } from './explain-view.js';
import { FlowView } from './flow-view.js';
import { readSettings } from './settings.js';
import { ViewPanel } from './view-panel.js';
import { workspaceRootOf } from './workspace-root.js';

export type RunViewCommand = (command: ViewCommand, segment: string | undefined, root: string | undefined) => void;

/**
 * The webviews and what they show: the preview that follows the cursor (debounced, a stale run
 * cancelled when a newer one starts), segment details, the dashboard, the flow view
 * (`flow-view.ts`) and Explain Membership (`explain-view.ts`).
 */
export class Views implements vscode.Disposable {
    private preview?: ViewPanel;
    private previewRun?: vscode.CancellationTokenSource;
    private previewTimer?: ReturnType<typeof setTimeout>;
    private dashboard?: ViewPanel;
    private readonly details = new Map<string, ViewPanel>();
    private readonly disposables: vscode.Disposable[] = [];
    /** Resolves after the dashboard's latest update (tests and commands wait on it). */
    lastDashboardUpdate: Promise<void> = Promise.resolve();
    /** The dashboard update under way that records a refresh, if any. */
    private recordingDashboard?: Promise<void>;
    readonly flow: FlowView;
    readonly explain: ExplainView;

    constructor(private readonly extensionUri: vscode.Uri, private readonly evaluator: EvaluatorClient, private readonly runCommand: RunViewCommand) {
        this.flow = new FlowView(extensionUri, evaluator, (m, p) => this.onMessage(m, p));
        this.explain = new ExplainView(extensionUri, evaluator, (m, p) => this.onMessage(m, p));
        this.disposables.push(this.flow, this.explain,
            vscode.window.onDidChangeTextEditorSelection(e => { if (isSegmentDocument(e.textEditor.document)) this.schedulePreview(); }),
            vscode.window.onDidChangeActiveTextEditor(e => { if (e && isSegmentDocument(e.document)) this.schedulePreview(); }),
            vscode.workspace.onDidChangeTextDocument(e => { if (isSegmentDocument(e.document) && e.contentChanges.length) this.schedulePreview(); })
        );
    }

    // ---- preview ---------------------------------------------------------------------------

    openPreview(): void {
        if (this.preview) {
            this.preview.panel.reveal(vscode.ViewColumn.Beside, true);
        } else {
            this.preview = this.track(ViewPanel.create(this.extensionUri, { view: 'preview' }, 'Segment Preview', vscode.ViewColumn.Beside, (m, p) => this.onMessage(m, p)), () => { this.preview = undefined; });
        }
        this.schedulePreview(0);
    }

    private schedulePreview(delay = readSettings().debounceMs): void {
        if (!this.preview) return;
        if (this.previewTimer) clearTimeout(this.previewTimer);
        this.previewTimer = setTimeout(() => void this.updatePreview(), delay);
    }

    /** Runs the preview for the segment under the cursor, or the one shown before. */
    private async updatePreview(pageOffset = 0): Promise<void> {
        const panel = this.preview;
        if (!panel) return;
        const editor = vscode.window.activeTextEditor;
        const fromEditor = editor && isSegmentDocument(editor.document);
        const root = fromEditor ? workspaceRootOf(editor.document.uri.fsPath) : panel.state.root;
        if (!root) {
            panel.post({ type: 'preview', preview: { state: 'empty', reason: 'Open a .segment file and put the cursor in a segment.' } });
            return;
        }
        const target = fromEditor && pageOffset === 0
            ? { uri: editor.document.uri.toString(), offset: editor.document.offsetAt(editor.selection.active) }
            : panel.state.segment !== undefined ? { segment: panel.state.segment } : undefined;
        if (!target) return;
        this.previewRun?.cancel();
        const run = panel.begin('running the preview');
        this.previewRun = run;
        try {
            // The count and members show as soon as they are known; the breakdown fills in after.
            const preview = await this.evaluator.request(contextFor(root), { op: 'preview', ...target, pageOffset, pageSize: readSettings().pageSize }, run.token, counted => {
                if (!run.token.isCancellationRequested && this.preview === panel) panel.post({ type: 'preview', preview: counted });
            });
            if (run.token.isCancellationRequested || this.preview !== panel) return;
            const segment = segmentOf(preview);
            panel.state = { view: 'preview', root, ...(segment ? { segment } : {}) };
            panel.panel.title = segment ? `Preview ${segment}` : 'Segment Preview';
            panel.post({ type: 'preview', preview });
        } catch (e) {
            if (!(e instanceof CancelledRequest)) panel.post({ type: 'failure', message: (e as Error).message });
        } finally {
            panel.finish(run);
            run.dispose();
        }
    }

    // ---- details ---------------------------------------------------------------------------

    /** A segment's details; from an editor (Run Segment) `Beside` it, from a view in the view's place. */
    openDetails(root: string, segment: string, column: vscode.ViewColumn = vscode.ViewColumn.Active): void {
        const key = `${root}\n${segment}`;
        const open = this.details.get(key);
        if (open) {
            open.panel.reveal();
        } else {
            const panel = ViewPanel.create(this.extensionUri, { view: 'details', root, segment }, `Segment ${segment}`, column, (m, p) => this.onMessage(m, p));
            this.details.set(key, this.track(panel, () => this.details.delete(key)));
        }
        void this.updateDetails(this.details.get(key)!, 0);
    }

    private async updateDetails(panel: ViewPanel, pageOffset: number): Promise<void> {
        const { root, segment } = panel.state;
        if (!root || !segment) return;
        const run = panel.begin(`running ${segment}`);
        try {
            const preview = await this.evaluator.request(contextFor(root), { op: 'preview', segment, pageOffset, pageSize: readSettings().pageSize }, run.token, counted => {
                if (!run.token.isCancellationRequested) panel.post({ type: 'preview', preview: counted });
            });
            panel.post({ type: 'preview', preview });
        } catch (e) {
            if (!(e instanceof CancelledRequest)) panel.post({ type: 'failure', message: (e as Error).message });
        } finally {
            panel.finish(run);
            run.dispose();
        }
    }

    // ---- dashboard -------------------------------------------------------------------------

    async openDashboard(): Promise<void> {
        const root = (await currentRoot()) ?? this.dashboard?.state.root;
        if (!root) {
            void vscode.window.showInformationMessage('Segments: no .segment files in this workspace.');
            return;
        }
        if (this.dashboard) {
            this.dashboard.state = { view: 'dashboard', root };
            this.dashboard.panel.reveal();
        } else {
            this.dashboard = this.track(ViewPanel.create(this.extensionUri, { view: 'dashboard', root }, 'Segments Dashboard', vscode.ViewColumn.Active, (m, p) => this.onMessage(m, p)), () => { this.dashboard = undefined; });
        }
        await this.updateDashboard(true);
    }

    updateDashboard(record: boolean): Promise<void> {
        const panel = this.dashboard;
        const root = panel?.state.root;
        if (!panel || !root) return Promise.resolve();
        // A newer update cancels an older one (its counts would be stale), except one that records
        // a refresh: that one is waited for, so that no recorded run is lost.
        const previous = this.recordingDashboard;
        const update = (async (): Promise<void> => {
            await previous?.catch(() => undefined);
            const run = panel.begin('counting every segment');
            try {
                // Rows fill in as their counts arrive; the answer adds the overlaps.
                const dashboard = await this.evaluator.request(contextFor(root), { op: 'dashboard', record }, run.token, partial => {
                    if (!run.token.isCancellationRequested) panel.post({ type: 'dashboard', dashboard: partial });
                });
                panel.post({ type: 'dashboard', dashboard });
            } catch (e) {
                if (!(e instanceof CancelledRequest)) panel.post({ type: 'failure', message: (e as Error).message });
            } finally {
                panel.finish(run);
                run.dispose();
            }
        })();
        this.lastDashboardUpdate = update;
        if (record) {
            this.recordingDashboard = update;
            void update.finally(() => { if (this.recordingDashboard === update) this.recordingDashboard = undefined; });
        }
        return update;
    }

    /** After the data changed: record a refresh, then update every open view. */
    async refreshAll(record: boolean): Promise<void> {
        if (this.dashboard) await this.updateDashboard(record);
        else if (record) {
            const root = await currentRoot();
            if (root) await this.evaluator.request(contextFor(root), { op: 'dashboard', record: true });
        }
        this.schedulePreview(0);
        this.flow.refresh();
        this.explain.refresh();
        for (const panel of this.details.values()) void this.updateDetails(panel, 0);
    }

    // ---- restore after reload --------------------------------------------------------------

    restore(webviewPanel: vscode.WebviewPanel, state: ViewState): void {
        if (state.view === 'flow') return this.flow.restore(webviewPanel, state);
        if (state.view === 'explain') return this.explain.restore(webviewPanel, state);
        const panel = new ViewPanel(webviewPanel, this.extensionUri, state, (m, p) => this.onMessage(m, p));
        if (state.view === 'preview') {
            this.preview?.dispose();
            this.preview = this.track(panel, () => { this.preview = undefined; });
        } else if (state.view === 'dashboard') {
            this.dashboard?.dispose();
            this.dashboard = this.track(panel, () => { this.dashboard = undefined; });
        } else if (state.root && state.segment) {
            const key = `${state.root}\n${state.segment}`;
            this.details.get(key)?.dispose();
            this.details.set(key, this.track(panel, () => this.details.delete(key)));
        }
        // Each view posts `ready` when its script runs, and gets its data then.
    }

    // ---- messages from the views -----------------------------------------------------------

    private onMessage(m: ViewToHost, panel: ViewPanel): void {
        switch (m.type) {
            case 'ready':
                if (panel === this.preview) this.schedulePreview(0);
                else if (panel === this.dashboard) void this.updateDashboard(false);
                else void this.updateDetails(panel, panel.state.offset ?? 0);
                return;
            case 'page':
                panel.state = { ...panel.state, offset: m.offset };
                if (panel === this.preview) void this.updatePreview(m.offset);
                else void this.updateDetails(panel, m.offset);
                return;
            case 'reveal': {
                const uri = vscode.Uri.parse(m.location.uri);
                const at = new vscode.Position(m.location.line, m.location.character);
                void vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(at, at) });
                return;
            }
            case 'openDetails':
                if (panel.state.root) this.openDetails(panel.state.root, m.segment);
                return;
            case 'command':
                this.runCommand(m.command, m.segment ?? panel.state.segment, panel.state.root);
                return;
        }
    }

    private track(panel: ViewPanel, onDispose: () => void): ViewPanel {
        panel.onDidDispose(onDispose);
        return panel;
    }

    dispose(): void {
        this.previewRun?.cancel();
        if (this.previewTimer) clearTimeout(this.previewTimer);
        this.preview?.dispose();
        this.dashboard?.dispose();
        for (const p of [...this.details.values()]) p.dispose();
        for (const d of this.disposables.splice(0)) d.dispose();
    }
}

function segmentOf(preview: PreviewState): string | undefined {
    return preview.state === 'result' ? preview.report.header.name : preview.state === 'errors' ? preview.segment : undefined;
}
