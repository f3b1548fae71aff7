import { ProblemCodes } from '../compiler/problems.js';

/** Stable diagnostic codes: the compiler's, plus those of checks made on the syntax tree. */
export const IssueCodes = {
    ...ProblemCodes,
    DuplicateName: 'duplicate-name',
    DuplicateAttribute: 'duplicate-attribute',
    DuplicateProperty: 'duplicate-property',
    DuplicateDatabase: 'duplicate-database',
    MultipleDatabases: 'multiple-databases',
    SegmentCycle: 'segment-cycle',
    KeyNotInEntity: 'key-not-in-entity',
    SyntaxError: 'syntax-error'
} as const;
