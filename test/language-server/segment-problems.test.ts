import { describe, expect, test } from 'vitest';
import { SCHEMA, validate } from './support.js';

const dynamic = (condition: string): string => `dynamic segment A { audience Customer group { ${condition} } }`;

describe('problems the compiler finds, shown as diagnostics', () => {
    test.each([
        ['Customer.Name = 5', 'type-mismatch', 'Customer.Name is text, but this value is a number: compare it with a text in quotes, such as "Security".'],
        ['Customer.Birthday = true', 'type-mismatch', 'Customer.Birthday is a date, but this value is a boolean: compare it with a date such as 2027-02-14 or `today - 30 days`.'],
        ['Customer.Score contains "1"', 'text-operator-type', '`contains` works on text, but Customer.Score is a number.'],
        ['sum(Customer.Name) > 1', 'aggregate-type', '`sum` needs a number, but Customer.Name is text.']
    ])('%s: %s', async (condition, code, message) => {
        const result = await validate(dynamic(condition));
        expect(result.diagnostics.map(d => [d.code, d.message, d.severity])).toEqual([[code, message, 1]]);
    });

    test('segment-cycle names the cycle', async () => {
        const result = await validate('compound segment A { audience Customer B }\ncompound segment B { audience Customer A }');
        expect(result.diagnostics.map(d => [d.code, d.message])).toEqual([
            ['segment-cycle', 'A refers to itself: A → B → A. Remove one of these references.'],
            ['segment-cycle', 'B refers to itself: B → A → B. Remove one of these references.']
        ]);
    });

    test('inactive-reference is a hint on the reference', async () => {
        const result = await validate('compound segment C { Old union New }', {
            'schema.segment': SCHEMA,
            'other.segment': 'dynamic segment Old { status inactive audience Customer group { Score > 1 } }\ndynamic segment New { audience Customer group { Score < 1 } }'
        });
        expect(result.diagnostics.map(d => [d.code, d.message, d.severity])).toEqual([['inactive-reference', 'Old is inactive: it is not refreshed automatically, so C may use stale members.', 4]]);
    });
});
