import { CstUtils, type CstNode, type LangiumDocument } from 'langium';
import type { Formatter } from 'langium/lsp';
import type { DocumentFormattingParams, DocumentOnTypeFormattingOptions, DocumentOnTypeFormattingParams, DocumentRangeFormattingParams, TextEdit } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import { layout } from './layout.js';

/**
 * Formats `.segment` files to one canonical layout (see `layout.ts`). Langium's
 * AbstractFormatter resolves competing actions by CST node, and a composite node and its first
 * token compete for the same gap; computing the gap before every token from one set of rules
 * is simpler and makes formatting idempotent by construction.
 */
export class SegmentFormatter implements Formatter {
    formatDocument(document: LangiumDocument, params: DocumentFormattingParams): TextEdit[] {
        return this.edits(document, params.options.tabSize > 0 ? params.options.tabSize : 2);
    }

    formatDocumentRange(document: LangiumDocument, params: DocumentRangeFormattingParams): TextEdit[] {
        const start = document.textDocument.offsetAt(params.range.start);
        const end = document.textDocument.offsetAt(params.range.end);
        return this.edits(document, params.options.tabSize > 0 ? params.options.tabSize : 2)
            .filter(e => document.textDocument.offsetAt(e.range.start) >= start && document.textDocument.offsetAt(e.range.end) <= end);
    }

    formatDocumentOnType(_document: LangiumDocument, _params: DocumentOnTypeFormattingParams): TextEdit[] {
        return [];
    }

    get formatOnTypeOptions(): DocumentOnTypeFormattingOptions | undefined {
        return undefined;
    }

    private edits(document: LangiumDocument, tabSize: number): TextEdit[] {
        const root = document.parseResult.value;
        // A file that does not parse is left alone: its structure is not known.
        if (!root.$cstNode || document.parseResult.parserErrors.length > 0 || document.parseResult.lexerErrors.length > 0) return [];
        const text = document.textDocument.getText();
        const leaves = CstUtils.flattenCst(root.$cstNode).toArray();
        const plan = layout(root as ast.Model, tabSize);
        const edits: TextEdit[] = [];
        const replace = (from: number, to: number, newText: string): void => {
            if (text.slice(from, to) !== newText) edits.push({ range: { start: document.textDocument.positionAt(from), end: document.textDocument.positionAt(to) }, newText });
        };
        let previous: CstNode | undefined;
        let comments: CstNode[] = [];
        for (const leaf of leaves) {
            if (leaf.hidden) {
                if (isComment(leaf)) comments.push(leaf);
                continue;
            }
            const wanted = plan.before(leaf, previous);
            if (comments.length === 0) {
                replace(previous ? previous.end : 0, leaf.offset, previous ? wanted.text : '');
            } else {
                // Comments keep their place; the lines they start on are indented like the next token.
                let from = previous ? previous.end : 0;
                for (const c of [...comments, leaf]) {
                    const gap = text.slice(from, c.offset);
                    // The token itself still starts its line when the layout wants it to.
                    const lines = Math.max(c === leaf && wanted.text.includes('\n') ? 1 : 0, Math.min(2, (gap.match(/\n/g) ?? []).length));
                    if (from === 0 && !previous) replace(0, c.offset, '');
                    else if (lines > 0) replace(from, c.offset, '\n'.repeat(lines) + ' '.repeat(wanted.indent));
                    else replace(from, c.offset, ' ');
                    from = c.end;
                }
            }
            previous = leaf;
            comments = [];
        }
        if (previous) {
            const tail = [...comments];
            let from = previous.end;
            for (const c of tail) {
                const gap = text.slice(from, c.offset);
                replace(from, c.offset, /\n/.test(gap) ? '\n'.repeat(Math.min(2, (gap.match(/\n/g) ?? []).length)) : ' ');
                from = c.end;
            }
            replace(from, text.length, '\n');
        }
        return edits;
    }
}

function isComment(leaf: CstNode): boolean {
    return /^(\/\/|\/\*)/.test(leaf.text);
}

