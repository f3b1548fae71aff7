import type { KeyValue } from './keys.js';
import type { AttributeType } from './schema.js';
import type { Clock } from './time.js';

/**
 * A segment test (this project's addition to the language), lowered: the segment it runs, its
 * instant, its own data (or none: the workspace database) and what must hold. Plain data; the
 * runner (`testing/`) builds the data and compares.
 */
export interface TestPlan {
    readonly segment: string;
    readonly title?: string;
    /** The instant as written (`2027-02-11`, `2027-02-11T09:30:00`), and the clock it gives. */
    readonly asOf: string;
    readonly clock: Clock;
    /** The test's own records, every table of the schema (empty ones included); absent: the workspace database. */
    readonly data?: readonly TestTable[];
    readonly checks: readonly CheckPlan[];
    /** 1-based line of `test` in its file. */
    readonly line: number;
}

/** A table of a test's data: the columns its entities declare, and the rows written for them. */
export interface TestTable {
    readonly name: string;
    readonly columns: readonly TestColumn[];
    /** One cell per column, in column order; null where the row names no value (missing). */
    readonly rows: readonly (readonly TestCell[])[];
}

export interface TestColumn {
    readonly name: string;
    readonly type: AttributeType;
}

/** A stored value: text as written, numbers exact (bigints beyond 2^53), booleans 0/1, times as `YYYY-MM-DD[ HH:MM:SS]`. */
export type TestCell = string | number | bigint | null;

/** Why a profile is out (`not members K by R`), as Explain Membership says it. */
export type TestReason =
    /** A group or sequence of a dynamic segment, by position (0-based), with its label. */
    | { readonly kind: 'block'; readonly index: number; readonly label: string }
    /** A part of a compound segment, by position (0-based): the segment it names. */
    | { readonly kind: 'part'; readonly index: number; readonly segment: string }
    | { readonly kind: 'step'; readonly step: 'top' | 'sample' };

interface CheckBase {
    /** 1-based line of the check. */
    readonly line: number;
    /** The check as written, on one line. */
    readonly text: string;
}

export type CheckPlan = CheckBase & (
    | { readonly node: 'members'; readonly keys: readonly KeyValue[] }
    | { readonly node: 'not-members'; readonly keys: readonly KeyValue[]; readonly reason?: TestReason }
    /** `count N` (low = high) or `count between L and H`, inclusive. */
    | { readonly node: 'count'; readonly low: number; readonly high: number }
    /** `count P% of T within D%`: 100 × members / members of T is within D of P. */
    | { readonly node: 'share'; readonly of: string; readonly percent: number; readonly tolerance: number }
    | { readonly node: 'subset'; readonly of: string }
    | { readonly node: 'disjoint'; readonly of: string }
);
