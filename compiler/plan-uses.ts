import type { AggregateRef, Condition, JoinNode, Operand, SegmentPlan } from './ir.js';
import { assertUnreachable } from './ir.js';
import type { PathStep } from './paths.js';
import type { SchemaAttribute, SchemaEntity } from './schema.js';

/** What a plan reads from the database: the entities whose tables it names, and their attributes' columns. */
export interface PlanUses {
    /** Names of the entities whose tables the plan reads. */
    readonly entities: ReadonlySet<string>;
    /** `Entity.Attribute` of every attribute whose column the plan reads (keys and foreign keys included). */
    readonly attributes: ReadonlySet<string>;
}

/**
 * The entities and attributes a segment's query reads: its audience and key, the records its
 * groups join and the relationships they walk, every attribute its conditions, aggregates and
 * `show` name, and for a compound segment all of this for each part (looked up in `plans`).
 */
export function planUses(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>): PlanUses {
    const entities = new Set<string>();
    const attributes = new Set<string>();
    const attribute = (a: SchemaAttribute): void => { attributes.add(`${a.entity}.${a.name}`); };
    const entity = (e: SchemaEntity): void => {
        entities.add(e.name);
        attribute(e.key);
    };
    const step = (s: PathStep): void => {
        entities.add(s.relationship.from);
        entities.add(s.relationship.to);
        attribute(s.relationship.attribute);
    };
    const node = (n: JoinNode): void => {
        entity(n.entity);
        if (n.step) step(n.step);
        for (const child of n.children) node(child);
    };
    const aggregate = (a: AggregateRef): void => {
        entity(a.outer.entity);
        for (const p of a.path) {
            step(p.step);
            entity(p.entity);
        }
        node(a.target);
        if (a.attribute) attribute(a.attribute);
        if (a.where) condition(a.where);
    };
    const operand = (o: Operand): void => {
        if (o.node === 'column') attribute(o.attribute);
        else aggregate(o);
    };
    const condition = (c: Condition): void => {
        // Long `and`/`or` chains are flat lists, and nesting is bounded by the language's limits.
        const stack: Condition[] = [c];
        while (stack.length > 0) {
            const next = stack.pop()!;
            switch (next.node) {
                case 'and':
                case 'or': stack.push(...next.items); break;
                case 'not': stack.push(next.item); break;
                case 'compare':
                case 'in':
                case 'between':
                case 'match':
                case 'empty': operand(next.left); break;
                default: assertUnreachable(next);
            }
        }
    };
    const visit = (p: SegmentPlan, seen: Set<string>): void => {
        if (seen.has(p.name)) return;
        seen.add(p.name);
        entity(p.audience);
        for (const s of p.show) {
            for (const { step: st, entity: e } of s.path) {
                step(st);
                entity(e);
            }
            attribute(s.attribute);
        }
        switch (p.kind) {
            case 'dynamic':
                for (const g of p.groups) {
                    node(g.root);
                    condition(g.condition);
                }
                break;
            case 'static':
                break;
            case 'compound':
                for (const part of p.parts) {
                    const inner = plans.get(part.segment);
                    if (inner) visit(inner, seen);
                }
                break;
            default: assertUnreachable(p);
        }
    };
    visit(plan, new Set());
    return { entities, attributes };
}
