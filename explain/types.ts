/**
 * What Explain Membership says about one key, as plain JSON data: the views show it, and
 * `segments test` reads it to say why a profile is out.
 */
export type SegmentKind = 'static' | 'dynamic' | 'compound';
export type SetOperatorName = 'union' | 'intersect' | 'exclude';
export type Key = string | number;
export type BlockKind = 'group' | 'sequence';

/** A place in a `.segment` file (zero-based line and character, as in the LSP). */
export interface SourceLocation {
    readonly uri: string;
    readonly line: number;
    readonly character: number;
}

/** Explain Membership: which groups and conditions one key passes, or which parts hold it. */
export interface Explanation {
    readonly segment: string;
    readonly title: string;
    readonly kind: SegmentKind;
    readonly audience: string;
    readonly location: SourceLocation;
    readonly key: Key;
    /** Whether the key is a profile of the audience at all, at the run's instant. */
    readonly exists: boolean;
    /**
     * The key is in the data, but its profile does not exist at the run's instant: the audience
     * is an event entity and the profile's time is later, or missing (reference 6.1).
     */
    readonly later?: { readonly time: string; readonly asOf: string };
    readonly member: boolean;
    readonly groups: readonly ExplainedGroup[];
    readonly parts: readonly ExplainedPart[];
    /** The `top` and `sample` steps, left to right, after the groups or parts. */
    readonly steps: readonly ExplainedStep[];
}

export interface ExplainedGroup {
    readonly label: string;
    readonly block: BlockKind;
    readonly operator?: SetOperatorName;
    readonly passes: boolean;
    /**
     * A group's top-level `and` conditions, each tested alone; a sequence's steps, each passing
     * when the profile is in the sequence cut after it, with what was found (`detail`).
     */
    readonly conditions: readonly ExplainedCondition[];
    readonly location: SourceLocation;
    /**
     * A group over related records: its conditions must hold on the same records (one joined
     * row). The profile's rows closest to passing, and which conditions fail on each.
     */
    readonly records?: ExplainedRecords;
}

/** One profile's joined rows in a group, for Explain Membership. */
export interface ExplainedRecords {
    /** The related entities each row joins, in order (the audience's record left out). */
    readonly entities: readonly string[];
    /** How many joined rows the profile has (counted up to `cap`). */
    readonly rows: number;
    readonly cap: number;
    /** The rows meeting most conditions, best first: their records' keys (as `entities`), and the indices of the conditions (in `conditions`) that fail on them. */
    readonly closest: readonly { readonly keys: readonly Key[]; readonly failing: readonly number[] }[];
}

export interface ExplainedCondition {
    readonly text: string;
    readonly passes: boolean;
    readonly location: SourceLocation;
    /** A sequence step: the record of the chain found for it, or why there is none, in a sentence. */
    readonly detail?: string;
    /** A sequence step: the time of its record in the chain found (`YYYY-MM-DD HH:MM:SS`, a date time as its date). */
    readonly time?: string;
}

/** One `top` or `sample` step for one profile: in the members before it, and kept by it or not, and why. */
export interface ExplainedStep {
    readonly step: 'top' | 'sample';
    readonly text: string;
    readonly location: SourceLocation;
    /** The profile is among the members before the step. */
    readonly before: boolean;
    /** The profile is among the members after it. */
    readonly passes: boolean;
    /** What the step did with it, in a sentence (its rank and value against the cut-off, or its hash against the share). */
    readonly detail: string;
}

export interface ExplainedPart {
    readonly segment: string;
    readonly operator?: SetOperatorName;
    readonly member: boolean;
    readonly location?: SourceLocation;
}
