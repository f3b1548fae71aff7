import { AstUtils, isMultiReference, type AstNode, type Reference, type MultiReference } from 'langium';
import * as ast from '../../../grammar/generated/ast.js';
import { properties, type LowerResult } from '../../../compiler/lower.js';
import { planWorkspace, type WorkspacePlans } from '../../../compiler/plan-workspace.js';
import { lowerOnce } from '../../../language-server/lower-once.js';
import type { WorkspaceModel } from '../../../language-server/workspace-model.js';

/** A segment's lowering as last made, and what it was made from. */
interface Lowered {
    readonly node: ast.Segment;
    /** What the lowering read besides the segment's own nodes (see `inputsOf`). */
    readonly inputs: readonly unknown[];
    readonly result: LowerResult;
}

/** How the last planning went: the segments lowered again and those whose lowering was reused. */
export interface PlanningCounts {
    readonly lowered: readonly string[];
    readonly reused: readonly string[];
}

/**
 * The plans of a workspace after an edit, lowering again only the segments the edit can have
 * changed: the segments of the files parsed again, and those that read a node of them (a
 * compound segment's part, `in segment`, a measure, a destination, through any chain of these).
 * Every other segment keeps its lowering.
 *
 * A segment's lowering reads its own syntax tree, the nodes its references resolve to (and theirs,
 * transitively), the schema and the file that declares the database. An unchanged segment is
 * the same node (Langium parses again only the changed files; a file that refers to a changed
 * one is linked again, its nodes kept and its references resolved anew), so it is lowered again
 * exactly when one of those inputs is another object than last time. A segment that activates
 * destinations is always lowered again: whether its file destination clashes depends on every
 * other segment's (`fileWriters`). Which segments may run is decided afresh each time, as
 * `planWorkspace` does, since it is cheap and depends on the whole model. A segment the
 * validator has just lowered for this model (those of the files validated again) is not lowered
 * a second time (`lowerOnce`).
 */
export class SegmentPlanner {
    private kept = new Map<string, Lowered>();
    private last: PlanningCounts = { lowered: [], reused: [] };

    plan(model: WorkspaceModel): WorkspacePlans {
        const next = new Map<string, Lowered>();
        const lowered: string[] = [];
        const reused: string[] = [];
        const shared = [model.schema, model.database ? AstUtils.getDocument(model.database.node).uri.toString() : undefined];
        const plans = planWorkspace(model, (segment, ctx) => {
            const inputs = [...shared, ...inputsOf(segment)];
            const before = this.kept.get(segment.name);
            const reuse = before !== undefined && before.node === segment && !properties(segment).activate && sameInputs(before.inputs, inputs);
            const result = reuse ? before.result : lowerOnce(segment, ctx);
            (reuse ? reused : lowered).push(segment.name);
            next.set(segment.name, { node: segment, inputs, result });
            return result;
        });
        this.kept = next;
        this.last = { lowered, reused };
        return plans;
    }

    /** What the last `plan` lowered again and what it reused. */
    counts(): PlanningCounts {
        return this.last;
    }
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
    return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * What lowering `segment` reads besides its own nodes, in a fixed order: the target of every
 * reference in it (undefined where one does not resolve), then, for each segment, measure or
 * destination reached, the targets of its references, and so on. Entities are not walked: the
 * schema stands for them.
 */
function inputsOf(segment: ast.Segment): unknown[] {
    const inputs: unknown[] = [];
    const walked = new Set<AstNode>([segment]);
    const queue: AstNode[] = [segment];
    for (let i = 0; i < queue.length; i++) {
        for (const reference of referencesIn(queue[i])) {
            const targets = isMultiReference(reference) ? reference.items.map(item => item.ref) : [reference.ref];
            if (targets.length === 0) inputs.push(undefined);
            for (const target of targets) {
                inputs.push(target);
                const declaration = target && declarationOf(target);
                if (declaration && !ast.isEntity(declaration) && !walked.has(declaration)) {
                    walked.add(declaration);
                    queue.push(declaration);
                }
            }
        }
    }
    return inputs;
}

/** The top-level declaration (segment, measure, destination, entity) a node is part of. */
function declarationOf(node: AstNode): AstNode | undefined {
    let at: AstNode | undefined = node;
    while (at?.$container && !ast.isModel(at.$container)) at = at.$container;
    return at;
}

/**
 * The references inside a declaration's syntax tree, found once per tree: the reference objects
 * stay while the tree does (linking again resolves them anew), so only their targets are read
 * after an edit.
 */
const references = new WeakMap<AstNode, readonly (Reference | MultiReference)[]>();

function referencesIn(declaration: AstNode): readonly (Reference | MultiReference)[] {
    let found = references.get(declaration);
    if (!found) {
        found = AstUtils.streamAst(declaration).flatMap(node => AstUtils.streamReferences(node)).map(info => info.reference).toArray();
        references.set(declaration, found);
    }
    return found;
}
