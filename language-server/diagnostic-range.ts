import { isAstNode, isReference, type AstNode, type Properties } from 'langium';
import type { Range } from 'vscode-languageserver';

/**
 * The range of `node[property][index]`, read from that item's own CST node. Given a property and
 * an index, Langium finds the range by collecting the CST nodes of every item of the property:
 * a walk as long as the list for each diagnostic, quadratic for a list of thousands with a
 * diagnostic on each. `undefined` when the property is not a list of nodes or references.
 */
export function itemRange<N extends AstNode>(node: N, property: Properties<N>, index: number): Range | undefined {
    const value: unknown = (node as unknown as Record<string, unknown>)[property];
    if (!Array.isArray(value)) return undefined;
    const item: unknown = value[index];
    if (isAstNode(item)) return item.$cstNode?.range;
    if (isReference(item)) return item.$refNode?.range;
    return undefined;
}

/** Where a diagnostic on `node[property][index]` goes: the item's range when it has one, else the property and index for Langium to find. */
export function itemLocation<N extends AstNode, P extends Properties<N>>(node: N, property: P, index: number): { property: P; index: number } | { range: Range } {
    const range = itemRange(node, property, index);
    return range ? { range } : { property, index };
}
