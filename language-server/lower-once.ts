import type * as ast from '../grammar/generated/ast.js';
import { lowerSegment, type LowerContext, type LowerResult } from '../compiler/lower.js';

const lowered = new WeakMap<LowerContext, WeakMap<ast.Segment, LowerResult>>();

/**
 * A segment lowered once per model object (a new one after each change): the validator, the
 * code lens counts and the evaluator's planning of one model share the lowering instead of each
 * making it again. A lowering that throws is not kept.
 */
export function lowerOnce(segment: ast.Segment, ctx: LowerContext): LowerResult {
    let byNode = lowered.get(ctx);
    if (!byNode) lowered.set(ctx, (byNode = new WeakMap()));
    let result = byNode.get(segment);
    if (!result) {
        result = lowerSegment(segment, ctx);
        byNode.set(segment, result);
    }
    return result;
}
