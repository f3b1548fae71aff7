import type { PathStep } from './paths.js';
import type { AttributeType, SchemaAttribute, SchemaEntity } from './schema.js';
import type { TimeOffset } from './time.js';

/**
 * The intermediate form between the AST and SQL: resolved names, joins and types, no syntax.
 * Every union is tagged by `node` and consumed by exhaustive switches.
 */

/** A date or datetime constant, resolved against the evaluation clock when SQL is made. */
export interface TimeValue {
    readonly node: 'time';
    readonly base: { readonly kind: 'today' } | { readonly kind: 'now' } | { readonly kind: 'date'; readonly value: string } | { readonly kind: 'datetime'; readonly value: string };
    readonly offsets: readonly TimeOffset[];
    readonly type: 'date' | 'datetime';
}

export type Literal =
    | { readonly node: 'text'; readonly value: string }
    /** `integer`: the literal's exact value when it is an integer beyond 2^53 (`value` is then rounded). */
    | { readonly node: 'number'; readonly value: number; readonly integer?: bigint }
    | { readonly node: 'boolean'; readonly value: boolean }
    | TimeValue;

/** One record in a join tree: the audience at the root, related entities below. */
export interface JoinNode {
    readonly alias: string;
    readonly entity: SchemaEntity;
    /** How this record is reached from its parent (absent at the root). */
    readonly step?: PathStep;
    readonly children: JoinNode[];
}

export interface ColumnRef {
    readonly node: 'column';
    readonly alias: string;
    readonly attribute: SchemaAttribute;
}

export interface AggregateRef {
    readonly node: 'aggregate';
    readonly fn: 'count' | 'sum' | 'avg' | 'min' | 'max';
    /** The path from the outer record to the aggregated entity, with the entity each step enters. */
    readonly path: readonly { readonly step: PathStep; readonly entity: SchemaEntity }[];
    /** The aggregated entity's record: root of the `where` records. */
    readonly target: JoinNode;
    /** The aggregated attribute (absent for count), on `target.alias`. */
    readonly attribute?: SchemaAttribute;
    readonly where?: Condition;
    /** The outer record the aggregate is correlated with. */
    readonly outer: { readonly alias: string; readonly entity: SchemaEntity };
}

export type Operand = ColumnRef | AggregateRef;

/** The type in which a comparison is made: dates compare by calendar day. */
export type Domain = AttributeType;

export type CompareOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
    | { readonly node: 'and'; readonly items: readonly Condition[] }
    | { readonly node: 'or'; readonly items: readonly Condition[] }
    | { readonly node: 'not'; readonly item: Condition }
    | { readonly node: 'compare'; readonly left: Operand; readonly operator: CompareOperator; readonly right: Literal; readonly domain: Domain }
    | { readonly node: 'in'; readonly left: Operand; readonly values: readonly Literal[]; readonly negated: boolean; readonly domain: Domain }
    | { readonly node: 'between'; readonly left: Operand; readonly low: Literal; readonly high: Literal; readonly domain: Domain }
    | { readonly node: 'match'; readonly left: Operand; readonly mode: 'contains' | 'starts' | 'ends'; readonly value: string }
    | { readonly node: 'empty'; readonly left: Operand; readonly negated: boolean };

export type SetOperator = 'union' | 'intersect' | 'exclude';

export interface GroupPlan {
    readonly name?: string;
    /** Absent for the first group. */
    readonly operator?: SetOperator;
    readonly root: JoinNode;
    readonly condition: Condition;
}

export type { KeyValue } from './keys.js';
import type { KeyValue } from './keys.js';

interface PlanBase {
    readonly name: string;
    readonly title: string;
    readonly description?: string;
    readonly audience: SchemaEntity;
    readonly active: boolean;
    readonly show: readonly ShowColumn[];
}

/** An attribute listed by `show`, reached from the audience over to-one relationships. */
export interface ShowColumn {
    readonly label: string;
    /** The to-one relationships from the audience to the attribute's entity. */
    readonly path: readonly { readonly step: PathStep; readonly entity: SchemaEntity }[];
    readonly attribute: SchemaAttribute;
}

export type SegmentPlan =
    | (PlanBase & { readonly kind: 'dynamic'; readonly groups: readonly GroupPlan[] })
    | (PlanBase & { readonly kind: 'static'; readonly members: { readonly kind: 'keys'; readonly keys: readonly KeyValue[] } | { readonly kind: 'file'; readonly path: string; /** The workspace folder: the file is read only from inside it. */ readonly within?: string } })
    | (PlanBase & { readonly kind: 'compound'; readonly parts: readonly { readonly operator?: SetOperator; readonly segment: string }[] });

export function assertUnreachable(value: never): never {
    throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
