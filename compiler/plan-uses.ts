import type { AggregateRef, Condition, JoinNode, MeasurePlan, Operand, SegmentPlan } from './ir.js';
import { assertUnreachable, stepsOf } from './ir.js';
import { measuresUsed, walkCondition } from './plan-walk.js';
import type { PathStep } from './paths.js';
import { eventTime, type SchemaAttribute, type SchemaEntity } from './schema.js';
import { storageKey, type ColumnRequest } from './storage.js';

/** What a plan reads from the database: the entities whose tables it names, and their attributes' columns. */
export interface PlanUses {
    /** Names of the entities whose tables the plan reads. */
    readonly entities: ReadonlySet<string>;
    /** `Entity.Attribute` of every attribute whose column the plan reads (keys and foreign keys included). */
    readonly attributes: ReadonlySet<string>;
    /** The same attributes as columns of tables, each with the type it is read as. */
    readonly columns: readonly ColumnRequest[];
}

/**
 * The entities and attributes a segment's query reads: its audience and key, the records its
 * groups and sequences join and the relationships they walk, every sequence step's `time`, every attribute its conditions, aggregates,
 * measures, `show` and `top` steps name, and all of this for each segment it refers to
 * (compound parts, `in segment`; looked up in `plans`).
 */
export function planUses(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>): PlanUses {
    const entities = new Set<string>();
    const attributes = new Map<string, SchemaAttribute>();
    const records = new Map<string, SchemaEntity>();
    const attribute = (a: SchemaAttribute): void => { attributes.set(`${a.entity}.${a.name}`, a); };
    const entity = (e: SchemaEntity): void => {
        entities.add(e.name);
        records.set(e.name, e);
        attribute(e.key);
        // An event entity's records are read with their time (which of them exist, reference 6.1).
        const time = eventTime(e);
        if (time) attribute(time);
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
    /** An aggregate's records and attribute (its `where` is walked by `condition`). */
    const aggregateRecords = (a: AggregateRef): void => {
        entity(a.outer.entity);
        for (const p of a.path) {
            step(p.step);
            entity(p.entity);
        }
        node(a.target);
        if (a.attribute) attribute(a.attribute);
    };
    const measured = new Set<MeasurePlan>();
    const measure = (m: MeasurePlan): void => {
        if (measured.has(m)) return;
        measured.add(m);
        entity(m.entity);
        aggregateRecords(m.aggregate);
        if (m.aggregate.where) condition(m.aggregate.where);
    };
    const operand = (o: Operand): void => {
        switch (o.node) {
            case 'column': attribute(o.attribute); break;
            case 'measure': measure(o.measure); break;
            // Walked with its `where` by `walkCondition`.
            case 'aggregate': break;
            default: assertUnreachable(o);
        }
    };
    const condition = (c: Condition): void => {
        walkCondition(c, {
            operand,
            aggregate: aggregateRecords,
            member: m => {
                entity(m.entity);
                const inner = plans.get(m.segment);
                if (inner) visit(inner, seen);
            }
        });
    };
    const seen = new Set<string>();
    /** Audiences whose keys must be known distinct or not (a `top` step counts each member once; groups combine per key). */
    const counted = new Set<string>();
    const visit = (p: SegmentPlan, seen: Set<string>): void => {
        if (seen.has(p.name)) return;
        seen.add(p.name);
        entity(p.audience);
        for (const s of p.show) {
            for (const { step: st, entity: e } of s.path) {
                step(st);
                entity(e);
            }
            if (s.attribute) attribute(s.attribute);
            else measure(s.measure);
        }
        for (const m of measuresUsed(p)) measure(m);
        // Groups combined by intersect or exclude are combined per key unless keys are distinct.
        if (p.kind === 'dynamic' && p.groups.some(g => g.operator === 'intersect' || g.operator === 'exclude')) counted.add(p.audience.name);
        for (const step of stepsOf(p)) {
            if (step.node !== 'top') continue;
            if (step.by.node === 'attribute') attribute(step.by.attribute);
            else measure(step.by.measure);
            counted.add(p.audience.name);
        }
        switch (p.kind) {
            case 'dynamic':
                for (const g of p.groups) {
                    node(g.root);
                    if (g.node === 'group') {
                        condition(g.condition);
                        continue;
                    }
                    for (const s of g.steps) {
                        for (const { step: st, entity: e } of s.path) {
                            step(st);
                            entity(e);
                        }
                        node(s.target);
                        attribute(s.time);
                        if (s.where) condition(s.where);
                    }
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
    visit(plan, seen);
    // Every attribute read belongs to a record the plan names (a foreign key to the record it is stepped from).
    const columns = new Map<string, ColumnRequest>();
    for (const a of attributes.values()) {
        const table = records.get(a.entity)?.table;
        const key = storageKey(a.entity, a.column, a.type);
        const record = records.get(a.entity);
        const distinct = counted.has(a.entity) && record?.key === a;
        const time = record && eventTime(record);
        const latest = time !== undefined && time.column === a.column && time.type === a.type;
        if (table !== undefined && !columns.has(key)) columns.set(key, { entity: a.entity, table, column: a.column, type: a.type, ...(distinct ? { distinct } : {}), ...(latest ? { latest } : {}) });
    }
    return { entities, attributes: new Set(attributes.keys()), columns: [...columns.values()] };
}

/** The columns a segment's plan reads (compound segments: their parts' too), each once, for the engine to say how they are stored. */
export function plannedColumns(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>): readonly ColumnRequest[] {
    return planUses(plan, plans).columns;
}
