import * as ast from '../grammar/generated/ast.js';
import type { AttributeType } from '../compiler/schema.js';

/**
 * What `Entity.Name` names, read from the syntax tree: a declared attribute or a measure
 * (reference, 6.4), and its type, for completion and hover.
 */

/** A field's type: an attribute's declared type; `number` for `count`, `sum` and `avg`; the attribute's type for `min` and `max`. */
export function fieldType(field: ast.Field): AttributeType | undefined {
    if (ast.isAttribute(field)) return (field.type ?? undefined) as AttributeType | undefined;
    return aggregateType(field.aggregate);
}

export function aggregateType(aggregate: ast.Aggregate | undefined): AttributeType | undefined {
    if (!aggregate) return undefined;
    if (ast.isCountAggregate(aggregate) || aggregate.function === 'sum' || aggregate.function === 'avg') return 'number';
    const target = aggregate.attribute?.attribute?.ref;
    return target && ast.isAttribute(target) ? target.type as AttributeType : undefined;
}

/** Whether values of these two types may be compared (reference, 4 and 6.2): dates and datetimes with each other. */
export function comparable(a: AttributeType, b: AttributeType): boolean {
    const time = (t: AttributeType): boolean => t === 'date' || t === 'datetime';
    return a === b || (time(a) && time(b));
}
