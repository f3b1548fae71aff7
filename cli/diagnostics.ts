import { relative } from 'node:path';
import type { LangiumDocument } from 'langium';
import type { Diagnostic } from 'vscode-languageserver';
import type { LoadedWorkspace } from '../language-server/node-workspace.js';

export interface FileDiagnostic {
    readonly file: string;
    readonly document: LangiumDocument;
    readonly diagnostic: Diagnostic;
}

const SEVERITY: Record<number, string> = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };

export function codeOf(d: Diagnostic): string {
    if (d.code !== undefined) return String(d.code);
    const data = d.data as { code?: unknown } | undefined;
    if (typeof data?.code === 'string') return data.code === 'parsing-error' || data.code === 'lexing-error' ? 'syntax-error' : data.code;
    return 'unknown';
}

export function isError(d: Diagnostic): boolean {
    return d.severity === 1;
}

/** Every diagnostic of the loaded files, in file and position order. */
export function allDiagnostics(ws: LoadedWorkspace): FileDiagnostic[] {
    const result: FileDiagnostic[] = [];
    for (const document of ws.documents) {
        for (const diagnostic of ws.diagnostics(document)) {
            result.push({ file: document.uri.fsPath, document, diagnostic });
        }
    }
    return result.sort((a, b) => a.file.localeCompare(b.file)
        || a.diagnostic.range.start.line - b.diagnostic.range.start.line
        || a.diagnostic.range.start.character - b.diagnostic.range.start.character);
}

/** `file:line:col: error|warning: message [code]`, the path relative to the current folder. */
export function formatDiagnostic(d: FileDiagnostic, cwd = process.cwd()): string {
    const file = relative(cwd, d.file) || d.file;
    const { line, character } = d.diagnostic.range.start;
    const severity = SEVERITY[d.diagnostic.severity ?? 1] ?? 'error';
    const raw = d.diagnostic.message;
    const message = (typeof raw === 'string' ? raw : raw.value).replace(/\s*\n\s*/g, ' ');
    return `${file}:${line + 1}:${character + 1}: ${severity}: ${message} [${codeOf(d.diagnostic)}]`;
}
