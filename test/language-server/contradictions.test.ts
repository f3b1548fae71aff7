import { expectNoIssues, expectWarning } from 'langium/test';
import { describe, expect, test } from 'vitest';
import * as ast from '../../grammar/generated/ast.js';
import { validate } from './support.js';

const group = (condition: string): string => `dynamic segment A {\n  audience Customer\n  group {\n    ${condition}\n  }\n}\n`;

function conditions(model: ast.Model): ast.Condition[] {
    const segment = model.segments[0] as ast.DynamicSegment;
    const flat = (c: ast.Condition): ast.Condition[] => (ast.isAndCondition(c) ? [...flat(c.left), c.right] : [c]);
    return flat((segment.groups[0] as ast.Group).condition);
}

describe('conditions that can never hold', () => {
    test('contradiction: one attribute equal to two values under `and`', async () => {
        const result = await validate(group('Product.Category = "Security" and Product.Category = "Gifts"'));
        expectWarning(result, 'Product.Category cannot be both "Security" and "Gifts": joined by `and`, both conditions are about one record, so this group is always empty. For either value use `in ("Security", "Gifts")`; for profiles with records of both, use two groups joined by `intersect`.',
            { node: conditions(result.document.parseResult.value)[1], code: 'contradiction' });
    });

    test('contradiction: `=` against an `in` list without that value, and `=` with `!=` of the same value', async () => {
        const a = await validate(group('Customer.City in ("Dublin", "Cork") and Customer.City = "Galway"'));
        expect(a.diagnostics.map(d => d.code)).toEqual(['contradiction']);
        const b = await validate(group('Customer.Score = 5 and Customer.Score != 5'));
        expect(b.diagnostics.map(d => d.code)).toEqual(['contradiction']);
    });

    test('empty-range: X < 5 and X > 10', async () => {
        const result = await validate(group('Customer.Score < 5 and Customer.Score > 10'));
        expectWarning(result, 'No value of Customer.Score is above 10 and below 5: this group is always empty. Check the two limits (did you mean `or`?).',
            { node: conditions(result.document.parseResult.value)[1], code: 'empty-range' });
    });

    test('empty-range: dates with before and after, and a strict bound at the same value', async () => {
        const a = await validate(group('Customer.Birthday before 2000-01-01 and Customer.Birthday after 2001-01-01'));
        expect(a.diagnostics.map(d => d.code)).toEqual(['empty-range']);
        const b = await validate(group('Customer.Score < 5 and Customer.Score >= 5'));
        expect(b.diagnostics.map(d => d.code)).toEqual(['empty-range']);
    });

    test('empty-range: between 10 and 5, alone', async () => {
        const result = await validate(group('Customer.Score between 10 and 5'));
        const between = conditions(result.document.parseResult.value)[0] as ast.BetweenCondition;
        expectWarning(result, '`between 10 and 5` is empty: the smaller value comes first. Write `between 5 and 10`.', { node: between, property: 'low', code: 'empty-range' });
    });

    test('warnings, not errors', async () => {
        const result = await validate(group('Customer.Score < 5 and Customer.Score > 10'));
        expect(result.diagnostics[0].severity).toBe(2);
    });

    test('no warning for what can hold: `or`, different records, different aggregates, ranges that meet', async () => {
        for (const condition of [
            'Product.Category = "Security" or Product.Category = "Gifts"',
            'Customer.Score >= 5 and Customer.Score <= 5',
            'Customer.Score > 5 and Customer.Score < 10 and Customer.Score != 7',
            'not Customer.City = "Cork" and Customer.City = "Dublin"',
            'Customer.City = "Dublin" and Product.Category = "Dublin"',
            'count(Purchase where Product.Category = "Security") > 1 and count(Purchase where Product.Category = "Gifts") > 1',
            'Customer.Birthday in last 30 days and Customer.Birthday before today'
        ]) {
            expectNoIssues(await validate(group(condition)));
        }
    });

    test('inside an aggregate where', async () => {
        const result = await validate(group('count(Purchase where Purchase.Amount > 10 and Purchase.Amount < 5) > 1'));
        expect(result.diagnostics.map(d => d.code)).toEqual(['empty-range']);
    });
});
