import { GrammarUtils, type LangiumDocument } from 'langium';
import type { Range } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';

/**
 * The `by NAME` of tests that name `target` (README "Segment tests"): a named group or sequence,
 * in tests of its segment; a segment, in tests of a compound segment that has it as a part. A
 * plain name in the grammar (a block is no declaration other files see), so rename finds them here.
 */
export function reasonLabels(target: ast.Segment | ast.Group | ast.Sequence, documents: Iterable<LangiumDocument>): { uri: string; range: Range }[] {
    const found: { uri: string; range: Range }[] = [];
    const name = target.name;
    if (!name) return found;
    for (const document of documents) {
        const root = document.parseResult.value;
        if (!ast.isModel(root)) continue;
        for (const test of root.tests) {
            const tested = test.segment?.ref;
            if (!tested) continue;
            const names = ast.isSegment(target)
                ? ast.isCompoundSegment(tested) && tested.parts.some(p => p.segment?.ref === target)
                : ast.isDynamicSegment(tested) && tested.groups.includes(target);
            if (!names) continue;
            for (const check of test.checks) {
                const reason = ast.isNotMembersCheck(check) ? check.reason : undefined;
                const label = reason?.label === name && reason.$cstNode ? GrammarUtils.findNodeForProperty(reason.$cstNode, 'label') : undefined;
                if (label) found.push({ uri: document.uri.toString(), range: label.range });
            }
        }
    }
    return found;
}
