import { AstUtils, CstUtils, GrammarUtils, type LangiumDocument, type MaybePromise } from 'langium';
import type { CodeActionProvider } from 'langium/lsp';
import { CodeActionKind, type CodeAction, type CodeActionParams, type Command, type Diagnostic } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import { IssueCodes } from './issue-codes.js';

/** Quick fixes keyed on diagnostic codes: replace an unknown name or value, pick a path with `via`. */
export class SegmentCodeActionProvider implements CodeActionProvider {
    getCodeActions(document: LangiumDocument, params: CodeActionParams): MaybePromise<Array<Command | CodeAction>> {
        const actions: CodeAction[] = [];
        for (const diagnostic of params.context.diagnostics) {
            switch (diagnostic.code) {
                case IssueCodes.UnknownEntity:
                case IssueCodes.UnknownAttribute:
                case IssueCodes.UnknownSegment:
                case IssueCodes.UnknownDestination:
                case IssueCodes.ValueNotFound:
                    actions.push(...replacements(document, diagnostic));
                    break;
                case IssueCodes.AmbiguousPath:
                    actions.push(...viaChoices(document, diagnostic));
                    break;
                default:
                    break;
            }
        }
        return actions;
    }
}

function suggestionsOf(diagnostic: Diagnostic): string[] {
    const data = diagnostic.data as { suggestions?: unknown } | undefined;
    return Array.isArray(data?.suggestions) ? data.suggestions.filter((s): s is string => typeof s === 'string') : [];
}

function replacements(document: LangiumDocument, diagnostic: Diagnostic): CodeAction[] {
    return suggestionsOf(diagnostic).map((suggestion, i) => ({
        title: `Change to ${suggestion}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: i === 0,
        edit: { changes: { [document.textDocument.uri]: [{ range: diagnostic.range, newText: suggestion }] } }
    }));
}

/** `group via Purchase.CustomerId { ... }` (or `sequence via ...`, `measure E.N via ... =`) for each relationship that tells the paths apart. */
function viaChoices(document: LangiumDocument, diagnostic: Diagnostic): CodeAction[] {
    const data = diagnostic.data as { relationships?: unknown } | undefined;
    const choices = Array.isArray(data?.relationships) ? data.relationships.filter((s): s is string => typeof s === 'string') : [];
    const root = document.parseResult.value.$cstNode;
    const offset = document.textDocument.offsetAt(diagnostic.range.start);
    const leaf = root && CstUtils.findLeafNodeAtOffset(root, offset);
    const group = leaf && AstUtils.getContainerOfType(leaf.astNode, (n): n is ast.Group | ast.Sequence | ast.Measure => ast.isGroup(n) || ast.isSequence(n) || ast.isMeasure(n));
    if (!group?.$cstNode) return [];
    const last = group.via.length > 0 ? group.via[group.via.length - 1].$cstNode : undefined;
    const anchor = last ?? (ast.isMeasure(group)
        ? GrammarUtils.findNodeForProperty(group.$cstNode, 'description') ?? GrammarUtils.findNodeForProperty(group.$cstNode, 'name')
        : GrammarUtils.findNodeForProperty(group.$cstNode, 'name') ?? GrammarUtils.findNodeForKeyword(group.$cstNode, ast.isSequence(group) ? 'sequence' : 'group'));
    if (!anchor) return [];
    const taken = new Set(group.via.map(v => `${v.entity?.$refText}.${v.attribute?.$refText}`));
    return choices.filter(c => !taken.has(c)).map(choice => ({
        title: `Use the path through ${choice} (\`via ${choice}\`)`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        edit: { changes: { [document.textDocument.uri]: [{ range: { start: anchor.range.end, end: anchor.range.end }, newText: last ? `, ${choice}` : ` via ${choice}` }] } }
    }));
}
