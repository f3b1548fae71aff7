import { ProblemCodes } from '../compiler/problems.js';
import { MembersFileCodes } from '../engine/members-file.js';

/** Stable diagnostic codes: the compiler's, plus those of checks made on the syntax tree and the data. */
export const IssueCodes = {
    ...ProblemCodes,
    // `members from "FILE"`: the file outside the workspace folder, missing, unreadable, not UTF-8, or bad lines.
    ...MembersFileCodes,
    DuplicateName: 'duplicate-name',
    DuplicateAttribute: 'duplicate-attribute',
    DuplicateProperty: 'duplicate-property',
    DuplicateDatabase: 'duplicate-database',
    MultipleDatabases: 'multiple-databases',
    SegmentCycle: 'segment-cycle',
    // Measures (reference, 6.4): named like an attribute of their entity, or like another of its measures.
    MeasureNameTaken: 'measure-name-taken',
    DuplicateMeasure: 'duplicate-measure',
    KeyNotInEntity: 'key-not-in-entity',
    SyntaxError: 'syntax-error',
    // A condition nested beyond the limit the parser can take (the limit is in the message).
    TooDeep: 'too-deep',
    // Conditions that can never hold (warnings).
    Contradiction: 'contradiction',
    EmptyRange: 'empty-range',
    // Compound segments.
    InactiveReference: 'inactive-reference',
    // Checks against the database named by `database`.
    DatabaseMissing: 'database-missing',
    DatabaseUnreadable: 'database-unreadable',
    TableMissing: 'table-missing',
    ColumnMissing: 'column-missing',
    MemberNotFound: 'member-not-found',
    // Stored values (reference, section 2): values that fit no form of the type, a key that is
    // not unique, a declared type that does not fit most of the column (warnings).
    UnreadableValues: 'unreadable-values',
    DuplicateKeys: 'duplicate-keys',
    TypeMismatch: 'type-mismatch',
    ValueNotFound: 'value-not-found',
    // Records of an event entity whose time is missing or unreadable: they exist at no instant (reference 6.1).
    MissingTime: 'missing-time'
} as const;

export type IssueCode = typeof IssueCodes[keyof typeof IssueCodes];
