import { AstUtils, type AstNode } from 'langium';
import type { CompletionContext } from 'langium/lsp';
import * as ast from '../grammar/generated/ast.js';
import { audienceNameOf } from '../compiler/lower.js';
import type { SchemaAttribute } from '../compiler/schema.js';
import type { WorkspaceModel } from './workspace-model.js';

/** Where in a file the cursor stands, for completion: what the grammar alone does not tell. */

/**
 * The comparison whose right side holds `node` (a reference being completed, or the node Langium
 * makes up for one that is not written yet), if it is on a right side: `Score > |`,
 * `Score > Customer.|`, `Shipment.DeliveredOn after Order.|`.
 */
export function rightSideOf(node: AstNode | undefined): ast.CompareCondition | ast.OrderCondition | undefined {
    let child: AstNode | undefined;
    let current = node;
    while (current && (ast.isAttributeRef(current) || ast.isAttributeValue(current))) {
        child = current;
        current = current.$container;
    }
    if (!current || !(ast.isCompareCondition(current) || ast.isOrderCondition(current))) return undefined;
    // Only the left side is assigned to `left`; a node made up for completion carries the property it completes.
    if (child?.$containerProperty === 'left') return undefined;
    return child || current.right === undefined ? current : undefined;
}

/**
 * The entity named just before the cursor where a condition starts (`Product |`), when that word
 * is an entity's name and no attribute of the audience (which a bare attribute would be), and
 * whether `in` or `not in` follows it already (`Product in |`).
 */
export function entityBeforeCursor(context: CompletionContext, model: WorkspaceModel): { entity: string; after: 'name' | 'in' } | undefined {
    const before = context.textDocument.getText().slice(Math.max(0, context.tokenOffset - 200), context.tokenOffset);
    const match = /(^|[^\w.])([_a-zA-Z]\w*)\s+(?:(not\s+)?(in)\s+)?$/.exec(before);
    if (!match) return undefined;
    const name = match[2];
    if (!model.entities.has(name) || isAudienceAttribute(name, context.node, model)) return undefined;
    return { entity: name, after: match[4] ? 'in' : 'name' };
}

function isAudienceAttribute(name: string, node: AstNode | undefined, model: WorkspaceModel): boolean {
    return audienceAttribute(name, node, model) !== undefined;
}

function audienceAttribute(name: string, node: AstNode | undefined, model: WorkspaceModel): SchemaAttribute | undefined {
    const segment = node && AstUtils.getContainerOfType(node, ast.isSegment);
    const audience = segment && audienceNameOf(segment, model);
    return audience ? model.schema.attribute(audience, name) : undefined;
}

/**
 * The bare attribute written just before the cursor (`City |`), which the parser, recovering,
 * does not always keep in the tree: its type decides which operators fit.
 */
export function bareAttributeBeforeCursor(context: CompletionContext, model: WorkspaceModel): SchemaAttribute | undefined {
    const before = context.textDocument.getText().slice(Math.max(0, context.tokenOffset - 200), context.tokenOffset);
    const match = /(^|[^\w.])([_a-zA-Z]\w*)\s+$/.exec(before);
    return match ? audienceAttribute(match[2], context.node, model) : undefined;
}

/** The sequence step the cursor is in, if any. */
export function eventAt(node: AstNode | undefined): ast.Event | undefined {
    return node && AstUtils.getContainerOfType(node, ast.isEvent);
}

/**
 * The entity written before the `.` at the cursor (`Purchase.|`, `Purchase.Am|`). The parser,
 * recovering from the missing name, does not always keep it in the tree (`Purchase.` at the end
 * of a condition becomes a bare attribute), so it is read from the text.
 */
export function entityBeforeDot(context: CompletionContext): string | undefined {
    const before = context.textDocument.getText().slice(Math.max(0, context.tokenOffset - 200), context.tokenOffset);
    return /(?:^|[^\w.])([_a-zA-Z]\w*)\s*\.\s*$/.exec(before)?.[1];
}
