import { createRequire } from 'node:module';
import * as vscode from 'vscode';
import type { DatabaseOpened } from '../evaluator/protocol.js';

/**
 * From this size on, a SQLite file is large for sql.js: sql.js holds the whole file in the
 * worker's memory (the medium benchmark database, 289 MiB, took the process to 828 MiB), it cannot
 * open a file past 1,536 MiB at all (`MAX_IN_MEMORY_DATABASE_BYTES`), and at medium its slowest
 * sample segments take 4 to 9 s where DuckDB takes 0.15 to 0.4 s (bench/RESULTS.md). 100 MiB is
 * about a third of medium: a few seconds for those segments, and some 300 MB of memory.
 */
export const LARGE_FOR_SQLJS_BYTES = 100 * 2 ** 20;

/** Workspace state: the offer was made in this workspace (it is made once). */
const OFFERED = 'segments.duckdbOffered';

/**
 * Offers DuckDB once per workspace when a view read a large SQLite file on sql.js and this build
 * carries DuckDB (the platform build; the universal one has none, and gets no offer). The
 * button sets `segments.engine` where the user set it, or in the workspace.
 */
export function offerDuckDbForLargeFiles(state: vscode.Memento, evaluatorScript: string): (opened: DatabaseOpened) => void {
    let asking = false;
    return opened => {
        if (opened.engine !== 'sqljs' || opened.bytes < LARGE_FOR_SQLJS_BYTES || asking || state.get<boolean>(OFFERED)) return;
        if (!hasDuckDb(evaluatorScript)) return;
        asking = true;
        void state.update(OFFERED, true).then(async () => {
            const use = 'Use DuckDB';
            const name = opened.file.split(/[\\/]/).pop() ?? opened.file;
            const size = `${Math.round(opened.bytes / 2 ** 20).toLocaleString('en')} MiB`;
            const choice = await vscode.window.showInformationMessage(
                `Segments: ${name} is ${size}, large for sql.js, which holds the whole file in memory. DuckDB, in this build, runs the same segments faster with the same members.`,
                use, 'Not Now');
            if (choice !== use) return;
            const setting = vscode.workspace.getConfiguration('segments').inspect<string>('engine');
            const target = setting?.workspaceFolderValue !== undefined ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Workspace;
            await vscode.workspace.getConfiguration('segments', vscode.Uri.file(opened.root)).update('engine', 'duckdb', target);
        });
    };
}

/** Whether DuckDB's driver is where the evaluator worker looks for it (the platform build's `out/node_modules`). */
function hasDuckDb(evaluatorScript: string): boolean {
    try {
        createRequire(evaluatorScript).resolve('@duckdb/node-api');
        return true;
    } catch {
        return false;
    }
}
