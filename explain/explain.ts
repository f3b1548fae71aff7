import * as ast from '../grammar/generated/ast.js';
import type { SegmentPlan } from '../compiler/ir.js';
import { keyFromStored, type KeyValue } from '../compiler/keys.js';
import { eventTime } from '../compiler/schema.js';
import { keyLiteral } from '../compiler/sql/dialect.js';
import { entitySource } from '../compiler/sql/relations.js';
import { segmentSql } from '../compiler/sql/to-sql.js';
import type { SqlEngine } from '../engine/engine.js';
import type { SegmentRunner } from '../engine/runner.js';
import type { ExplainedCondition, ExplainedGroup, ExplainedPart, Explanation, Key, SetOperatorName } from './types.js';
import { singleBlockPlan } from '../compiler/sequence-funnel.js';
import { astConjuncts, conditionOf, conditionText, groupLabel, planConjuncts, singleGroupPlan } from './conjuncts.js';
import { explainSequence, inSequence } from './explain-sequence.js';
import { locationOf } from './location.js';
import { explainSteps } from './explain-steps.js';
import { explainRecords } from './group-records.js';
import { keyFiltered } from './key-filter.js';

type DynamicPlan = Extract<SegmentPlan, { kind: 'dynamic' }>;

/**
 * Explain Membership: which groups and conditions one key passes, which parts hold it, what each
 * step did with it, and whether it is a member in the end. Every query is filtered on the key
 * (a group's, a condition's, a sequence step's records); membership is decided from those answers by the set operations,
 * not by evaluating the whole segment. Only a `top` step needs the members before it (a rank).
 */
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
    const membership = new KeyMembership(key, runner, engine, segments);
    const base = { segment: plan.name, title: plan.title, kind: plan.kind, audience: plan.audience.name, location: locationOf(segment), key: asked, exists, ...(later ? { later } : {}) };
    if (plan.kind === 'static') return { ...base, member: exists && await membership.of(plan.name), groups: [], parts: [], steps: [] };
    let groups: ExplainedGroup[] = [];
    const parts: ExplainedPart[] = [];
    let before: boolean;
    if (plan.kind === 'compound') {
        for (const p of plan.parts) {
            const node = segments.get(p.segment);
            parts.push({ segment: p.segment, ...(p.operator ? { operator: p.operator } : {}), member: await membership.of(p.segment), ...(node ? { location: locationOf(node) } : {}) });
        }
        before = combine(parts.map(p => ({ operator: p.operator, passes: p.member })));
    } else {
        groups = ast.isDynamicSegment(segment) ? await explainGroups(plan, segment, membership) : [];
        before = combine(groups);
    }
    const steps = ast.isDynamicSegment(segment) || ast.isCompoundSegment(segment) ? await explainSteps(plan, segment, key, before, runner, engine) : [];
    const member = steps.length ? steps[steps.length - 1].passes : before;
    return { ...base, member: exists && member, groups, parts, steps };
}

async function explainGroups(plan: DynamicPlan, segment: ast.DynamicSegment, membership: KeyMembership): Promise<ExplainedGroup[]> {
    const groups: ExplainedGroup[] = [];
    for (const [i, group] of plan.groups.entries()) {
        const node = segment.groups[i];
        const conditions: ExplainedCondition[] = [];
        const operator: SetOperatorName | undefined = group.operator;
        if (group.node === 'sequence') {
            if (!ast.isSequence(node)) throw new Error(`block ${i + 1} of ${plan.name} is a sequence in its plan but not in its text`);
            // Step by step from the profile's own records: which step it fails, and the chain found up to there.
            const found = await explainSequence(plan, group, node, membership.key, membership.runner, membership.engine);
            groups.push({ label: groupLabel(node, i), block: 'sequence', ...(operator ? { operator } : {}), passes: found.passes, conditions: found.conditions, location: locationOf(node) });
            continue;
        }
        const items = planConjuncts(group.condition);
        const texts = astConjuncts(conditionOf(node));
        const named = texts.length === items.length;
        if (named) {
            for (const [j, item] of items.entries()) conditions.push({ text: conditionText(texts[j]), passes: await membership.inPlan(singleGroupPlan(plan, group, item)), location: locationOf(texts[j]) });
        }
        // Over related records, the conditions must hold on the same ones: show the closest.
        const records = named ? await explainRecords(plan, group, items, membership.key, membership.runner, membership.engine) : undefined;
        groups.push({ label: groupLabel(node, i), block: 'group', ...(operator ? { operator } : {}), passes: await membership.inPlan(singleBlockPlan(plan, group)), conditions, location: locationOf(node), ...(records ? { records } : {}) });
    }
    return groups;
}

/** Blocks or parts combined left to right by their set operations, for one profile. */
export function combine(items: readonly { readonly operator?: SetOperatorName; readonly passes: boolean }[]): boolean {
    let member = false;
    for (const [i, it] of items.entries()) {
        if (i === 0 || it.operator === undefined || it.operator === 'union') member = i === 0 ? it.passes : member || it.passes;
        else if (it.operator === 'intersect') member = member && it.passes;
        else member = member && !it.passes;
    }
    return member;
}

/** Whether one key is in a segment or in a part of one, found with queries filtered on the key. */
export class KeyMembership {
    private readonly segments = new Map<string, Promise<boolean>>();

    constructor(
        readonly key: KeyValue,
        readonly runner: SegmentRunner,
        readonly engine: SqlEngine,
        private readonly nodes: ReadonlyMap<string, ast.Segment>
    ) {}

    /**
     * The key is in the plan's result (a group alone, a condition alone): its query filtered on
     * the key, a dynamic plan's groups cut to the key's records by the compiler (`keyFiltered`).
     */
    async inPlan(plan: SegmentPlan): Promise<boolean> {
        const ctx = await this.runner.sqlContext(plan);
        const literal = keyLiteral(this.engine.dialect, this.key);
        const cut = plan.kind === 'dynamic' && ctx.storage ? keyFiltered(plan, this.key, ctx.storage) : plan;
        return (await this.engine.query(`SELECT 1 FROM (${segmentSql(cut, ctx)}) AS g WHERE g.key = ${literal} LIMIT 1`)).length > 0;
    }

    /** The key is a member of segment `name`: its parts, groups and steps decided for this key. */
    of(name: string): Promise<boolean> {
        let known = this.segments.get(name);
        if (!known) {
            known = this.decide(name);
            this.segments.set(name, known);
        }
        return known;
    }

    private async decide(name: string): Promise<boolean> {
        const plan = this.runner.plan(name);
        const node = this.nodes.get(name);
        if (plan.kind === 'static') return (await this.runner.keys(name)).includes(this.key);
        let before: boolean;
        if (plan.kind === 'compound') {
            const parts = [];
            for (const p of plan.parts) parts.push({ operator: p.operator, passes: await this.of(p.segment) });
            before = combine(parts);
        } else {
            const blocks = [];
            for (const group of plan.groups) {
                const passes = group.node === 'sequence' ? await inSequence(plan, group, this.key, this.runner, this.engine) : await this.inPlan(singleBlockPlan(plan, group));
                blocks.push({ operator: group.operator, passes });
            }
            before = combine(blocks);
        }
        if (!node || !(ast.isDynamicSegment(node) || ast.isCompoundSegment(node)) || plan.steps.length === 0) return before;
        const steps = await explainSteps(plan, node, this.key, before, this.runner, this.engine);
        return steps[steps.length - 1].passes;
    }
}
