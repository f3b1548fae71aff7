import * as vscode from 'vscode';
import { contextFor } from './context.js';
import type { EvaluatorClient } from './evaluator-client.js';

/**
 * "Show SQL" as a read-only virtual document (`segments-sql:/NAME.sql?root=...`): one per
 * segment, reused, never asking to be saved, and written again when the segment's files change
 * (typed or saved) so it follows the segment.
 */
export class SqlDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
    static readonly scheme = 'segments-sql';
    private readonly changed = new vscode.EventEmitter<vscode.Uri>();
    private timer: NodeJS.Timeout | undefined;
    readonly onDidChange = this.changed.event;

    constructor(private readonly evaluator: EvaluatorClient) {}

    static uriFor(root: string, segment: string): vscode.Uri {
        return vscode.Uri.from({ scheme: SqlDocuments.scheme, path: `/${segment}.sql`, query: new URLSearchParams({ root }).toString() });
    }

    async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
        const segment = uri.path.replace(/^\//, '').replace(/\.sql$/, '');
        const root = new URLSearchParams(uri.query).get('root') ?? '';
        const header = `-- ${segment}: the SQL it runs (read-only; follows the segment as you edit it)`;
        try {
            const sql = await this.evaluator.request(contextFor(root), { op: 'sql', segment }, token);
            return `${header}\n${sql}\n`;
        } catch (e) {
            return `${header}\n-- It has no SQL now: ${(e instanceof Error ? e.message : String(e)).replace(/\n/g, '\n-- ')}\n`;
        }
    }

    /** Writes every open SQL document again, a little after the last change. */
    refreshSoon(): void {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
            for (const doc of vscode.workspace.textDocuments) {
                if (doc.uri.scheme === SqlDocuments.scheme) this.changed.fire(doc.uri);
            }
        }, 300);
    }

    dispose(): void {
        clearTimeout(this.timer);
        this.changed.dispose();
    }
}
