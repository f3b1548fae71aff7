import { CstUtils, type CstNode } from 'langium';
import * as ast from '../grammar/generated/ast.js';

/**
 * A measure's aggregate as written, on one line and without comments, spaced as the formatter
 * spaces it: `sum(Purchase.Amount where Product.Category = "Security")`.
 */
export function definitionText(measure: ast.Measure): string {
    const cst = measure.aggregate?.$cstNode;
    if (!cst) return '?';
    let text = '';
    let previous: CstNode | undefined;
    for (const leaf of CstUtils.flattenCst(cst)) {
        if (leaf.hidden) continue;
        text += (previous && !tight(leaf, previous) ? ' ' : '') + leaf.text;
        previous = leaf;
    }
    return text;
}

/** No space around `.`, before `,` and `)`, after `(`, before an aggregate's `(` and after a minus sign. */
function tight(leaf: CstNode, previous: CstNode): boolean {
    if (leaf.text === '.' || previous.text === '.' || leaf.text === ',' || leaf.text === ')' || previous.text === '(') return true;
    if (leaf.text === '(' && (ast.isCountAggregate(leaf.astNode) || ast.isValueAggregate(leaf.astNode))) return true;
    return previous.text === '-' && ast.isNumberLiteral(previous.astNode);
}
