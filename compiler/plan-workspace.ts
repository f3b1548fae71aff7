import type { SegmentPlan } from './ir.js';
import type * as ast from '../grammar/generated/ast.js';
import { lowerSegment, type LowerContext, type LowerResult } from './lower.js';
import type { Problem } from './problems.js';
import { segmentReferences } from './plan-walk.js';

export interface WorkspacePlans {
    /** Plans of the segments without errors. */
    readonly plans: ReadonlyMap<string, SegmentPlan>;
    readonly problems: ReadonlyMap<string, readonly Problem[]>;
}

/**
 * Lowers every segment of a model. A segment that refers to a segment with errors (a compound
 * segment's part, `in segment`, also in a measure's `where`), or to itself, gets no plan.
 * `lower` lowers one segment (the evaluator reuses the lowerings an edit cannot have changed).
 */
export function planWorkspace(ctx: LowerContext, lower: (segment: ast.Segment, ctx: LowerContext) => LowerResult = lowerSegment): WorkspacePlans {
    const plans = new Map<string, SegmentPlan>();
    const problems = new Map<string, readonly Problem[]>();
    for (const [name, segment] of ctx.segments) {
        const result = lower(segment, ctx);
        problems.set(name, result.problems);
        if (result.plan) plans.set(name, result.plan);
    }
    // Each segment decided once: compound segments reuse parts (`C2 = C1 union C1`, ...), and
    // deciding each reference afresh is exponential in the depth.
    const decided = new Map<string, boolean>();
    const open = new Set<string>();
    const runnable = (name: string): boolean => {
        const known = decided.get(name);
        if (known !== undefined) return known;
        const plan = plans.get(name);
        // A part being decided is reached again: a cycle, and every segment on it is not runnable.
        if (!plan || open.has(name)) return false;
        open.add(name);
        const ok = segmentReferences(plan).every(runnable);
        open.delete(name);
        decided.set(name, ok);
        return ok;
    };
    for (const name of [...plans.keys()]) {
        if (!runnable(name)) plans.delete(name);
    }
    return { plans, problems };
}
