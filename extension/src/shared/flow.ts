import type { BlockKind, PreviewState, SegmentHeader, SegmentKind, SetOperatorName, SourceLocation, StepBreakdown } from './data.js';

/**
 * The Flow view's data: a segment drawn as a diagram. Plain JSON shared by the evaluator, the
 * extension host and the flow webview.
 */

/**
 * One top-level `and` condition of a group; `count` is what remains after it and those before.
 * In a sequence, one step of its funnel: the profiles in the sequence cut after it.
 */
export interface FlowCondition {
    readonly text: string;
    readonly count?: number;
    readonly location: SourceLocation;
    /** A sequence's `then no` step. */
    readonly none?: boolean;
}

/** A group (its conditions narrowing the profiles) or a sequence (its funnel), the entities it joins, and its own count. */
export interface FlowGroup {
    readonly label: string;
    readonly block: BlockKind;
    readonly operator?: SetOperatorName;
    readonly count: number;
    readonly conditions: readonly FlowCondition[];
    /** Entities joined to the audience, each path written from the far entity to the audience. */
    readonly paths: readonly string[];
    readonly location: SourceLocation;
}

/** A segment in the diagram: the one shown, or a part of a compound segment (nested parts expanded). */
export interface FlowSegment {
    readonly name: string;
    readonly title: string;
    readonly kind: SegmentKind;
    readonly count: number;
    readonly location: SourceLocation;
    /** A dynamic segment's groups, left to right. */
    readonly groups: readonly FlowGroup[];
    /** A compound segment's parts, left to right. */
    readonly parts: readonly FlowPart[];
    /** The `top` and `sample` steps after the groups or parts, left to right. */
    readonly steps: readonly StepBreakdown[];
    /** Set when the parts are not expanded further (too deep). */
    readonly collapsed?: boolean;
}

export interface FlowPart {
    readonly operator?: SetOperatorName;
    readonly segment: FlowSegment;
}

export interface SegmentFlow {
    readonly header: SegmentHeader;
    readonly asOf: string;
    readonly root: FlowSegment;
    /** The engine that counted it, as users name it (sql.js, DuckDB, PostgreSQL). */
    readonly engine: string;
    readonly elapsedMs: number;
}

/** What the Flow view shows: the diagram, the segment's errors, or why there is nothing. */
export type FlowState =
    | { readonly state: 'result'; readonly flow: SegmentFlow }
    | Exclude<PreviewState, { readonly state: 'result' }>;
