import * as ast from '../../../grammar/generated/ast.js';
import type { SegmentPlan } from '../../../compiler/ir.js';
import { sequencePrefix, singleBlockPlan } from '../../../compiler/sequence-funnel.js';
import { segmentSql } from '../../../compiler/sql/to-sql.js';
import type { SegmentRunner } from '../../../engine/runner.js';
import type { SqlEngine } from '../../../engine/engine.js';
import type { GroupBreakdown, PartBreakdown } from '../shared/data.js';
import type { CancelToken } from './cancel.js';
import { astConjuncts, conditionOf, conditionText, groupLabel, planConjuncts, prefixCondition, singleGroupPlan } from '../../../explain/conjuncts.js';
import { locationOf } from './session.js';

type DynamicPlan = Extract<SegmentPlan, { kind: 'dynamic' }>;

/**
 * Per group of a dynamic segment: its own count, and how each top-level `and` condition
 * narrows it (the count after the first condition, the first two, and so on). A sequence's
 * steps are its funnel (reference 6.3): the profiles in the sequence cut after each step.
 */
export async function groupBreakdowns(plan: DynamicPlan, segment: ast.DynamicSegment, runner: SegmentRunner, engine: SqlEngine, token: CancelToken): Promise<GroupBreakdown[]> {
    // The whole context: a group may read other segments (`in segment`), measures, samples drawn.
    const ctx = await runner.sqlContext(plan);
    const count = async (p: DynamicPlan): Promise<number> => {
        await token.checkpoint();
        // Distinct keys: a key stored twice is one member, as in the member list.
        const rows = await engine.query(`SELECT COUNT(DISTINCT counted.key) FROM (${segmentSql(p, ctx)}) AS counted`);
        return Number(rows[0]?.[0] ?? 0);
    };
    const result: GroupBreakdown[] = [];
    for (const [i, group] of plan.groups.entries()) {
        const node = segment.groups[i];
        const steps = [];
        if (group.node === 'sequence') {
            const events = ast.isSequence(node) ? node.steps : [];
            for (const [k, event] of events.entries()) {
                steps.push({ text: conditionText(event), count: await count(singleBlockPlan(plan, sequencePrefix(group, k + 1))), location: locationOf(event), ...(event.none ? { none: true } : {}) });
            }
            result.push({ label: groupLabel(node, i), block: 'sequence', ...(group.operator ? { operator: group.operator } : {}), count: steps[steps.length - 1]?.count ?? await count(singleBlockPlan(plan, group)), steps, location: locationOf(node) });
            continue;
        }
        const items = planConjuncts(group.condition);
        const texts = astConjuncts(conditionOf(node));
        if (items.length > 1 && texts.length === items.length) {
            for (let n = 1; n <= items.length; n++) {
                steps.push({
                    text: conditionText(texts[n - 1]),
                    count: await count(singleGroupPlan(plan, group, prefixCondition(items, n))),
                    location: locationOf(texts[n - 1])
                });
            }
        }
        result.push({
            label: groupLabel(node, i),
            block: 'group',
            ...(group.operator ? { operator: group.operator } : {}),
            count: steps.length ? steps[steps.length - 1].count : await count(singleBlockPlan(plan, group)),
            steps,
            location: locationOf(node)
        });
    }
    return result;
}

export async function partBreakdowns(plan: Extract<SegmentPlan, { kind: 'compound' }>, runner: SegmentRunner): Promise<PartBreakdown[]> {
    const parts: PartBreakdown[] = [];
    for (const part of plan.parts) {
        parts.push({ segment: part.segment, ...(part.operator ? { operator: part.operator } : {}), count: (await runner.keys(part.segment)).length });
    }
    return parts;
}
