import { assertUnreachable, stepsOf, type AggregateRef, type Condition, type JoinNode, type MeasurePlan, type MemberCondition, type Operand, type SegmentPlan } from './ir.js';

/** A condition that is not `and`, `or` or `not`. */
export type LeafCondition = Exclude<Condition, { node: 'and' | 'or' | 'not' }>;

/** What a walk over conditions reports. Each callback is optional. */
export interface ConditionVisitor {
    /** Every leaf condition, aggregates' `where` included. */
    leaf?(c: LeafCondition): void;
    /** Every operand of a leaf (its left side, and its right side when that is an attribute or a measure). */
    operand?(o: Operand): void;
    /** Every aggregate, before its `where` is walked. */
    aggregate?(a: AggregateRef): void;
    member?(m: MemberCondition): void;
}

/** The operands a leaf condition reads. */
export function leafOperands(c: LeafCondition): Operand[] {
    switch (c.node) {
        case 'compare':
            return c.right.node === 'operand' ? [c.left, c.right.operand] : [c.left];
        case 'in':
        case 'between':
        case 'match':
        case 'empty':
            return [c.left];
        case 'member':
            return [];
        default:
            return assertUnreachable(c);
    }
}

/**
 * Walks a condition and the `where` of every aggregate in it, without recursion (`and` and `or`
 * chains can hold thousands of items). Measures are not entered: `measuresUsed` lists them.
 */
export function walkCondition(root: Condition, visitor: ConditionVisitor): void {
    const stack: Condition[] = [root];
    while (stack.length > 0) {
        const c = stack.pop()!;
        switch (c.node) {
            case 'and':
            case 'or':
                for (let i = c.items.length - 1; i >= 0; i--) stack.push(c.items[i]);
                break;
            case 'not':
                stack.push(c.item);
                break;
            default: {
                visitor.leaf?.(c);
                if (c.node === 'member') visitor.member?.(c);
                for (const o of leafOperands(c)) {
                    visitor.operand?.(o);
                    if (o.node === 'aggregate') {
                        visitor.aggregate?.(o);
                        if (o.where) stack.push(o.where);
                    }
                }
            }
        }
    }
}

/** The conditions of a plan itself (its groups', its sequence steps' `where`), not of the segments it refers to. */
export function planConditions(plan: SegmentPlan): Condition[] {
    if (plan.kind !== 'dynamic') return [];
    return plan.groups.flatMap(g => (g.node === 'group' ? [g.condition] : g.steps.flatMap(s => (s.where ? [s.where] : []))));
}

/**
 * The measures a plan reads directly: in its conditions, its `show` and (unless `steps` is false)
 * its `top` steps, each once, in order of first use.
 */
export function measuresUsed(plan: SegmentPlan, steps = true): MeasurePlan[] {
    const found = new Set(measuresInConditions(plan));
    for (const column of plan.show) if (column.measure) found.add(column.measure);
    if (steps) for (const step of stepsOf(plan)) if (step.node === 'top' && step.by.node === 'measure') found.add(step.by.measure);
    return [...found];
}

/** The measures a plan's conditions read (its members' query; `show` and `top` read theirs apart). */
export function measuresInConditions(plan: SegmentPlan): MeasurePlan[] {
    const found = new Set<MeasurePlan>();
    for (const condition of planConditions(plan)) {
        walkCondition(condition, { operand: o => { if (o.node === 'measure') found.add(o.measure); } });
    }
    return [...found];
}

/** The segments `in segment` names in a condition (aggregates' `where` included). */
export function membersIn(condition: Condition, into: Set<string> = new Set()): Set<string> {
    walkCondition(condition, { member: m => { into.add(m.segment); } });
    return into;
}

/**
 * The segments a plan's members depend on: a compound segment's parts, and the segments named
 * by `in segment` in its conditions and in the `where` of the measures it reads.
 */
export function segmentReferences(plan: SegmentPlan): string[] {
    const names = new Set<string>();
    if (plan.kind === 'compound') for (const p of plan.parts) names.add(p.segment);
    for (const condition of planConditions(plan)) membersIn(condition, names);
    for (const measure of measuresUsed(plan)) if (measure.aggregate.where) membersIn(measure.aggregate.where, names);
    return [...names];
}

/** The segments a plan's members query reads: `segmentReferences` without those only its `show` needs. */
export function queryReferences(plan: SegmentPlan): string[] {
    const names = new Set<string>();
    if (plan.kind === 'compound') for (const p of plan.parts) names.add(p.segment);
    for (const condition of planConditions(plan)) membersIn(condition, names);
    for (const measure of measuresInConditions(plan)) if (measure.aggregate.where) membersIn(measure.aggregate.where, names);
    return [...names];
}

/**
 * The tables a plan's own query reads (lower-cased: names are compared without case), or a
 * measure's: audience, `show` paths, join trees, aggregates' paths and `where` records, and the
 * measures it reads. The segments it refers to are not entered.
 */
export function planTables(source: SegmentPlan | MeasurePlan, into: Set<string>): Set<string> {
    const trees: JoinNode[] = [];
    const conditions: Condition[] = [];
    const aggregate = (a: AggregateRef): void => {
        for (const step of a.path) into.add(step.entity.table.toLowerCase());
        trees.push(a.target);
        into.add(a.outer.entity.table.toLowerCase());
    };
    const measures = new Set<MeasurePlan>();
    if ('kind' in source) {
        into.add(source.audience.table.toLowerCase());
        for (const column of source.show) for (const step of column.path) into.add(step.entity.table.toLowerCase());
        if (source.kind === 'dynamic') {
            for (const group of source.groups) {
                trees.push(group.root);
                if (group.node === 'group') conditions.push(group.condition);
                else {
                    for (const step of group.steps) {
                        for (const p of step.path) into.add(p.entity.table.toLowerCase());
                        trees.push(step.target);
                        if (step.where) conditions.push(step.where);
                    }
                }
            }
        }
        for (const m of measuresUsed(source)) measures.add(m);
    } else {
        measures.add(source);
    }
    for (const m of measures) {
        aggregate(m.aggregate);
        if (m.aggregate.where) conditions.push(m.aggregate.where);
    }
    for (const c of conditions) walkCondition(c, { aggregate });
    while (trees.length > 0) {
        const tree = trees.pop()!;
        into.add(tree.entity.table.toLowerCase());
        trees.push(...tree.children);
    }
    return into;
}
