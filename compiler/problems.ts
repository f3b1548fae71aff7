import type { AstNode } from 'langium';

/**
 * Every diagnostic code the compiler can report. Codes are stable: quick fixes, tests and
 * the command line key on them.
 */
export const ProblemCodes = {
    MissingAudience: 'missing-audience',
    UnknownEntity: 'unknown-entity',
    UnknownAttribute: 'unknown-attribute',
    UnknownSegment: 'unknown-segment',
    UnknownDestination: 'unknown-destination',
    NoPath: 'no-path',
    AmbiguousPath: 'ambiguous-path',
    ViaNotRelationship: 'via-not-relationship',
    TypeMismatch: 'type-mismatch',
    OperatorType: 'operator-type',
    TextOperatorType: 'text-operator-type',
    AggregateType: 'aggregate-type',
    NestedAggregate: 'nested-aggregate',
    WindowType: 'window-type',
    TimeUnitType: 'time-unit-type',
    InvalidDate: 'invalid-date',
    ShowUnreachable: 'show-unreachable',
    AudienceMismatch: 'audience-mismatch',
    KeyType: 'key-type',
    /** An entity's `time` is not a date or datetime attribute of it (reference 6.1). */
    TimeType: 'time-type',
    Incomplete: 'incomplete-condition',
    /** A measure inside an aggregate (its `where` included) or in another measure (reference, 6.4). */
    NestedMeasure: 'nested-measure',
    /** A time offset on an attribute that is not a date or a datetime (reference, 6.2). */
    OffsetType: 'offset-type',
    /** Months and years move by whole numbers. */
    OffsetAmount: 'offset-amount',
    // `top` and `sample` steps (reference, 6.6).
    PercentRange: 'percent-out-of-range',
    PercentPrecision: 'percent-precision',
    TopCount: 'top-count',
    TopAttribute: 'top-attribute',
    // Destinations and `activate` (reference, section 7).
    DestinationSharedFile: 'destination-shared-file',
    DestinationOutside: 'destination-outside-workspace',
    DestinationFormat: 'destination-file-format',
    DestinationPlaceholder: 'destination-placeholder',
    DestinationUrl: 'destination-webhook-url',
    DestinationTable: 'destination-table-name',
    DestinationTwice: 'destination-activated-twice',
    DestinationInvalid: 'destination-has-errors',
    InactiveNotSent: 'inactive-not-sent',
    // Sequences (reference 6.3).
    StepNotEvent: 'step-not-event',
    SequenceTooShort: 'sequence-one-step',
    NoStepNotLast: 'no-step-not-last',
    WithinOnFirstStep: 'within-first-step',
    WithinNotWhole: 'within-not-whole',
    /** A warning: `within 0 ...`, a window that holds no later record. */
    EmptyWithin: 'empty-within',
    // Segment tests (this project's addition).
    TestInstantMissing: 'test-instant-missing',
    TestInstantRelative: 'test-instant-relative',
    TestValueType: 'test-value-type',
    TestDuplicateAttribute: 'test-duplicate-attribute',
    TestDuplicateKey: 'test-duplicate-key',
    TestReason: 'test-reason',
    TestAudience: 'test-audience-mismatch',
    TestCount: 'test-count',
    TestShare: 'test-share-range',
    /** A warning: a test without a check. */
    TestNoChecks: 'test-no-checks'
} as const;

export type ProblemCode = typeof ProblemCodes[keyof typeof ProblemCodes];

export interface Problem {
    readonly severity: 'error' | 'warning' | 'info' | 'hint';
    readonly code: ProblemCode;
    readonly message: string;
    readonly node: AstNode;
    readonly property?: string;
    readonly index?: number;
    /** Extra facts for quick fixes (for example the competing relationships of an ambiguous path). */
    readonly data?: Readonly<Record<string, unknown>>;
}

export class ProblemSink {
    readonly problems: Problem[] = [];

    error(code: ProblemCode, message: string, node: AstNode, property?: string, data?: Record<string, unknown>): void {
        this.problems.push({ severity: 'error', code, message, node, ...(property ? { property } : {}), ...(data ? { data } : {}) });
    }

    warning(code: ProblemCode, message: string, node: AstNode, property?: string): void {
        this.problems.push({ severity: 'warning', code, message, node, ...(property ? { property } : {}) });
    }

    get hasErrors(): boolean {
        return this.problems.some(p => p.severity === 'error');
    }
}
