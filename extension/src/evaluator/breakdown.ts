import * as ast from '../../../grammar/generated/ast.js';
import type { SegmentPlan } from '../../../compiler/ir.js';
import { segmentSql } from '../../../compiler/sql/to-sql.js';
import { keyLiteral } from '../../../compiler/sql/dialect.js';
import { entitySource } from '../../../compiler/sql/relations.js';
import { eventTime } from '../../../compiler/schema.js';
import { keyFromStored, type KeyValue } from '../../../compiler/keys.js';
import type { SegmentRunner } from '../../../engine/runner.js';
import type { SqlEngine } from '../../../engine/engine.js';
import type { ExplainedGroup, ExplainedPart, Explanation, GroupBreakdown, Key, PartBreakdown, SetOperatorName } from '../shared/data.js';
import type { CancelToken } from './cancel.js';
import { astConjuncts, conditionOf, conditionText, groupLabel, planConjuncts, prefixCondition, singleGroupPlan } from './conjuncts.js';
import { locationOf } from './session.js';

type DynamicPlan = Extract<SegmentPlan, { kind: 'dynamic' }>;

/**
 * Per group of a dynamic segment: its own count, and how each top-level `and` condition
 * narrows it (the count after the first condition, the first two, and so on).
 */
export async function groupBreakdowns(plan: DynamicPlan, segment: ast.DynamicSegment, runner: SegmentRunner, engine: SqlEngine, token: CancelToken): Promise<GroupBreakdown[]> {
    const ctx = { dialect: engine.dialect, clock: runner.clock, storage: await runner.storage(plan) };
    const count = async (p: DynamicPlan): Promise<number> => {
        await token.checkpoint();
        // Distinct keys: a key stored twice is one member, as in the member list.
        const rows = await engine.query(`SELECT COUNT(DISTINCT counted.key) FROM (${segmentSql(p, ctx)}) AS counted`);
        return Number(rows[0]?.[0] ?? 0);
    };
    const result: GroupBreakdown[] = [];
    for (const [i, group] of plan.groups.entries()) {
        const node = segment.groups[i];
        const items = planConjuncts(group.condition);
        const texts = astConjuncts(conditionOf(node));
        const steps = [];
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
            count: steps.length ? steps[steps.length - 1].count : await count(singleGroupPlan(plan, group)),
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

/** Which groups and conditions one key passes, and whether it is a member in the end. */
export async function explain(plan: SegmentPlan, segment: ast.Segment, asked: Key, runner: SegmentRunner, engine: SqlEngine, segments: ReadonlyMap<string, ast.Segment>): Promise<Explanation> {
    const d = engine.dialect;
    // A 64-bit key comes from the view as its digits.
    const key: KeyValue = keyFromStored(asked, plan.audience.key.type === 'number' ? 'number' : 'text') ?? asked;
    const q = d.quoteIdentifier;
    const literal = keyLiteral(d, key);
    const storage = await runner.storage(plan);
    const stored = async (from: string): Promise<boolean> => (await engine.query(`SELECT 1 FROM ${from} WHERE a.${q(plan.audience.key.column)} = ${literal} LIMIT 1`)).length > 0;
    // A profile of an event audience exists from its time on (reference 6.1).
    const exists = await stored(entitySource(plan.audience, 'a', d, { storage, clock: runner.clock }));
    const time = eventTime(plan.audience);
    const later = !exists && time && await stored(`${q(plan.audience.table)} AS a`) ? { time: time.name, asOf: runner.clock.now } : undefined;
    const members = new Set(await runner.keys(plan.name));
    const base = { segment: plan.name, title: plan.title, kind: plan.kind, audience: plan.audience.name, location: locationOf(segment), key: asked, exists, ...(later ? { later } : {}), member: members.has(key) };
    if (plan.kind === 'compound') {
        const parts: ExplainedPart[] = [];
        for (const p of plan.parts) {
            const node = segments.get(p.segment);
            parts.push({ segment: p.segment, ...(p.operator ? { operator: p.operator } : {}), member: (await runner.keys(p.segment)).includes(key), ...(node ? { location: locationOf(node) } : {}) });
        }
        return { ...base, groups: [], parts, steps: [] };
    }
    if (plan.kind === 'static' || !ast.isDynamicSegment(segment)) return { ...base, groups: [], parts: [], steps: [] };
    const ctx = { dialect: d, clock: runner.clock, storage };
    const contains = async (p: DynamicPlan): Promise<boolean> =>
        (await engine.query(`SELECT 1 FROM (${segmentSql(p, ctx)}) AS g WHERE g.key = ${literal} LIMIT 1`)).length > 0;
    const groups: ExplainedGroup[] = [];
    for (const [i, group] of plan.groups.entries()) {
        const node = segment.groups[i];
        const items = planConjuncts(group.condition);
        const texts = astConjuncts(conditionOf(node));
        const conditions = [];
        if (texts.length === items.length) {
            for (const [j, item] of items.entries()) conditions.push({ text: conditionText(texts[j]), passes: await contains(singleGroupPlan(plan, group, item)), location: locationOf(texts[j]) });
        }
        const operator: SetOperatorName | undefined = group.operator;
        groups.push({ label: groupLabel(node, i), block: 'group', ...(operator ? { operator } : {}), passes: await contains(singleGroupPlan(plan, group)), conditions, location: locationOf(node) });
    }
    return { ...base, groups, parts: [], steps: [] };
}
