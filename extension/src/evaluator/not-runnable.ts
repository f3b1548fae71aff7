import { AstUtils, type AstNode } from 'langium';
import * as ast from '../../../grammar/generated/ast.js';
import type { SegmentProblem } from '../shared/data.js';
import { blockedProblems, locationOf, problemsOf, type LoadedModel } from './session.js';

/**
 * Why a segment has no plan, as problems every view can show: its own errors (or a schema
 * fault in the data), else the first segment or
 * measure it uses that cannot run, named, with that one's first problem. Never empty.
 */
export function whyNotRunnable(segment: ast.Segment, model: LoadedModel, seen: Set<string> = new Set()): SegmentProblem[] {
    const own = [...blockedProblems(segment, model), ...problemsOf(segment, model.workspace).filter(p => p.severity === 'error')];
    if (own.length > 0) return own;
    seen.add(segment.name);
    const used = usedCause(segment, model, seen);
    return used ? [used] : [{ severity: 'error', message: `${segment.name} uses a segment or a measure that has errors, so it cannot run.`, location: locationOf(segment) }];
}

/** The first thing `node` uses that cannot run (a compound part, `in segment`, a measure), as one problem. */
function usedCause(node: AstNode, model: LoadedModel, seen: Set<string>): SegmentProblem | undefined {
    for (const child of AstUtils.streamAst(node)) {
        if (ast.isSegmentPart(child) || ast.isSegmentCondition(child)) {
            const other = child.segment.ref;
            if (!other || seen.has(other.name) || model.plans.plans.has(other.name)) continue;
            const [first] = whyNotRunnable(other, model, seen);
            const what = ast.isSegmentPart(child) ? `Part ${other.name}` : `Segment ${other.name} (in segment)`;
            return { severity: 'error', message: `${what} cannot run: ${first.message}`, location: first.location };
        }
        if (ast.isAttributeRef(child) && ast.isMeasure(child.attribute.ref)) {
            const measure = child.attribute.ref;
            const name = `${measure.entity.$refText}.${measure.name}`;
            const [first] = problemsOf(measure, model.workspace).filter(p => p.severity === 'error');
            if (first) return { severity: 'error', message: `Measure ${name} has errors: ${first.message}`, location: first.location };
            const inner = usedCause(measure, model, seen);
            if (inner) return { ...inner, message: `Measure ${name} uses what cannot run: ${inner.message}` };
        }
    }
    return undefined;
}

/** One sentence for a view or a command: why the segment does not run. */
export function notRunnableMessage(segment: ast.Segment, model: LoadedModel): string {
    const [first] = whyNotRunnable(segment, model);
    return `${segment.name} cannot run: ${first.message}`;
}
