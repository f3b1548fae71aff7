import type { BlockPlan, SegmentPlan, SequencePlan } from './ir.js';

type DynamicPlan = Extract<SegmentPlan, { kind: 'dynamic' }>;

/**
 * The funnel of a sequence (reference 6.3): the sequence cut after its first `k` steps (1-based),
 * in order and within their windows, as a block of its own (no set operation); for a `no` step,
 * the whole sequence. `sequencePrefix(block, 1)` is the profiles with a record of the first step.
 */
export function sequencePrefix(block: SequencePlan, k: number): SequencePlan {
    const n = block.steps.length;
    if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`a sequence of ${n} steps has no step ${k}`);
    const { operator: _operator, ...rest } = block;
    return { ...rest, steps: block.steps.slice(0, k) };
}

/**
 * The plan of a dynamic segment with one block alone, in place of its own: counts a group, a
 * sequence or a funnel step (the segment's `top` and `sample` steps apply to all its blocks, not to one).
 */
export function singleBlockPlan(plan: DynamicPlan, block: BlockPlan): DynamicPlan {
    const { operator: _operator, ...rest } = block;
    return { ...plan, groups: [rest], steps: [] };
}

/** Every funnel step of a sequence as a plan of its own, step 1 first: what a funnel view counts. */
export function funnelPlans(plan: DynamicPlan, block: SequencePlan): DynamicPlan[] {
    return block.steps.map((_, i) => singleBlockPlan(plan, sequencePrefix(block, i + 1)));
}
