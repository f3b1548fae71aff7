import type { EngineName } from '../../../engine/open-engine.js';
import type { DashboardData, Key, MembershipExplanation, PreviewState, SegmentKind, SourceLocation } from '../shared/data.js';
import type { FlowState } from '../shared/flow.js';

/**
 * Messages between the extension host and the evaluator worker thread. Every request has an
 * id; the worker answers each with one response carrying the same id (or `cancelled`).
 */
export interface EvaluationContext {
    /** The workspace folder: every `.segment` file under it forms one model. */
    readonly root: string;
    /** "As of" date or datetime; absent means now. */
    readonly asOf?: string;
    /** The history store; absent means `<database>.history.sqlite` beside the database. */
    readonly historyFile?: string;
    /** The extension's own storage folder: the history goes there when the database's folder cannot be written. */
    readonly storageFolder?: string;
    /** The engine the user picked (`segments.engine`); absent means sql.js. */
    readonly engine?: EngineName;
    /** For the PostgreSQL engine: the server and the schema holding the tables. */
    readonly postgresUrl?: string;
    readonly postgresSchema?: string;
}

export type EvaluatorRequest =
    | { readonly op: 'preview'; readonly segment?: string; readonly uri?: string; readonly offset?: number; readonly pageOffset: number; readonly pageSize: number }
    | { readonly op: 'flow'; readonly segment?: string; readonly uri?: string; readonly offset?: number }
    | { readonly op: 'dashboard'; readonly record: boolean }
    | { readonly op: 'sql'; readonly segment: string }
    | { readonly op: 'explain'; readonly segment: string; readonly key: Key }
    | { readonly op: 'exportCsv'; readonly segment: string; readonly file: string }
    | { readonly op: 'freeze'; readonly segment: string }
    | { readonly op: 'backfill'; readonly from: string; readonly to: string; readonly stepDays: number }
    | { readonly op: 'generateSchema'; readonly database: string }
    | { readonly op: 'segments' }
    | { readonly op: 'outline' }
    | { readonly op: 'simulateDay' }
    /** Every segment test of the workspace (`test SEGMENT "title" as of D { ... }`), from unsaved text too. */
    | { readonly op: 'tests' }
    /** Runs the tests with these ids (all when absent) on the picked engine, in file and line order. */
    | { readonly op: 'runTests'; readonly ids?: readonly string[] };

/** A segment test as the Testing view lists it. */
export interface TestListItem {
    /** `file:line`, stable while the test does not move. */
    readonly id: string;
    readonly file: string;
    /** 1-based line of `test`. */
    readonly line: number;
    /** Its title, or `as of D` (the segment's name when it has neither). */
    readonly label: string;
    readonly segment: string;
}

/** An error inside a test, where it is (1-based line and column). */
export interface TestProblem {
    readonly line: number;
    readonly column: number;
    readonly message: string;
}

/** One check's outcome, ready for a diff. */
export interface TestCheckOutcome {
    /** 1-based line of the check. */
    readonly line: number;
    readonly text: string;
    readonly passed: boolean;
    readonly message: string;
    readonly expected: string;
    readonly actual: string;
    /** Explain Membership's lines for the first keys that make it fail. */
    readonly explanations: readonly string[];
}

/** One test's run on the picked engine. */
export interface TestOutcome {
    readonly id: string;
    readonly status: 'passed' | 'failed' | 'error';
    readonly ms: number;
    readonly checks: readonly TestCheckOutcome[];
    /** Why it could not run; with `problems` at their lines when the test itself has errors. */
    readonly error?: string;
    readonly problems: readonly TestProblem[];
}

/** What Generate Schema made: the text, and what it left out because the workspace declares it. */
export interface GeneratedSchemaText {
    readonly text: string;
    /** Entities written: tables no entity of the workspace reads yet. */
    readonly entities: number;
    /** Entities left out because the workspace already declares them. */
    readonly declared: number;
    /** Columns of declared tables that no attribute reads (listed in comments, ready to paste). */
    readonly undeclaredColumns: number;
}

/** The workspace for the Segments side bar: its segments and its schema, parsed, not run. */
export interface WorkspaceOutline {
    readonly segments: readonly OutlineSegment[];
    readonly entities: readonly OutlineEntity[];
}

export interface OutlineSegment {
    readonly name: string;
    readonly title: string;
    readonly kind: SegmentKind;
    /** Absent when the segment has errors. */
    readonly audience?: string;
    readonly location: SourceLocation;
}

export interface OutlineEntity {
    readonly name: string;
    readonly table?: string;
    readonly key?: string;
    readonly time?: string;
    readonly location: SourceLocation;
    readonly attributes: readonly { readonly name: string; readonly type: string; readonly description?: string; readonly target?: string; readonly location: SourceLocation }[];
    readonly measures: readonly { readonly name: string; readonly description?: string; readonly location: SourceLocation }[];
}

export interface SegmentListItem {
    readonly name: string;
    readonly kind: string;
    readonly uri: string;
    readonly line: number;
}

/** The result type of each request, by `op`. */
export interface EvaluatorResults {
    preview: PreviewState;
    flow: FlowState;
    dashboard: DashboardData;
    sql: string;
    explain: MembershipExplanation;
    exportCsv: { readonly rows: number; readonly file: string };
    freeze: { readonly text: string; readonly count: number };
    backfill: { readonly points: number; readonly segments: number };
    generateSchema: GeneratedSchemaText;
    segments: readonly SegmentListItem[];
    outline: WorkspaceOutline;
    simulateDay: { readonly day: string; readonly purchases: number; readonly interactions: number };
    tests: readonly TestListItem[];
    runTests: readonly TestOutcome[];
}

/** What a request sends ahead of its whole answer, by `op`: each test's outcome; the preview before its breakdown; the dashboard as its rows are counted. */
export interface EvaluatorProgress {
    runTests: TestOutcome;
    preview: PreviewState;
    dashboard: DashboardData;
}

export type ProgressOp = keyof EvaluatorProgress;

/** The progress a request of `op` may send (none for most). */
export type ProgressOf<K extends EvaluatorRequest['op']> = K extends ProgressOp ? EvaluatorProgress[K] : never;

export type HostToWorker =
    | { readonly type: 'request'; readonly id: number; readonly context: EvaluationContext; readonly request: EvaluatorRequest }
    | { readonly type: 'cancel'; readonly id: number }
    /** Unsaved editor text by file path; `text` absent means the file on disk is current again. */
    | { readonly type: 'overlay'; readonly file: string; readonly text?: string }
    /** Files or the database changed on disk: drop cached models and engines. */
    | { readonly type: 'invalidate' };

/** A database file a request read into a new copy (sql.js, or DuckDB's copy of a SQLite file), and its size. */
export interface DatabaseOpened {
    readonly root: string;
    readonly engine: EngineName;
    readonly file: string;
    readonly bytes: number;
}

export type WorkerToHost =
    | { readonly type: 'result'; readonly id: number; readonly result: EvaluatorResults[EvaluatorRequest['op']] }
    /** Sent once per copy read, after the request that read it: the host may suggest another engine for a big file. */
    | ({ readonly type: 'opened' } & DatabaseOpened)
    /** Part of an answer before the whole (`EvaluatorProgress`). */
    | { readonly type: 'progress'; readonly id: number; readonly value: EvaluatorProgress[ProgressOp] }
    /** `code`: a stable code the host acts on (`engine-not-installed`: offer sql.js). */
    | { readonly type: 'error'; readonly id: number; readonly message: string; readonly code?: string }
    | { readonly type: 'cancelled'; readonly id: number };
