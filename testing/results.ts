import type { KeyValue } from '../compiler/keys.js';
import type { EngineName } from '../engine/open-engine.js';

/** A test found in a workspace, ready to run or with the reasons it cannot. */
export interface SegmentTest {
    /** Stable while the file does not move the test: `file:line`. */
    readonly id: string;
    /** Absolute path of its `.segment` file. */
    readonly file: string;
    /** 1-based line of `test`. */
    readonly line: number;
    /** `Segment: title`, or `Segment as of D` for a test without a title (`Segment` without an instant either). */
    readonly name: string;
    readonly segment: string;
    /** Its plan; absent when the test has errors (`problems`). */
    readonly plan?: import('../compiler/test-plan.js').TestPlan;
    /** The test's own error diagnostics, as `line:col: message [code]`. */
    readonly problems: readonly string[];
}

/** One key that makes a check fail, with its explanation (Explain Membership, one line each). */
export interface KeyExplanation {
    readonly key: KeyValue;
    readonly lines: readonly string[];
}

export interface CheckResult {
    /** 1-based line of the check, and its text on one line. */
    readonly line: number;
    readonly text: string;
    readonly passed: boolean;
    /** Why it failed, in sentences; empty when it passed. */
    readonly message: string;
    /** What the check asks and what the run found, one line each (`count 173` / `count 169`), for a diff. */
    readonly expected: string;
    readonly actual: string;
    /** Key checks: the keys written, and those of them for which the check holds. */
    readonly expectedKeys?: readonly KeyValue[];
    readonly actualKeys?: readonly KeyValue[];
    /** The keys that make it fail (members missing, members that should not be, members outside the other segment...). */
    readonly differing: readonly KeyValue[];
    /** The explanations of the first differing keys in the tested segment. */
    readonly explanations: readonly KeyExplanation[];
}

export interface TestResult {
    readonly test: SegmentTest;
    readonly engine: EngineName;
    /** `error`: the test could not run (`error` says why, `errorKind` whose problem it is). */
    readonly status: 'passed' | 'failed' | 'error';
    /** `invalid`: the test or a segment it runs has errors; `data`: the database or a members file cannot be used, or an engine cannot be opened. */
    readonly errorKind?: 'invalid' | 'data';
    readonly checks: readonly CheckResult[];
    /** How many members the tested segment has in this run. */
    readonly count?: number;
    readonly error?: string;
    readonly ms: number;
}
