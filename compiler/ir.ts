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
    /** Measures whose value the group reads on this record (a comparison with an attribute): joined to it where it is read. */
    readonly measures: MeasurePlan[];
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

/**
 * A value computed for each record of `entity` from its related records (reference, 6.4): a
 * declared measure, or an aggregate compared with an attribute. A measure is lowered once per
 * model and the same object is shared by every plan that uses it; a statement computes it once
 * (`sql/measure-sql.ts`).
 */
export interface MeasurePlan {
    /** `Customer.LifetimeValue`; absent for an aggregate compared with an attribute. */
    readonly name?: string;
    readonly entity: SchemaEntity;
    /** The aggregate; its outer record stands for the measured record. */
    readonly aggregate: AggregateRef;
    /** `number` for count, sum and avg; the attribute's type for min and max. */
    readonly type: AttributeType;
}

/** A measure's value for one record of a join tree. */
export interface MeasureRef {
    readonly node: 'measure';
    readonly alias: string;
    readonly measure: MeasurePlan;
}

export type Operand = ColumnRef | AggregateRef | MeasureRef;

/** The right side of a comparison when it is an attribute or a measure (reference, 6.2), moved by its offsets. */
export interface OperandValue {
    readonly node: 'operand';
    readonly operand: ColumnRef | MeasureRef;
    readonly offsets: readonly TimeOffset[];
    /** The operand's own type (an offset keeps it). */
    readonly type: AttributeType;
}

export type Comparand = Literal | OperandValue;

/** The type in which a comparison is made: dates compare by calendar day. */
export type Domain = AttributeType;

export type CompareOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
    | { readonly node: 'and'; readonly items: readonly Condition[] }
    | { readonly node: 'or'; readonly items: readonly Condition[] }
    | { readonly node: 'not'; readonly item: Condition }
    /** With an `OperandValue` on the right, `left` is a column or a measure (an aggregate becomes a measure of the record it is counted for). */
    | { readonly node: 'compare'; readonly left: Operand; readonly operator: CompareOperator; readonly right: Comparand; readonly domain: Domain }
    | { readonly node: 'in'; readonly left: Operand; readonly values: readonly Literal[]; readonly negated: boolean; readonly domain: Domain }
    | { readonly node: 'between'; readonly left: Operand; readonly low: Literal; readonly high: Literal; readonly domain: Domain }
    | { readonly node: 'match'; readonly left: Operand; readonly mode: 'contains' | 'starts' | 'ends'; readonly value: string }
    | { readonly node: 'empty'; readonly left: Operand; readonly negated: boolean }
    | MemberCondition;

/** `E [not] in segment NAME` (reference, 6.5): the record `alias` of `entity` is (is not) a member of `segment`, at the same instant. */
export interface MemberCondition {
    readonly node: 'member';
    readonly alias: string;
    readonly entity: SchemaEntity;
    readonly segment: string;
    readonly negated: boolean;
}

export type SetOperator = 'union' | 'intersect' | 'exclude';

export interface GroupPlan {
    readonly node: 'group';
    readonly name?: string;
    /** Absent for the first group. */
    readonly operator?: SetOperator;
    readonly root: JoinNode;
    readonly condition: Condition;
}

/** An event entity's `time` attribute: a date or a datetime. */
export type TimeAttribute = SchemaAttribute & { readonly type: 'date' | 'datetime' };

/**
 * One step of a sequence (reference 6.3): records of `target.entity` related to the profile,
 * satisfying `where`, ordered by their `time`.
 */
export interface SequenceStep {
    /** The path from the audience to the step's entity, with the entity each step enters; empty when the step is the audience itself. */
    readonly path: readonly { readonly step: PathStep; readonly entity: SchemaEntity }[];
    /** The step's record: root of the `where` records. */
    readonly target: JoinNode;
    /** The step entity's `time` attribute, on `target.alias`. */
    readonly time: TimeAttribute;
    readonly where?: Condition;
    /** `then no`: no such record after the previous step's (only ever the last step). */
    readonly none: boolean;
    /** `within N UNIT`: at most this long after the previous step's record (never on the first step). */
    readonly within?: TimeOffset;
}

/** A sequence: a block of its own kind beside groups, combined with them by set operations. */
export interface SequencePlan {
    readonly node: 'sequence';
    readonly name?: string;
    /** Absent for the first block. */
    readonly operator?: SetOperator;
    /** The audience record the sequence is a condition on (no children). */
    readonly root: JoinNode;
    readonly steps: readonly SequenceStep[];
}

/** What a dynamic segment combines: groups and sequences. */
export type BlockPlan = GroupPlan | SequencePlan;

export type { KeyValue } from './keys.js';
import type { KeyValue } from './keys.js';

interface PlanBase {
    readonly name: string;
    readonly title: string;
    readonly description?: string;
    readonly audience: SchemaEntity;
    readonly active: boolean;
    readonly show: readonly ShowColumn[];
    /** Where the members go after each refresh (`activate`, reference section 7), in the order written. */
    readonly destinations: readonly DestinationPlan[];
}

/**
 * A destination a segment activates, resolved for that segment (reference, section 7): what a
 * refresher needs to send its members, and nothing is sent by planning or running.
 */
export type DestinationPlan =
    /** `path`: absolute, inside the workspace folder, `{segment}` replaced by the segment's name; `format` from its extension. */
    | { readonly name: string; readonly kind: 'file'; readonly path: string; readonly format: 'csv' | 'jsonl' }
    | { readonly name: string; readonly kind: 'webhook'; readonly url: string }
    /** `table`: a plain SQL name, in the engine's database (sql.js: the history store's file). */
    | { readonly name: string; readonly kind: 'table'; readonly table: string };

/** The value a `top` step orders members by: an attribute or a measure of the audience. */
export type TopValue = { readonly node: 'attribute'; readonly attribute: SchemaAttribute } | { readonly node: 'measure'; readonly measure: MeasurePlan };

/**
 * A step applied, left to right, to the members of everything before it (reference, 6.6).
 * Shares are in hundredths of a percent, exact: `1.4%` is 140.
 */
export type StepPlan =
    | {
        readonly node: 'top';
        readonly by: TopValue;
        /** `desc` (the default): largest values first. */
        readonly descending: boolean;
        readonly amount: { readonly kind: 'count'; readonly count: number } | { readonly kind: 'percent'; readonly hundredths: number };
    }
    | {
        readonly node: 'sample';
        readonly hundredths: number;
        /** The seed written, or the segment's name when none is. */
        readonly seed: string;
    };

/** An attribute or a measure listed by `show`, reached from the audience over to-one relationships. */
export type ShowColumn = {
    readonly label: string;
    /** The to-one relationships from the audience to the attribute's entity. */
    readonly path: readonly { readonly step: PathStep; readonly entity: SchemaEntity }[];
    readonly type: AttributeType;
} & ({ readonly attribute: SchemaAttribute; readonly measure?: undefined } | { readonly measure: MeasurePlan; readonly attribute?: undefined });

export type SegmentPlan =
    /** `groups`: the segment's groups and sequences, in order. */
    | (PlanBase & { readonly kind: 'dynamic'; readonly groups: readonly BlockPlan[]; readonly steps: readonly StepPlan[] })
    | (PlanBase & { readonly kind: 'static'; readonly members: { readonly kind: 'keys'; readonly keys: readonly KeyValue[] } | { readonly kind: 'file'; readonly path: string; /** The workspace folder: the file is read only from inside it. */ readonly within?: string } })
    | (PlanBase & { readonly kind: 'compound'; readonly parts: readonly { readonly operator?: SetOperator; readonly segment: string }[]; readonly steps: readonly StepPlan[] });

/** The steps of a plan (static segments have none). */
export function stepsOf(plan: SegmentPlan): readonly StepPlan[] {
    return plan.kind === 'static' ? [] : plan.steps;
}

/** The index of a plan's last `sample` step, -1 when it has none: its query starts from the keys that sample kept. */
export function lastSample(plan: SegmentPlan): number {
    const steps = stepsOf(plan);
    for (let i = steps.length - 1; i >= 0; i--) if (steps[i].node === 'sample') return i;
    return -1;
}

export function assertUnreachable(value: never): never {
    throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
