import * as vscode from 'vscode';
import { contextFor, currentRoot, isSegmentDocument, warnNoSegments } from './context.js';
import type { EvaluatorClient } from './evaluator-client.js';
import { workspaceRootOf } from './workspace-root.js';

export interface SegmentTarget {
    readonly root: string;
    readonly segment: string;
}

/** A URI given as a string or a `vscode.Uri` (code lenses send either). */
export function toUri(value: unknown): vscode.Uri | undefined {
    if (value instanceof vscode.Uri) return value;
    if (typeof value === 'string' && value.length > 0) return /^[a-z][a-z0-9+.-]+:/i.test(value) ? vscode.Uri.parse(value) : vscode.Uri.file(value);
    return undefined;
}

/**
 * The segment a command applies to: the one named in its arguments, else the one under the
 * cursor, else one picked from the workspace's segments.
 */
export async function resolveSegment(evaluator: EvaluatorClient, name: unknown, file: unknown, rootHint?: string): Promise<SegmentTarget | undefined> {
    const uri = toUri(file);
    const editor = vscode.window.activeTextEditor;
    const root = uri ? workspaceRootOf(uri.fsPath) : rootHint ?? (await currentRoot());
    if (!root) {
        warnNoSegments();
        return undefined;
    }
    if (typeof name === 'string' && name) return { root, segment: name };
    const segments = await evaluator.request(contextFor(root), { op: 'segments' });
    if (editor && isSegmentDocument(editor.document)) {
        const here = editor.document.uri.toString();
        const line = editor.selection.active.line;
        const above = segments.filter(s => s.uri === here && s.line <= line).pop();
        if (above) return { root, segment: above.name };
    }
    const picked = await vscode.window.showQuickPick(segments.map(s => ({ label: s.name, description: s.kind })), { placeHolder: 'Segment' });
    return picked ? { root, segment: picked.label } : undefined;
}
