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

/** One `and` condition of a group and how many profiles remain after it and those before it. */
export interface ConditionStep {
    readonly text: string;
    readonly count: number;
    readonly location: SourceLocation;
}

export interface GroupBreakdown {
    readonly label: string;
    readonly operator?: SetOperatorName;
    readonly count: number;
    readonly steps: readonly ConditionStep[];
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
}

export interface ExplainedGroup {
    readonly label: string;
    readonly operator?: SetOperatorName;
    readonly passes: boolean;
    /** The group's top-level `and` conditions, each tested alone. */
    readonly conditions: readonly { readonly text: string; readonly passes: boolean; readonly location: SourceLocation }[];
    readonly location: SourceLocation;
}

export interface ExplainedPart {
    readonly segment: string;
    readonly operator?: SetOperatorName;
    readonly member: boolean;
    readonly location?: SourceLocation;
}
