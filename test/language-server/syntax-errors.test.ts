import { expectError } from 'langium/test';
import { describe, expect, test } from 'vitest';
import { codesOf, validate } from './support.js';

const segment = (body: string): string => `dynamic segment A {\n  audience Customer\n  group {\n    ${body}\n  }\n}\n`;

describe('syntax errors', () => {
    test('a missing value says a value is expected, not a token list', async () => {
        const result = await validate(segment('Customer.Name ='));
        expectError(result, 'Expected a value (a text in quotes, a number, a date, `true`, `false`, `today` or `now`) or an attribute (`Entity.Attribute`) here, but found `}`.', { code: 'syntax-error', offset: result.document.textDocument.getText().indexOf('}'), length: 1 });
        expect(codesOf(result)).toEqual(['syntax-error']);
    });

    test('a missing operator asks for a comparison', async () => {
        const result = await validate(segment('Customer.Name "Ann"'));
        expect(codesOf(result)).toEqual(['syntax-error']);
        expect(result.diagnostics[0].message).toBe('Expected a comparison (`=`, `!=`, `<`, `>`, `in`, `between`, `contains`, `is empty`, ...) here, but found `"Ann"`.');
    });

    test('a misspelt keyword is named', async () => {
        const result = await validate('dynamic segment A {\n  audience Customer\n  titl "x"\n  group { Customer.Score > 1 }\n}\n');
        expect(result.diagnostics[0]).toMatchObject({ code: 'syntax-error', message: 'Expected `group` or `sequence` here, but found `titl`. Did you mean `title`?' });
    });

    test('a dangling `and` asks for a condition', async () => {
        const result = await validate(segment('Customer.Score > 1 and'));
        expect(result.diagnostics.map(d => d.message)).toEqual(['Expected a condition (`Entity.Attribute`, `not`, `(` or an aggregate such as `count(Entity)`) here, but found `}`.']);
    });

    test('an unknown character is a syntax error too', async () => {
        const result = await validate(segment('Customer.Score > 1 $'));
        expect(result.diagnostics[0]).toMatchObject({ code: 'syntax-error', message: 'Unexpected character `$`: it is not part of the segment language. Text goes in double quotes.' });
    });

    test('one closing brace too many', async () => {
        const result = await validate(`${segment('Customer.Score > 1')}}\n`);
        expect(result.diagnostics.map(d => [d.code, d.message])).toEqual([['syntax-error', 'Unexpected `}`. There may be one `}` too many.']]);
    });

    test('no message is a raw token dump', async () => {
        const inputs = ['dynamic segment { }', 'entity E key', 'static segment S { audience Customer members }', segment('Customer.Score between 1'), segment('count(Purchase where) > 1'), 'compound segment C { union }'];
        for (const input of inputs) {
            const result = await validate(input);
            for (const d of result.diagnostics.filter(x => x.code === 'syntax-error')) {
                expect(d.message).not.toMatch(/Token sequences|token of type|->|\[ID\]|MismatchedTokenException/);
            }
            expect(result.diagnostics.some(d => d.code === 'syntax-error')).toBe(true);
        }
    });
});
