import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { ViewCommand } from '../shared/messages.js';
import { contextFor, currentRoot, warnNoSegments } from './context.js';
import { CancelledRequest, type EvaluatorClient } from './evaluator-client.js';
import { pickKey } from './pick-key.js';
import { resolveSegment, toUri } from './pick-segment.js';
import { SqlDocuments } from './sql-documents.js';
import type { Views } from './views.js';

/** Every `Segments:` command. Ids are `segments.*`; run and showSql take (segmentName, fileUri). */
export function registerCommands(evaluator: EvaluatorClient, views: Views): vscode.Disposable[] {
    const withSegment = (action: (root: string, segment: string) => Promise<void>) =>
        async (name?: unknown, file?: unknown, root?: string): Promise<void> => {
            const target = await resolveSegment(evaluator, name, file, root);
            if (target) await report(action(target.root, target.segment));
        };
    return [
        vscode.commands.registerCommand('segments.runSegment', withSegment(async (root, segment) => {
            const result = await evaluator.request(contextFor(root), { op: 'preview', segment, pageOffset: 0, pageSize: 1 });
            // Beside the segment's text, which stays in view.
            views.openDetails(root, segment, vscode.ViewColumn.Beside);
            if (result.state === 'result') vscode.window.setStatusBarMessage(`${segment}: ${result.report.count.toLocaleString('en')} members (${result.report.engine})`, 8000);
        })),
        vscode.commands.registerCommand('segments.openPreview', () => views.openPreview()),
        vscode.commands.registerCommand('segments.openFlow', () => views.flow.open()),
        vscode.commands.registerCommand('segments.showSql', withSegment(async (root, segment) => {
            // Compiled first, so that a segment with errors says so instead of opening a document.
            await evaluator.request(contextFor(root), { op: 'sql', segment });
            const doc = await vscode.workspace.openTextDocument(SqlDocuments.uriFor(root, segment));
            await vscode.languages.setTextDocumentLanguage(doc, 'sql');
            await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
        })),
        vscode.commands.registerCommand('segments.openDashboard', () => report(views.openDashboard())),
        vscode.commands.registerCommand('segments.refreshAll', async () => {
            if (!(await currentRoot())) return warnNoSegments();
            evaluator.invalidate();
            return report(views.refreshAll(true));
        }),
        vscode.commands.registerCommand('segments.exportCsv', withSegment(async (root, segment) => {
            const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(join(root, `${segment}.csv`)), filters: { CSV: ['csv'] }, title: `Export the members of ${segment}` });
            if (!target) return;
            const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Exporting ${segment}`, cancellable: true },
                (_progress, token) => evaluator.request(contextFor(root), { op: 'exportCsv', segment, file: target.fsPath }, token));
            const open = await vscode.window.showInformationMessage(`Exported ${done.rows.toLocaleString('en')} members of ${segment} to ${basename(done.file)}.`, 'Open');
            if (open === 'Open') await vscode.window.showTextDocument(vscode.Uri.file(done.file), { viewColumn: vscode.ViewColumn.Beside });
        })),
        vscode.commands.registerCommand('segments.freeze', withSegment(async (root, segment) => {
            const frozen = await evaluator.request(contextFor(root), { op: 'freeze', segment });
            const list = await evaluator.request(contextFor(root), { op: 'segments' });
            const source = list.find(s => s.name === segment);
            const uri = source ? vscode.Uri.parse(source.uri) : vscode.Uri.file(join(root, 'frozen.segment'));
            const doc = await vscode.workspace.openTextDocument(uri);
            const edit = new vscode.WorkspaceEdit();
            const end = doc.lineAt(doc.lineCount - 1).range.end;
            edit.insert(uri, end, `${doc.getText().endsWith('\n') ? '' : '\n'}\n${frozen.text}`);
            await vscode.workspace.applyEdit(edit);
            await vscode.window.showTextDocument(doc, { selection: new vscode.Range(end.line + 1, 0, end.line + 1, 0) });
            void vscode.window.showInformationMessage(`Froze ${frozen.count.toLocaleString('en')} members of ${segment} as a static segment (unsaved).`);
        })),
        vscode.commands.registerCommand('segments.generateSchema', async (file?: unknown) => {
            const picked = toUri(file) ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { SQLite: ['sqlite', 'sqlite3', 'db'] }, title: 'Database to describe' }))?.[0];
            if (!picked) return;
            await report((async () => {
                const generated = await evaluator.request(contextFor(dirname(picked.fsPath)), { op: 'generateSchema', database: picked.fsPath });
                const name = basename(picked.fsPath);
                if (generated.entities === 0 && generated.undeclaredColumns === 0 && generated.declared > 0) {
                    void vscode.window.showInformationMessage(`Segments: every table and column of ${name} is already declared in this folder's .segment files.`);
                    return;
                }
                const doc = await vscode.workspace.openTextDocument({ language: 'segment', content: generated.text });
                await vscode.window.showTextDocument(doc);
                if (generated.declared > 0) {
                    const what = [generated.entities ? `${generated.entities} new ${generated.entities === 1 ? 'table' : 'tables'}` : '', generated.undeclaredColumns ? `${generated.undeclaredColumns} undeclared ${generated.undeclaredColumns === 1 ? 'column' : 'columns'}` : ''].filter(Boolean).join(' and ');
                    void vscode.window.showInformationMessage(`Segments: this folder already declares ${generated.declared} of the tables in ${name}; the new document holds only what it does not (${what}).`);
                }
            })());
        }),
        vscode.commands.registerCommand('segments.explain', withSegment(async (root, segment) => {
            const key = await pickKey(evaluator, root, segment, views.explain.keyFor(root, segment));
            if (key !== undefined) await views.explain.show(root, segment, key);
        })),
        vscode.commands.registerCommand('segments.backfill', async () => {
            const root = await currentRoot();
            if (!root) return warnNoSegments();
            const ctx = contextFor(root);
            const end = ctx.asOf?.slice(0, 10) ?? new Date().toISOString().slice(0, 10);
            const from = await vscode.window.showInputBox({ title: 'Back-fill the trendlines: first date', value: shiftDays(end, -84), validateInput: validDate });
            if (!from) return;
            const to = await vscode.window.showInputBox({ title: 'Back-fill the trendlines: last date', value: shiftDays(end, -1), validateInput: validDate });
            if (!to) return;
            await report(Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Back-filling trendlines', cancellable: true }, async (_p, token) => {
                const r = await evaluator.request(ctx, { op: 'backfill', from, to, stepDays: 7 }, token);
                void vscode.window.showInformationMessage(`Back-filled ${r.points} points for ${r.segments} segments, weekly from ${from} to ${to}.`);
                await views.refreshAll(false);
            })));
        }),
        vscode.commands.registerCommand('segments.simulateDay', async () => {
            const root = await currentRoot();
            if (!root) return;
            await report((async () => {
                const ctx = contextFor(root);
                const day = await evaluator.request(ctx, { op: 'simulateDay' });
                vscode.window.setStatusBarMessage(`Segments: simulated ${day.day}: ${day.purchases} purchases, ${day.interactions} interactions`, 8000);
                // Records after the "as of" instant do not exist (reference 6.1): say how to count the new day.
                if (ctx.asOf !== undefined && ctx.asOf.slice(0, 10) < day.day) {
                    void vscode.window.showInformationMessage(`The simulated records of ${day.day} do not exist as of ${ctx.asOf}: set segments.asOf to ${day.day} to count them.`);
                }
                await views.refreshAll(true);
            })());
        })
    ];
}

/** Runs a command asked for by a webview, with the view's segment and folder. */
export function runViewCommand(command: ViewCommand, segment: string | undefined, root: string | undefined): void {
    const ids: Record<ViewCommand, string> = { refreshAll: 'segments.refreshAll', exportCsv: 'segments.exportCsv', showSql: 'segments.showSql', freeze: 'segments.freeze', explain: 'segments.explain' };
    void vscode.commands.executeCommand(ids[command], segment, undefined, root);
}

async function report(work: Promise<void>): Promise<void> {
    try {
        await work;
    } catch (e) {
        if (!(e instanceof CancelledRequest)) void vscode.window.showErrorMessage(`Segments: ${(e as Error).message}`);
    }
}

function validDate(v: string): string | undefined {
    return /^\d{4}-\d{2}-\d{2}$/.test(v) ? undefined : 'A date, YYYY-MM-DD';
}

function shiftDays(day: string, n: number): string {
    return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
