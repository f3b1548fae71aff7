import * as ast from '../grammar/generated/ast.js';
import type { Condition, GroupPlan, SegmentPlan } from '../compiler/ir.js';

/** The top-level `and` conditions of a group, as the AST holds them (parentheses flattened). */
export function astConjuncts(condition: ast.Condition | undefined): ast.Condition[] {
    if (!condition) return [];
    if (ast.isAndCondition(condition)) return [...astConjuncts(condition.left), ...astConjuncts(condition.right)];
    return [condition];
}

/** The top-level `and` conditions of a lowered group. */
export function planConjuncts(condition: Condition): readonly Condition[] {
    return condition.node === 'and' ? condition.items : [condition];
}

/** The condition's (or a sequence step's) source text on one line. */
export function conditionText(node: ast.Condition | ast.Event): string {
    return (node.$cstNode?.text ?? '').replace(/\s+/g, ' ').trim();
}

type DynamicPlan = Extract<SegmentPlan, { kind: 'dynamic' }>;

/** A plan of one group alone, optionally with its condition replaced: counts each step. */
export function singleGroupPlan(plan: DynamicPlan, group: GroupPlan, condition: Condition = group.condition): DynamicPlan {
    // The group alone: the segment's steps (top, sample) apply to all its groups, not to one.
    return { ...plan, groups: [{ node: 'group', root: group.root, condition, ...(group.name ? { name: group.name } : {}) }], steps: [] };
}

/** The first `n` conjuncts of a group, as one condition. */
export function prefixCondition(items: readonly Condition[], n: number): Condition {
    return n === 1 ? items[0] : { node: 'and', items: items.slice(0, n) };
}

export function groupLabel(group: ast.Group | ast.Sequence, index: number): string {
    return group.name ?? `${ast.isSequence(group) ? 'sequence' : 'group'} ${index + 1}`;
}

/** A group's condition; a sequence has none (its steps have their own). */
export function conditionOf(block: ast.Group | ast.Sequence | undefined): ast.Condition | undefined {
    return ast.isGroup(block) ? block.condition : undefined;
}
