import * as vscode from 'vscode';
import type { EvaluationContext } from '../evaluator/protocol.js';
import { readSettings } from './settings.js';
import { workspaceRootOf } from './workspace-root.js';

let storageFolder: string | undefined;

/** The extension's own storage (set on activation): the history goes there when a database's folder cannot be written. */
export function useStorageFolder(folder: string | undefined): void {
    storageFolder = folder;
}

/** The evaluation context (workspace folder, "as of", history file) for a root folder. */
export function contextFor(root: string): EvaluationContext {
    const settings = readSettings(vscode.Uri.file(root));
    return {
        root,
        ...(storageFolder ? { storageFolder } : {}),
        ...(settings.asOf ? { asOf: settings.asOf } : {}),
        ...(settings.historyFile ? { historyFile: settings.historyFile } : {}),
        engine: settings.engine,
        ...(settings.postgresUrl ? { postgresUrl: settings.postgresUrl } : {}),
        ...(settings.postgresSchema ? { postgresSchema: settings.postgresSchema } : {})
    };
}

export function isSegmentDocument(doc: vscode.TextDocument): boolean {
    return doc.languageId === 'segment' && doc.uri.scheme === 'file';
}

/** The workspace root of the active `.segment` editor, else of the first `.segment` file found. */
export async function currentRoot(): Promise<string | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (editor && isSegmentDocument(editor.document)) return workspaceRootOf(editor.document.uri.fsPath);
    const open = vscode.workspace.textDocuments.find(isSegmentDocument);
    if (open) return workspaceRootOf(open.uri.fsPath);
    const [first] = await vscode.workspace.findFiles('**/*.segment', '**/node_modules/**', 1);
    return first ? workspaceRootOf(first.fsPath) : undefined;
}

/**
 * Says why a command has no segments to work on: no folder is open, or the open folders hold no
 * `.segment` file yet (and how to start one).
 */
export function warnNoSegments(): void {
    const message = (vscode.workspace.workspaceFolders?.length ?? 0) === 0
        ? 'Segments: open a folder with .segment files first.'
        : 'Segments: this folder has no .segment files yet. Start with a schema: run "Segments: Generate Schema from Database" on a SQLite file, or write a .segment file.';
    void vscode.window.showWarningMessage(message);
}

/** Every workspace root holding `.segment` files. */
export async function allRoots(): Promise<string[]> {
    const files = await vscode.workspace.findFiles('**/*.segment', '**/node_modules/**', 500);
    return [...new Set(files.map(f => workspaceRootOf(f.fsPath)))].sort();
}
