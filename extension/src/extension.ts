import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { isViewState, VIEW_KINDS } from './shared/messages.js';
import { registerCommands, runViewCommand } from './host/commands.js';
import { isSegmentDocument, useStorageFolder } from './host/context.js';
import { watchDatabases } from './host/database-watcher.js';
import { offerDuckDbForLargeFiles } from './host/duckdb-offer.js';
import { offerOtherEngine } from './host/engine-missing.js';
import { EvaluatorClient } from './host/evaluator-client.js';
import { startLanguageClient } from './host/language-client.js';
import { SideBar } from './host/side-bar.js';
import { SqlDocuments } from './host/sql-documents.js';
import { SegmentTestController } from './host/test-controller.js';
import { ViewPanel } from './host/view-panel.js';
import { Views } from './host/views.js';

let client: LanguageClient | undefined;

/**
 * Activation on `.segment` files: the language server, the evaluator worker, the views, the
 * commands and the database watcher. Returns a small API the end-to-end tests use.
 */
export interface SegmentsApi {
    readonly views: Views;
    readonly evaluator: EvaluatorClient;
}

export async function activate(context: vscode.ExtensionContext): Promise<SegmentsApi> {
    useStorageFolder((context.storageUri ?? context.globalStorageUri).fsPath);
    const output = vscode.window.createOutputChannel('Segments');
    const evaluator = new EvaluatorClient(context.asAbsolutePath('out/evaluator.cjs'), output, offerOtherEngine());
    evaluator.onDatabaseOpened = offerDuckDbForLargeFiles(context.workspaceState, context.asAbsolutePath('out/evaluator.cjs'));
    const views = new Views(context.extensionUri, evaluator, runViewCommand);
    const sqlDocuments = new SqlDocuments(evaluator);
    const sideBar = new SideBar(evaluator);
    const mirror = (doc: vscode.TextDocument): void => {
        if (!isSegmentDocument(doc)) return;
        evaluator.overlay(doc.uri.fsPath, doc.isDirty ? doc.getText() : undefined);
        sqlDocuments.refreshSoon();
        // Saved text changes the counts; typing only the list.
        sideBar.refreshSoon(800, !doc.isDirty);
    };
    const tests = new SegmentTestController(evaluator, output);
    context.subscriptions.push(
        output, evaluator, views, sqlDocuments, tests, sideBar,
        vscode.workspace.registerTextDocumentContentProvider(SqlDocuments.scheme, sqlDocuments),
        ...registerCommands(evaluator, views),
        vscode.workspace.onDidChangeTextDocument(e => mirror(e.document)),
        vscode.workspace.onDidSaveTextDocument(mirror),
        vscode.workspace.onDidCloseTextDocument(doc => { if (isSegmentDocument(doc)) evaluator.overlay(doc.uri.fsPath, undefined); }),
        vscode.workspace.createFileSystemWatcher('**/*.segment').onDidChange(() => evaluator.invalidate()),
        // Another engine or "as of" changes every count: the open views show the new ones.
        vscode.workspace.onDidChangeConfiguration(e => {
            if (!['segments.engine', 'segments.postgres', 'segments.asOf'].some(key => e.affectsConfiguration(key))) return;
            output.appendLine('engine or "as of" settings changed; refreshing the views');
            evaluator.invalidate();
            // Another "as of" is another series of runs (history/CONTEXT.md): its first run is
            // recorded, with no one entering or leaving, so the next data change shows its change.
            void views.refreshAll(e.affectsConfiguration('segments.asOf'));
            sqlDocuments.refreshSoon();
            sideBar.refreshSoon(0, true);
        }),
        watchDatabases(uri => {
            output.appendLine(`database changed: ${uri.fsPath}; refreshing active segments`);
            evaluator.invalidate();
            void views.refreshAll(true);
            sqlDocuments.refreshSoon();
            sideBar.refreshSoon(800, true);
        })
    );
    tests.refreshSoon();
    for (const kind of VIEW_KINDS) {
        context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(ViewPanel.viewTypes[kind], {
            deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
                views.restore(panel, isViewState(state) ? state : { view: kind });
            }
        }));
    }
    try {
        client = await startLanguageClient(context);
    } catch (e) {
        output.appendLine(`the language server did not start: ${(e as Error).message}`);
    }
    return { views, evaluator };
}

export async function deactivate(): Promise<void> {
    await client?.stop();
    client = undefined;
}
