import { TextDocument, type LangiumDocument } from 'langium';
import type { Diagnostic } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import type { SegmentServices } from '../language-server/segment-module.js';

/** The text formatted, or the syntax errors that keep it from being formatted. */
export type Formatted =
    | { readonly ok: true; readonly text: string }
    | { readonly ok: false; readonly document: LangiumDocument; readonly errors: readonly Diagnostic[] };

/** The editor's indentation (two spaces), which the samples and the formatting tests use. */
export const TAB_SIZE = 2;

/**
 * `text` with the language server's formatting edits applied, as the editor applies them: the
 * inserted line breaks take the file's line ending (CRLF when most of its line breaks are), and
 * so do the others, as VS Code reads a file with mixed endings. Only the text is parsed (no
 * linking, no database): the layout depends on the syntax alone.
 */
export async function formatSegmentText(services: SegmentServices, text: string, file: string): Promise<Formatted> {
    const document = services.shared.workspace.LangiumDocumentFactory.fromString(text, URI.file(file));
    const { lexerErrors, parserErrors } = document.parseResult;
    if (lexerErrors.length > 0 || parserErrors.length > 0) {
        const diagnostics = await services.validation.DocumentValidator.validateDocument(document, { categories: ['built-in'], stopAfterLexingErrors: true, stopAfterParsingErrors: true });
        return { ok: false, document, errors: diagnostics.filter(d => d.severity === 1) };
    }
    const edits = await services.lsp.Formatter!.formatDocument(document, { textDocument: { uri: document.textDocument.uri }, options: { tabSize: TAB_SIZE, insertSpaces: true } });
    const formatted = withLineEnding(TextDocument.applyEdits(document.textDocument, edits), lineEnding(text));
    // Formatting changes the space between tokens only; a file is never written otherwise.
    if (tokens(services, formatted) !== tokens(services, text)) throw new Error(`formatting ${file} would change its tokens or comments; the file was left as it is`);
    return { ok: true, text: formatted };
}

/** The text's tokens and comments, one per line, without the space between them. */
function tokens(services: SegmentServices, text: string): string {
    const { tokens: words, hidden } = services.parser.Lexer.tokenize(text);
    const comments = hidden.filter(t => /^(\/\/|\/\*)/.test(t.image));
    return [...words, ...comments].sort((a, b) => a.startOffset - b.startOffset).map(t => t.image.replace(/\r/g, '')).join('\n');
}

/** CRLF when most of the text's line breaks are CRLF, else LF. */
export function lineEnding(text: string): '\r\n' | '\n' {
    const crlf = text.match(/\r\n/g)?.length ?? 0;
    const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
    return crlf > lf ? '\r\n' : '\n';
}

function withLineEnding(text: string, eol: '\r\n' | '\n'): string {
    return text.replace(/\r?\n/g, eol);
}
