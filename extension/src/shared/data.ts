/**
 * What the evaluator computes and the views show: plain JSON data shared by the evaluator
 * worker, the extension host and the webview scripts. No functions, no classes.
 */
import type { BlockKind, Explanation, ExplainedCondition, ExplainedGroup, ExplainedPart, ExplainedRecords, ExplainedStep, Key, SegmentKind, SetOperatorName, SourceLocation } from '../../../explain/types.js';

export type { BlockKind, Explanation, ExplainedCondition, ExplainedGroup, ExplainedPart, ExplainedRecords, ExplainedStep, Key, SegmentKind, SetOperatorName, SourceLocation };
export type Cell = string | number | null;


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

/** A destination a segment activates and where its delivery stands (the dashboard, the details view). */
export interface DestinationView {
    readonly name: string;
    readonly kind: 'file' | 'webhook' | 'table';
    /** A file's path (relative to the workspace folder), a webhook's URL, a table's name. */
    readonly target: string;
    /**
     * `delivered`: the latest refresh was written (file, table) or every event answered (webhook);
     * `waiting`: webhook events queued, not answered yet; `failing`: the latest attempt failed;
     * `never`: not sent yet.
     */
    readonly state: 'delivered' | 'waiting' | 'failing' | 'never';
    /** The latest run written (delivered up to, for a webhook), and when, `YYYY-MM-DD HH:MM:SS` UTC. */
    readonly run?: number;
    readonly at?: string;
    readonly failingSince?: string;
    readonly error?: string;
    /** The state in one phrase, as the views show it. */
    readonly summary: string;
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
    /** The destinations it activates, in the order written. */
    readonly destinations: readonly DestinationView[];
    readonly sql: string;
    /** The engine that ran the segment, as users name it (sql.js, DuckDB, PostgreSQL). */
    readonly engine: string;
    readonly elapsedMs: number;
    /**
     * The count, members, changes and SQL are known; the groups, parts and steps are still
     * being counted (the whole report follows).
     */
    readonly breakdownPending?: boolean;
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
    /** The destinations it activates (absent when none). */
    readonly destinations?: readonly DestinationView[];
    readonly location: SourceLocation;
    readonly error?: string;
    /** Not counted yet: the dashboard is still counting (`DashboardData.counting`). */
    readonly pending?: boolean;
}

/** Members shared between two segments of one audience. */
export interface OverlapMatrix {
    readonly audience: string;
    readonly segments: readonly string[];
    /** `counts[i][j]`: members in both segments i and j (the diagonal: the segment's size). */
    readonly counts: readonly (readonly number[])[];
}

/** Explain Membership's answer, with the engine that ran its queries (sql.js, DuckDB, PostgreSQL). */
export type MembershipExplanation = Explanation & { readonly engine: string };

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
    /** Rows as their counts arrive: the whole dashboard, with its overlaps, follows. */
    readonly counting?: boolean;
}

/** The history store a view reads and writes. */
export interface HistoryInfo {
    readonly file: string;
    readonly note?: string;
}

