import type * as ast from '../../../grammar/generated/ast.js';
import type { SegmentPlan } from '../../../compiler/ir.js';
import type { SegmentRunner } from '../../../engine/runner.js';
import { stepText } from '../../../explain/explain-steps.js';
import { locationOf } from '../../../explain/location.js';
import type { StepBreakdown } from '../shared/data.js';
import type { CancelToken } from './cancel.js';

type SteppedPlan = Extract<SegmentPlan, { kind: 'dynamic' | 'compound' }>;
type SteppedSegment = ast.DynamicSegment | ast.CompoundSegment;
/** Each `top` and `sample` step with the members before it and after it (reference 6.6). */
export async function stepBreakdowns(plan: SteppedPlan, segment: SteppedSegment, runner: SegmentRunner, token: CancelToken): Promise<StepBreakdown[]> {
    const result: StepBreakdown[] = [];
    for (const [i, step] of plan.steps.entries()) {
        await token.checkpoint();
        const node = segment.steps[i];
        result.push({
            step: step.node,
            text: node ? stepText(node) : step.node,
            before: (await runner.keysBeforeStep(plan.name, i)).length,
            after: (await runner.keysBeforeStep(plan.name, i + 1)).length,
            location: locationOf(node ?? segment)
        });
    }
    return result;
}

