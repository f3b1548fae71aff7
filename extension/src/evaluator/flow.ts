import * as ast from '../../../grammar/generated/ast.js';
import type { BlockPlan, JoinNode, SegmentPlan } from '../../../compiler/ir.js';
import type { SegmentRunner } from '../../../engine/runner.js';
import type { SqlEngine } from '../../../engine/engine.js';
import type { FlowCondition, FlowGroup, FlowSegment, FlowState } from '../shared/flow.js';
import { groupBreakdowns } from './breakdown.js';
import { stepBreakdowns } from './steps.js';
import type { CancelToken } from './cancel.js';
import { astConjuncts, conditionOf, conditionText } from '../../../explain/conjuncts.js';
import { kindOf } from './find-segment.js';
import type { EvaluationContext } from './protocol.js';
import { engineLabel, headerOf, memoBreakdowns, runnableTarget, type PreviewRequest } from './reports.js';
import { locationOf, type LoadedModel, type WorkspaceSession } from './session.js';

/** How deep compound parts of compound parts are expanded; deeper ones are drawn collapsed. */
const MAX_DEPTH = 4;

/**
 * The Flow view of one segment: its groups (conditions, counts, joined entities) or its parts,
 * each part expanded to its own groups or parts. Uses the preview's runner and its cached
 * group breakdowns, so following the cursor between the two views costs no extra queries.
 */
export async function buildFlow(session: WorkspaceSession, ctx: EvaluationContext, req: Pick<PreviewRequest, 'segment' | 'uri' | 'offset'>, token: CancelToken): Promise<FlowState> {
    const started = performance.now();
    const model = await session.loaded();
    const target = runnableTarget(model, req);
    if (!('plan' in target)) return target;
    const { runner, clock, engine } = await session.runnerAt(ctx.asOf);
    await token.checkpoint();
    const root = await flowSegment(target.segment, model, runner, engine, token, 0, new Set());
    return { state: 'result', flow: { header: headerOf(target.segment, model), asOf: clock.now, root, engine: engineLabel(engine), elapsedMs: Math.round(performance.now() - started) } };
}

async function flowSegment(segment: ast.Segment, model: LoadedModel, runner: SegmentRunner, engine: SqlEngine, token: CancelToken, depth: number, seen: ReadonlySet<string>): Promise<FlowSegment> {
    const plan = model.plans.plans.get(segment.name);
    if (!plan) throw new Error(`${segment.name} has errors: fix them to draw its flow.`);
    await token.checkpoint();
    const base = { name: segment.name, title: plan.title, kind: kindOf(segment), count: (await runner.keys(plan.name)).length, location: locationOf(segment) };
    if (plan.kind === 'dynamic' && ast.isDynamicSegment(segment)) {
        return { ...base, groups: await flowGroups(plan, segment, runner, engine, token), parts: [], steps: await stepBreakdowns(plan, segment, runner, token) };
    }
    if (plan.kind !== 'compound') return { ...base, groups: [], parts: [], steps: [] };
    const steps = ast.isCompoundSegment(segment) ? await stepBreakdowns(plan, segment, runner, token) : [];
    if (depth >= MAX_DEPTH || seen.has(segment.name)) return { ...base, groups: [], parts: [], steps, collapsed: true };
    const inside = new Set([...seen, segment.name]);
    const parts = [];
    for (const part of plan.parts) {
        const node = model.workspace.model.segments.get(part.segment);
        if (!node) continue;
        parts.push({ ...(part.operator ? { operator: part.operator } : {}), segment: await flowSegment(node, model, runner, engine, token, depth + 1, inside) });
    }
    return { ...base, groups: [], parts, steps };
}

type DynamicPlan = Extract<SegmentPlan, { kind: 'dynamic' }>;

async function flowGroups(plan: DynamicPlan, segment: ast.DynamicSegment, runner: SegmentRunner, engine: SqlEngine, token: CancelToken): Promise<FlowGroup[]> {
    const breakdowns = await memoBreakdowns(runner, plan.name, () => groupBreakdowns(plan, segment, runner, engine, token));
    return breakdowns.map((g, i) => {
        // One condition (or conditions the breakdown could not count): the texts from the source.
        const conditions: FlowCondition[] = g.steps.length
            ? g.steps.map(s => ({ text: s.text, count: s.count, location: s.location, ...(s.none ? { none: true } : {}) }))
            : astConjuncts(conditionOf(segment.groups[i])).map((c, _j, all) => ({ text: conditionText(c), ...(all.length === 1 ? { count: g.count } : {}), location: locationOf(c) }));
        return {
            label: g.label,
            block: g.block,
            ...(g.operator ? { operator: g.operator } : {}),
            count: g.count,
            conditions,
            paths: blockPaths(plan.groups[i]),
            location: g.location
        };
    });
}

/** The entities a group joins, or a sequence's steps are about, each as its path to the audience. */
function blockPaths(block: BlockPlan): string[] {
    if (block.node === 'group') return joinPaths(block.root);
    const paths = block.steps.filter(s => s.path.length > 0).map(s => [...s.path.map(p => p.entity.name).reverse(), block.root.entity.name].join(' → '));
    return [...new Set(paths)];
}

/** Each entity a group joins, as the path from it to the audience: `Product → Purchase → Customer`. */
export function joinPaths(root: JoinNode): string[] {
    const paths: string[] = [];
    const walk = (node: JoinNode, trail: readonly string[]): void => {
        const here = [node.entity.name, ...trail];
        if (node.children.length === 0) {
            if (trail.length > 0) paths.push(here.join(' → '));
            return;
        }
        for (const child of node.children) walk(child, here);
    };
    walk(root, []);
    return paths;
}
