/**
 * What the evaluator computes and the views show: plain JSON data shared by the evaluator
 * worker, the extension host and the webview scripts. No functions, no classes.
 */
export type SegmentKind = 'static' | 'dynamic' | 'compound';
export type SetOperatorName = 'union' | 'intersect' | 'exclude';
export type Key = string | number;
export type Cell = string | number | null;

/** A place in a `.segment` file (zero-based line and character, as in the LSP). */
export interface SourceLocation {
    readonly uri: string;
    readonly line: number;
    readonly character: number;
}

export interface SegmentProblem {
    readonly severity: 'error' | 'warning';
    readonly message: string;
    readonly location: SourceLocation;
}

export interface TrendPoint {
    /** The evaluation instant, `YYYY-MM-DD HH:MM:SS` (UTC). */
    readonly asOf: string;
    readonly count: number;
}

export interface MemberPage {
    readonly columns: readonly string[];
    readonly rows: readonly (readonly Cell[])[];
    /** Index of the first row in the whole member list. */
    readonly offset: number;
    readonly total: number;
    /** Rows per page, as asked for. */
    readonly pageSize: number;
}

/**
 * One `and` condition of a group and how many profiles remain after it and those before it; in
 * a sequence, one step of its funnel: the profiles in the sequence cut after that step (its
 * first steps in order and within their windows; for a `then no` step, the whole sequence).
 */
export interface ConditionStep {
    readonly text: string;
    readonly count: number;
    readonly location: SourceLocation;
    /** A sequence's `then no` step. */
    readonly none?: boolean;
}

/** What a dynamic segment combines: groups of conditions, and sequences (reference 6.3). */
export type BlockKind = 'group' | 'sequence';

export interface GroupBreakdown {
    readonly label: string;
    readonly block: BlockKind;
    readonly operator?: SetOperatorName;
    /** The block alone, before any set operation with the others. */
    readonly count: number;
    /** A group's conditions narrowing it, or a sequence's funnel (one entry per step). */
    readonly steps: readonly ConditionStep[];
    readonly location: SourceLocation;
}

/** A `top` or `sample` step (reference 6.6), applied after the groups or parts and the steps before it. */
export interface StepBreakdown {
    readonly step: 'top' | 'sample';
    /** The step as written, on one line: `top 100 by Customer.LifetimeValue`. */
    readonly text: string;
    /** Members before the step and after it. */
    readonly before: number;
    readonly after: number;
    readonly location: SourceLocation;
}

export interface PartBreakdown {
    readonly segment: string;
    readonly operator?: SetOperatorName;
    readonly count: number;
}

export interface MemberChanges {
    /** When the previous refresh happened; absent when there was none. */
    readonly since?: string;
    readonly entered: readonly Key[];
    readonly left: readonly Key[];
}

export interface SegmentHeader {
    readonly name: string;
    readonly title: string;
    readonly description?: string;
    readonly kind: SegmentKind;
    readonly audience: string;
    readonly active: boolean;
    readonly location: SourceLocation;
}

export interface SegmentReport {
    readonly header: SegmentHeader;
    readonly asOf: string;
    readonly count: number;
    readonly groups: readonly GroupBreakdown[];
    readonly parts: readonly PartBreakdown[];
    /** The `top` and `sample` steps, left to right. */
    readonly steps: readonly StepBreakdown[];
    readonly page: MemberPage;
    readonly changes: MemberChanges;
    readonly trend: readonly TrendPoint[];
    readonly sql: string;
    readonly elapsedMs: number;
}

/** What the preview shows: a result, the segment's errors, or why there is nothing. */
export type PreviewState =
    | { readonly state: 'result'; readonly report: SegmentReport }
    | { readonly state: 'errors'; readonly segment: string; readonly problems: readonly SegmentProblem[] }
    | { readonly state: 'empty'; readonly reason: string };

export type SegmentStatus = 'active' | 'inactive' | 'error';

export interface DashboardRow {
    readonly name: string;
    readonly title: string;
    readonly kind: SegmentKind;
    readonly audience: string;
    readonly status: SegmentStatus;
    readonly count?: number;
    /** Members gained (positive) or lost since the previous refresh. */
    readonly change?: number;
    readonly trend: readonly TrendPoint[];
    readonly location: SourceLocation;
    readonly error?: string;
}

/** Members shared between two segments of one audience. */
export interface OverlapMatrix {
    readonly audience: string;
    readonly segments: readonly string[];
    /** `counts[i][j]`: members in both segments i and j (the diagonal: the segment's size). */
    readonly counts: readonly (readonly number[])[];
}

export interface DashboardData {
    readonly asOf: string;
    readonly refreshedAt: string;
    readonly database?: string;
    /** The engine that ran the segments, as users name it (sql.js, DuckDB, PostgreSQL). */
    readonly engine: string;
    /** Where the history is kept, and a sentence when that is not beside the database or a save failed. */
    readonly history?: HistoryInfo;
    readonly rows: readonly DashboardRow[];
    readonly overlaps: readonly OverlapMatrix[];
    readonly elapsedMs: number;
}

/** The history store a view reads and writes. */
export interface HistoryInfo {
    readonly file: string;
    readonly note?: string;
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
