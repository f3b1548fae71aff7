import * as vscode from 'vscode';

/**
 * When the engine picked in `segments.engine` is not in this build (the universal .vsix has no
 * DuckDB), the views say so in a sentence; this offers the way out once per window: switch to
 * sql.js, which every build has, or open the extension's page, which says which build to install.
 */
export function offerOtherEngine(): () => void {
    let offered = false;
    return () => {
        if (offered) return;
        offered = true;
        const useSqlJs = 'Use sql.js';
        const page = 'Open Extension Page';
        void vscode.window.showWarningMessage('Segments: the engine picked in "segments.engine" is not in this build of the extension.', useSqlJs, page).then(async choice => {
            if (choice === useSqlJs) {
                const setting = vscode.workspace.getConfiguration('segments').inspect<string>('engine');
                const target = setting?.workspaceFolderValue !== undefined ? vscode.ConfigurationTarget.WorkspaceFolder
                    : setting?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
                await vscode.workspace.getConfiguration('segments').update('engine', 'sqljs', target);
            } else if (choice === page) {
                await vscode.commands.executeCommand('extension.open', 'segments-dev.segments');
            }
        });
    };
}
