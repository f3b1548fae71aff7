import * as vscode from 'vscode';
import { readSettings } from './settings.js';

/**
 * Watches SQLite files in the workspace (not the history stores nor temporary files) and calls
 * back once per burst of changes: a write replaced by rename fires several events.
 */
export function watchDatabases(onChange: (file: vscode.Uri) => void, delayMs = 400): vscode.Disposable {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{sqlite,sqlite3,db}');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fire = (uri: vscode.Uri): void => {
        if (/\.history\.sqlite$/.test(uri.path) || !readSettings(uri).refreshOnDatabaseChange) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => onChange(uri), delayMs);
    };
    const subscriptions = [watcher, watcher.onDidChange(fire), watcher.onDidCreate(fire)];
    return new vscode.Disposable(() => {
        if (timer) clearTimeout(timer);
        for (const s of subscriptions) s.dispose();
    });
}
