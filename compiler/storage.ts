import { assertUnreachable, type Condition, type JoinNode, type SegmentPlan } from './ir.js';
import type { AttributeType, SchemaAttribute, SchemaEntity } from './schema.js';

/**
 * How the values of one column are stored, as far as the engine knows (reference, section 2:
 * stored values are read as a person reads them). The compiler reads a plain column as it is,
 * so indexes serve it; any other column through the dialect's reading of every accepted form.
 */
export interface ColumnStorage {
    /**
     * Every stored value is in its type's plain form: numbers as numbers, booleans as 0 or 1,
     * text as text, dates and datetimes as ISO text without fraction or offset (or the engine's
     * own date and timestamp types).
     */
    readonly plain: boolean;
    /** Some date or datetime carries an offset, so its stored day may be a day off its UTC day. */
    readonly offsets: boolean;
    /** Some value fits none of its type's forms (it is read as missing). */
    readonly unreadable: boolean;
}

/** What is assumed of a column the engine has not looked at: anything may be stored in it. */
export const UNKNOWN_STORAGE: ColumnStorage = { plain: false, offsets: true, unreadable: true };
export const PLAIN_STORAGE: ColumnStorage = { plain: true, offsets: false, unreadable: false };

/** A column a plan reads, with the type it is read as. */
export interface ColumnRequest {
    readonly entity: string;
    readonly table: string;
    readonly column: string;
    readonly type: AttributeType;
}

export const storageKey = (entity: string, column: string, type: AttributeType): string => `${entity}\u0000${column}\u0000${type}`;

/** The storage of the columns a set of plans reads; a column not listed is `UNKNOWN_STORAGE`. */
export class StorageFacts {
    constructor(private readonly facts: ReadonlyMap<string, ColumnStorage> = new Map()) {}

    of(attribute: SchemaAttribute): ColumnStorage {
        return this.facts.get(storageKey(attribute.entity, attribute.column, attribute.type)) ?? UNKNOWN_STORAGE;
    }

    /** Every column plain: what a caller that cannot look at the data (tests of SQL shape) may assume. */
    static plain(): StorageFacts {
        return new (class extends StorageFacts {
            override of(): ColumnStorage {
                return PLAIN_STORAGE;
            }
        })();
    }
}

/** The columns a segment's plan reads (compound segments: their parts' too), each once. */
export function plannedColumns(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>): ColumnRequest[] {
    const out = new Map<string, ColumnRequest>();
    const add = (entity: SchemaEntity, attribute: SchemaAttribute): void => {
        const key = storageKey(entity.name, attribute.column, attribute.type);
        if (!out.has(key)) out.set(key, { entity: entity.name, table: entity.table, column: attribute.column, type: attribute.type });
    };
    const entities = new Map<string, SchemaEntity>();
    const seen = new Set<string>();
    const visitNode = (node: JoinNode): void => {
        entities.set(node.entity.name, node.entity);
        add(node.entity, node.entity.key);
        if (node.step) add(entityOf(node.step.relationship.from), node.step.relationship.attribute);
        node.children.forEach(visitNode);
    };
    const entityOf = (name: string): SchemaEntity => {
        const e = entities.get(name);
        if (!e) throw new Error(`entity ${name} not seen in the plan`);
        return e;
    };
    const visitCondition = (c: Condition): void => {
        const stack: Condition[] = [c];
        while (stack.length > 0) {
            const x = stack.pop() as Condition;
            switch (x.node) {
                case 'and':
                case 'or':
                    stack.push(...x.items);
                    break;
                case 'not':
                    stack.push(x.item);
                    break;
                case 'compare':
                case 'in':
                case 'between':
                case 'match':
                case 'empty':
                    if (x.left.node === 'column') {
                        add(entityOf(x.left.attribute.entity), x.left.attribute);
                    } else {
                        const a = x.left;
                        entities.set(a.outer.entity.name, a.outer.entity);
                        add(a.outer.entity, a.outer.entity.key);
                        for (const { entity } of a.path) {
                            entities.set(entity.name, entity);
                            add(entity, entity.key);
                        }
                        for (const { step } of a.path) add(entityOf(step.relationship.from), step.relationship.attribute);
                        visitNode(a.target);
                        if (a.attribute) add(a.target.entity, a.attribute);
                        if (a.where) stack.push(a.where);
                    }
                    break;
                default:
                    assertUnreachable(x);
            }
        }
    };
    const visitPlan = (p: SegmentPlan): void => {
        if (seen.has(p.name)) return;
        seen.add(p.name);
        entities.set(p.audience.name, p.audience);
        add(p.audience, p.audience.key);
        for (const s of p.show) {
            for (const { step, entity } of s.path) {
                entities.set(entity.name, entity);
                add(entity, entity.key);
                add(entityOf(step.relationship.from), step.relationship.attribute);
            }
            add(entityOf(s.attribute.entity), s.attribute);
        }
        switch (p.kind) {
            case 'dynamic':
                for (const g of p.groups) {
                    visitNode(g.root);
                    visitCondition(g.condition);
                }
                break;
            case 'static':
                break;
            case 'compound':
                for (const part of p.parts) {
                    const inner = plans.get(part.segment);
                    if (inner) visitPlan(inner);
                }
                break;
            default:
                assertUnreachable(p);
        }
    };
    visitPlan(plan);
    return [...out.values()];
}
