import * as ast from '../grammar/generated/ast.js';
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';

/**
 * What `by` may name in `not members K by ...` of a test (README "Segment tests"): the named
 * groups and sequences of a dynamic segment, the parts of a compound one, and among the keywords
 * only those that fit the segment (`group` and `sequence` when it has such blocks, `top` and
 * `sample` when it has such a step).
 */
export function reasonItems(segment: ast.Segment | undefined): CompletionItem[] {
    if (!segment || ast.isStaticSegment(segment)) return [];
    if (ast.isCompoundSegment(segment)) {
        const names = [...new Set(segment.parts.map(p => p.segment?.$refText).filter((n): n is string => Boolean(n)))];
        return names.map(label => ({ label, kind: CompletionItemKind.Reference, detail: `part of ${segment.name}`, sortText: '0' }));
    }
    return segment.groups.flatMap((b, i) => (b.name ? [{ label: b.name, kind: CompletionItemKind.Reference, detail: `${ast.isSequence(b) ? 'sequence' : 'group'} ${i + 1} of ${segment.name}`, sortText: '0' }] : []));
}

/** Whether `keyword` after `by` names something the tested segment has. */
export function reasonKeywordFits(keyword: string, segment: ast.Segment | undefined): boolean {
    if (!segment || ast.isStaticSegment(segment)) return false;
    if (keyword === 'top') return segment.steps.some(ast.isTopStep);
    if (keyword === 'sample') return segment.steps.some(ast.isSampleStep);
    if (ast.isCompoundSegment(segment)) return false;
    return segment.groups.some(b => (keyword === 'sequence' ? ast.isSequence(b) : ast.isGroup(b)));
}

/** The segment of the test around `node`. */
export function testedSegment(node: import('langium').AstNode | undefined): ast.Segment | undefined {
    for (let n = node; n; n = n.$container) if (ast.isTest(n)) return n.segment?.ref;
    return undefined;
}
