import type { SegmentPlan } from './ir.js';
import { lowerSegment, type LowerContext } from './lower.js';
import type { Problem } from './problems.js';

export interface WorkspacePlans {
    /** Plans of the segments without errors. */
    readonly plans: ReadonlyMap<string, SegmentPlan>;
    readonly problems: ReadonlyMap<string, readonly Problem[]>;
}

/** Lowers every segment of a model. A compound segment whose parts have errors gets no plan. */
export function planWorkspace(ctx: LowerContext): WorkspacePlans {
    const plans = new Map<string, SegmentPlan>();
    const problems = new Map<string, readonly Problem[]>();
    for (const [name, segment] of ctx.segments) {
        const result = lowerSegment(segment, ctx);
        problems.set(name, result.problems);
        if (result.plan) plans.set(name, result.plan);
    }
    const runnable = (name: string, seen: Set<string>): boolean => {
        const plan = plans.get(name);
        if (!plan || seen.has(name)) return false;
        if (plan.kind !== 'compound') return true;
        const inner = new Set([...seen, name]);
        return plan.parts.every(p => runnable(p.segment, inner));
    };
    for (const name of [...plans.keys()]) {
        if (!runnable(name, new Set())) plans.delete(name);
    }
    return { plans, problems };
}
