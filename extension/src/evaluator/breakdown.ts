import * as ast from '../../../grammar/generated/ast.js';
import type { BlockPlan, SegmentPlan } from '../../../compiler/ir.js';
import { sequencePrefix } from '../../../compiler/sequence-funnel.js';
import { blockCountsSql } from '../../../compiler/sql/block-counts.js';
import type { SqlContext } from '../../../compiler/sql/to-sql.js';
import type { SegmentRunner } from '../../../engine/runner.js';
import type { SqlEngine } from '../../../engine/engine.js';
import type { ConditionStep, GroupBreakdown, PartBreakdown } from '../shared/data.js';
import type { CancelToken } from './cancel.js';
import { astConjuncts, conditionOf, conditionText, groupLabel, planConjuncts, prefixCondition } from '../../../explain/conjuncts.js';
import { locationOf } from './session.js';

type DynamicPlan = Extract<SegmentPlan, { kind: 'dynamic' }>;

/** One row of the breakdown before it is counted: the blocks whose counts it shows. */
interface Pending {
    readonly row: Omit<GroupBreakdown, 'count' | 'steps'>;
    /** The block counted for each step (a group's first conditions, a sequence cut after a step). */
    readonly steps: readonly { readonly block: number; readonly step: Omit<ConditionStep, 'count'> }[];
    /** The block counted for the group alone (its last step's when it has steps). */
    readonly whole: number;
}

/**
 * Per group of a dynamic segment: its own count, and how each top-level `and` condition
 * narrows it (the count after the first condition, the first two, and so on). A sequence's
 * steps are its funnel (reference 6.3): the profiles in the sequence cut after each step.
 * Every count of the segment comes from one query, one pass over the audience table
 * (`blockCountsSql`), and a block already counted on the same data is not counted again. The group
 * of a segment made of one group and no steps is not counted again: it has the segment's members.
 */
export async function groupBreakdowns(plan: DynamicPlan, segment: ast.DynamicSegment, runner: SegmentRunner, engine: SqlEngine, token: CancelToken): Promise<GroupBreakdown[]> {
    /** What each row shows: a block to count, or a count already known. */
    const blocks: (BlockPlan | { readonly known: number })[] = [];
    const add = (b: BlockPlan | { readonly known: number }): number => blocks.push(b) - 1;
    // A segment of one group and no steps has the group's members: its count is the segment's, counted already.
    const alone = plan.groups.length === 1 && plan.steps.length === 0 && plan.groups[0].node === 'group'
        ? { known: (await runner.keys(plan.name)).length } : undefined;
    const pending: Pending[] = plan.groups.map((group, i) => {
        const node = segment.groups[i];
        const row = { label: groupLabel(node, i), block: group.node, ...(group.operator ? { operator: group.operator } : {}), location: locationOf(node) };
        if (group.node === 'sequence') {
            const events = ast.isSequence(node) ? node.steps : [];
            const steps = events.map((event, k) => ({ block: add(sequencePrefix(group, k + 1)), step: { text: conditionText(event), location: locationOf(event), ...(event.none ? { none: true } : {}) } }));
            return { row, steps, whole: steps.length ? steps[steps.length - 1].block : add(group) };
        }
        const items = planConjuncts(group.condition);
        const texts = astConjuncts(conditionOf(node));
        const steps = items.length > 1 && texts.length === items.length
            ? items.map((_, n) => ({ block: add(n === items.length - 1 && alone ? alone : { ...group, condition: prefixCondition(items, n + 1) }), step: { text: conditionText(texts[n]), location: locationOf(texts[n]) } }))
            : [];
        return { row, steps, whole: steps.length ? steps[steps.length - 1].block : add(alone ?? group) };
    });
    const counted = blocks.filter((b): b is BlockPlan => !('known' in b));
    let counts: number[] = [];
    if (counted.length > 0) {
        await token.checkpoint();
        // The whole context: a group may read other segments (`in segment`), measures, samples drawn.
        counts = await countsOnce(plan, counted, await runner.sqlContext(plan), runner, engine);
    }
    let next = 0;
    const count = blocks.map(b => ('known' in b ? b.known : counts[next++]));
    return pending.map(p => ({ ...p.row, count: count[p.whole], steps: p.steps.map(s => ({ ...s.step, count: count[s.block] })) }));
}

/**
 * Each block's count, by the SQL that counts it alone: an edit reuses the counts of every block
 * whose SQL it left as it was (another segment edited, a later condition of the group changed,
 * a condition's text reflowed), and the blocks not counted yet are counted together in one query.
 * Kept per in-memory copy of the data (a copy is never written; a changed file is a new copy),
 * and per run on PostgreSQL, whose data may change between queries.
 */
const answered = new WeakMap<object, Map<string, Promise<number>>>();
const KEPT = 256;

async function countsOnce(plan: DynamicPlan, blocks: readonly BlockPlan[], ctx: SqlContext, runner: SegmentRunner, engine: SqlEngine): Promise<number[]> {
    const scope: object = engine.name === 'postgres' ? runner : engine;
    let cache = answered.get(scope);
    if (!cache) answered.set(scope, (cache = new Map()));
    const kept = cache;
    const ids = blocks.map(b => blockCountsSql(plan, [b], ctx));
    const results: (Promise<number> | undefined)[] = ids.map(id => {
        const known = kept.get(id);
        // Most recently used last, so the oldest goes first.
        if (known) { kept.delete(id); kept.set(id, known); }
        return known;
    });
    const missing = blocks.map((_, i) => i).filter(i => !results[i]);
    if (missing.length > 0) {
        const row = engine.query(blockCountsSql(plan, missing.map(i => blocks[i]), ctx)).then(rows => (rows[0] ?? []).map(v => Number(v ?? 0)));
        missing.forEach((i, column) => {
            const result = row.then(values => values[column]);
            results[i] = result;
            kept.set(ids[i], result);
            result.catch(() => kept.delete(ids[i]));
        });
        while (kept.size > KEPT) kept.delete(kept.keys().next().value!);
    }
    return Promise.all(results as Promise<number>[]);
}

export async function partBreakdowns(plan: Extract<SegmentPlan, { kind: 'compound' }>, runner: SegmentRunner): Promise<PartBreakdown[]> {
    const parts: PartBreakdown[] = [];
    for (const part of plan.parts) {
        parts.push({ segment: part.segment, ...(part.operator ? { operator: part.operator } : {}), count: (await runner.keys(part.segment)).length });
    }
    return parts;
}
