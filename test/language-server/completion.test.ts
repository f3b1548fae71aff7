import { expectCompletion, parseHelper } from 'langium/test';
import { describe, expect, test } from 'vitest';
import { CompletionItemKind } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import { SCHEMA, services, sqliteFile } from './support.js';
import type { AttributeRef, CompareCondition, DynamicSegment, Group, Model } from '../../grammar/generated/ast.js';

async function withSchema(extra = '', database?: string): Promise<ReturnType<typeof expectCompletion>> {
    const s = services();
    await parseHelper(s)(`${database ? `database ${JSON.stringify(database)}\n` : ''}${SCHEMA}\n${extra}`, { documentUri: URI.file('/ws/schema.segment').toString() });
    return expectCompletion(s);
}

const inGroup = (condition: string): string => `dynamic segment A {\n  audience Customer\n  group {\n    ${condition}\n  }\n}`;

describe('completion', () => {
    test('attributes after `Entity.`, with type and description', async () => {
        const complete = await withSchema();
        await complete({
            text: inGroup('Customer.<|>'), index: 0, disposeAfterCheck: true,
            assert: list => {
                expect(list.items.map(i => i.label)).toEqual(['CustomerId', 'Name', 'City', 'Score', 'DoNotCall', 'Birthday']);
                expect(list.items.find(i => i.label === 'City')).toMatchObject({ detail: 'text (column city)', documentation: 'Home city' });
            }
        });
    });

    test('operators that fit a number, a text and a boolean', async () => {
        const complete = await withSchema();
        await complete({ text: inGroup('Customer.Score <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['=', '!=', '<=', '>=', '<', '>', 'not', 'in', 'between', 'is'] });
        await complete({ text: inGroup('Customer.City <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['=', '!=', '<=', '>=', '<', '>', 'not', 'in', 'between', 'contains', 'starts', 'ends', 'is'] });
        await complete({ text: inGroup('Customer.DoNotCall <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['=', '!=', 'not', 'in', 'is'] });
        await complete({ text: inGroup('Customer.Birthday <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['=', '!=', '<=', '>=', '<', '>', 'not', 'in', 'between', 'is', 'before', 'after'] });
    });

    test('true and false after a boolean; today and now after a date, then attributes to compare with', async () => {
        const complete = await withSchema();
        await complete({ text: inGroup('Customer.DoNotCall = <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['true', 'false'] });
        await complete({ text: inGroup('Customer.Birthday < <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['today', 'now', 'Purchase'] });
    });

    test('the most frequent values of a text attribute, from the data', async () => {
        const complete = await withSchema('', await sqliteFile());
        await complete({
            text: inGroup('Customer.City = <|>'), index: 0, disposeAfterCheck: true,
            assert: list => {
                expect(list.items.filter(i => i.kind === CompletionItemKind.Value).map(i => [i.label, i.detail])).toEqual([
                    ['"Dublin"', '2 records in customers.city'], ['"Cork"', '1 record in customers.city'], ['"Galway"', '1 record in customers.city']
                ]);
            }
        });
    });

    test('inside the quotes of a text value, the values from the data, each replacing the whole quoted text', async () => {
        const complete = await withSchema('', await sqliteFile());
        // Each case: the text, and the columns of the quoted text on its line (the range each value replaces).
        const cases: [string, number, number][] = [['Customer.City = "<|>"', 20, 22], ['Customer.City = "Du<|>"', 20, 24], ['Customer.City = "Du<|>blin"', 20, 28], ['Customer.City in ("Cork", "<|>")', 30, 32]];
        for (const [text, start, end] of cases) {
            await complete({
                text: inGroup(text), index: 0, disposeAfterCheck: true,
                assert: list => {
                    const values = list.items.filter(i => i.kind === CompletionItemKind.Value);
                    expect(values.map(i => i.label), text).toEqual(['"Dublin"', '"Cork"', '"Galway"']);
                    expect(values.map(i => i.textEdit), text).toEqual(values.map(i => ({ range: { start: { line: 3, character: start }, end: { line: 3, character: end } }, newText: i.label })));
                }
            });
        }
        // Outside the quotes, or quotes compared with no text attribute: not these values.
        await complete({ text: inGroup('Customer.City = "Dublin"<|>'), index: 0, disposeAfterCheck: true, assert: list => expect(list.items.some(i => i.kind === CompletionItemKind.Value && i.label === '"Cork"')).toBe(false) });
        await complete({ text: inGroup('Customer.Score = "1<|>"'), index: 0, disposeAfterCheck: true, assert: list => expect(list.items.filter(i => i.kind === CompletionItemKind.Value)).toEqual([]) });
    });

    test('segments of the same audience only, in compound bodies and after union', async () => {
        const complete = await withSchema('dynamic segment Buyers { audience Customer group { Score > 1 } }\ndynamic segment Cheap { audience Product group { Category = "x" } }\nstatic segment Vip { audience Customer members 1 }');
        await complete({ text: 'compound segment C {\n  audience Customer\n  <|>\n}', index: 0, disposeAfterCheck: true, assert: list => expect(list.items.filter(i => i.kind === 6 || i.detail?.endsWith('segment')).map(i => i.label).sort()).toEqual(['Buyers', 'Vip']) });
        await complete({ text: 'compound segment C {\n  Buyers\n  union <|>\n}', index: 0, disposeAfterCheck: true, expectedItems: ['Buyers', 'Vip'] });
    });

    test('keywords where they fit', async () => {
        const complete = await withSchema();
        await complete({ text: '<|>', index: 0, disposeAfterCheck: true, expectedItems: ['database', 'entity', 'dynamic', 'static', 'compound', 'measure', 'destination', 'test'] });
    });

    test('a node the parser recovered to that has no such reference gets an empty scope, not an error', async () => {
        // An incomplete condition (`and Customer.` typed in an editor) can leave only the segment
        // node: completion then asks the segment node for the `attribute` reference.
        const s = services();
        const document = await parseHelper<Model>(s)(`${SCHEMA}\n${inGroup('Customer.Name = "x"')}`);
        const segment = document.parseResult.value.segments[0];
        const reference = ((segment as DynamicSegment).groups[0] as Group).condition as CompareCondition;
        const scope = s.references.ScopeProvider.getScope({ container: segment, property: 'attribute', reference: (reference.left as AttributeRef).attribute });
        expect(scope.getAllElements().toArray()).toEqual([]);
    });
});
