import type * as ast from '../grammar/generated/ast.js';

/** The profile schema, resolved from `entity` declarations: plain data, no AST. */
export type AttributeType = 'text' | 'number' | 'boolean' | 'date' | 'datetime';

export interface SchemaAttribute {
    readonly entity: string;
    readonly name: string;
    readonly type: AttributeType;
    readonly column: string;
    readonly description?: string;
    /** Entity whose key this attribute refers to (`-> Entity`). */
    readonly target?: string;
}

export interface SchemaEntity {
    readonly name: string;
    readonly table: string;
    readonly key: SchemaAttribute;
    /**
     * `time ATTR` (reference 6.1): when a record came into being; the entity is an event entity.
     * As declared: a time that is not a date or datetime is an error (`timeTypeOf`).
     */
    readonly time?: SchemaAttribute;
    /** The name after `time` when it names no attribute of the entity (an error, reported by the linker). */
    readonly unknownTime?: string;
    readonly attributes: ReadonlyMap<string, SchemaAttribute>;
}

/** The event time of an entity when it is a date or a datetime; `undefined` for an entity without `time`. */
export function eventTime(entity: SchemaEntity): (SchemaAttribute & { readonly type: 'date' | 'datetime' }) | undefined {
    const t = entity.time;
    return t && (t.type === 'date' || t.type === 'datetime') ? { ...t, type: t.type } : undefined;
}

/**
 * What is wrong with an entity's `time`, as a sentence starting with the entity's name, or
 * `undefined` when nothing is: a segment reading such an entity cannot say which of its records
 * exist, so it must not run.
 */
export function eventTimeFault(entity: SchemaEntity): string | undefined {
    if (entity.unknownTime !== undefined) return `${entity.name} has no attribute ${entity.unknownTime} to be its \`time\``;
    const t = entity.time;
    if (!t || eventTime(entity)) return undefined;
    return `the \`time\` of ${entity.name}, ${t.name}, is ${t.type === 'text' ? 'a text' : `a ${t.type}`}, not a date or a datetime`;
}

/** A foreign key `from.attribute -> to`; walkable both ways. */
export interface Relationship {
    /** `Entity.Attribute`, unique in the schema. */
    readonly id: string;
    readonly from: string;
    readonly attribute: SchemaAttribute;
    readonly to: string;
}

export class Schema {
    readonly entities = new Map<string, SchemaEntity>();
    readonly relationships: Relationship[] = [];

    constructor(entities: Iterable<SchemaEntity>) {
        for (const entity of entities) {
            if (!this.entities.has(entity.name)) this.entities.set(entity.name, entity);
        }
        for (const entity of this.entities.values()) {
            for (const attribute of entity.attributes.values()) {
                if (attribute.target && this.entities.has(attribute.target)) {
                    this.relationships.push({ id: `${entity.name}.${attribute.name}`, from: entity.name, attribute, to: attribute.target });
                }
            }
        }
    }

    entity(name: string): SchemaEntity | undefined {
        return this.entities.get(name);
    }

    attribute(entity: string, name: string): SchemaAttribute | undefined {
        return this.entities.get(entity)?.attributes.get(name);
    }
}

/** Builds the schema entity for one declaration; `undefined` when it is too broken to use (no key). */
export function entityFromAst(node: ast.Entity): SchemaEntity | undefined {
    const attributes = new Map<string, SchemaAttribute>();
    for (const a of node.attributes) {
        if (!a.name || attributes.has(a.name)) continue;
        attributes.set(a.name, {
            entity: node.name,
            name: a.name,
            type: (a.type ?? 'text') as AttributeType,
            column: a.column ?? a.name,
            ...(a.description !== undefined ? { description: a.description } : {}),
            ...(a.target ? { target: a.target.$refText } : {})
        });
    }
    const key = attributes.get(node.key?.$refText ?? '');
    if (!key) return undefined;
    const time = node.time ? attributes.get(node.time.$refText) : undefined;
    const unknownTime = node.time && !time ? node.time.$refText : undefined;
    return { name: node.name, table: node.table ?? node.name, key, ...(time ? { time } : {}), ...(unknownTime !== undefined ? { unknownTime } : {}), attributes };
}

export function schemaFromAst(entities: Iterable<ast.Entity>): Schema {
    const resolved: SchemaEntity[] = [];
    for (const e of entities) {
        const entity = entityFromAst(e);
        if (entity) resolved.push(entity);
    }
    return new Schema(resolved);
}
