import type { BlockPlan, Condition, GroupPlan, JoinNode, Literal, SegmentPlan } from '../compiler/ir.js';
import type { KeyValue } from '../compiler/keys.js';
import type { SchemaAttribute } from '../compiler/schema.js';
import type { StorageFacts } from '../compiler/storage.js';

type DynamicPlan = Extract<SegmentPlan, { kind: 'dynamic' }>;

/**
 * A dynamic segment's plan cut to one profile, for Explain Membership: each group also asks
 * that the audience record's key be `key`, and that each record joined straight to it hold
 * `key` in its foreign key, so the compiler writes each semi-join over that profile's related
 * records (an index lookup) instead of over the whole table. The same profile is in the cut
 * plan exactly when it is in the plan: a group's related records are joined to the audience
 * record by that equality. A column whose values are not all stored plainly is left
 * unfiltered (read through a conversion, no index would serve it, and the conversions of a key
 * and of a number could differ on odd values). Sequences are left as they are: Explain reads a
 * sequence's records for the key itself.
 */
export function keyFiltered(plan: DynamicPlan, key: KeyValue, storage: StorageFacts): DynamicPlan {
    return { ...plan, groups: plan.groups.map(b => filteredBlock(b, plan.audience.key, key, storage)) };
}

function filteredBlock(block: BlockPlan, audienceKey: SchemaAttribute, key: KeyValue, storage: StorageFacts): BlockPlan {
    if (block.node !== 'group') return block;
    const items: Condition[] = [];
    const own = equalsKey(block.root.alias, audienceKey, key, storage);
    if (!own) return block;
    items.push(own);
    for (const child of block.root.children) {
        const fk = foreignKeyToRoot(child);
        const linked = fk && fk.type === audienceKey.type ? equalsKey(child.alias, fk, key, storage) : undefined;
        if (linked) items.push(linked);
    }
    const rest = block.condition.node === 'and' ? block.condition.items : [block.condition];
    const group: GroupPlan = { ...block, condition: { node: 'and', items: [...items, ...rest] } };
    return group;
}

/** The child's attribute that refers to its parent's key (a purchase's customer), when the step goes that way. */
function foreignKeyToRoot(child: JoinNode): SchemaAttribute | undefined {
    const step = child.step;
    if (!step) return undefined;
    // The relationship is declared on the entity holding the foreign key; from the parent's side, that is the child.
    return step.relationship.from === step.from ? undefined : step.relationship.attribute;
}

function equalsKey(alias: string, attribute: SchemaAttribute, key: KeyValue, storage: StorageFacts): Condition | undefined {
    if (!storage.of(attribute).plain) return undefined;
    if (attribute.type !== 'number' && attribute.type !== 'text') return undefined;
    const literal: Literal | undefined = attribute.type === 'text'
        ? (typeof key === 'string' ? { node: 'text', value: key } : undefined)
        : typeof key === 'bigint' ? { node: 'number', value: Number(key), integer: key }
        : typeof key === 'number' ? { node: 'number', value: key } : undefined;
    if (!literal) return undefined;
    return { node: 'compare', left: { node: 'column', alias, attribute }, operator: '=', right: literal, domain: attribute.type };
}
