import { expectCompletion, parseHelper } from 'langium/test';
import type { CompletionItem, CompletionList } from 'vscode-languageserver';
import { describe, expect, test } from 'vitest';
import { URI } from 'vscode-uri';
import { FieldSamples } from '../../language-server/field-samples.js';
import type { SegmentServices } from '../../language-server/segment-module.js';
import { SCHEMA, services, sqliteFile } from './support.js';

/**
 * Measures (reference, 6.4) in the editor: completed beside attributes with their type,
 * definition, description and values in the data; compared on the right side with fields of a
 * fitting type; hovered with the same. DATA's purchases: customer 1 spent 20, customer 2 spent
 * 30, customers 3 and 4 nothing.
 */
const MEASURES = `measure Customer.Spent "Total spent" = sum(Purchase.Amount)
measure Customer.LastBuy = max(Purchase.PurchasedAt)
measure Customer.AverageBuy = avg(Purchase.Amount)
measure Product.Buyers = count(Customer)
`;

async function workspace(database?: string): Promise<SegmentServices> {
    const s = services();
    await parseHelper(s)(`${database ? `database ${JSON.stringify(database)}\n` : ''}${SCHEMA}`, { documentUri: URI.file('/ws/schema.segment').toString() });
    await parseHelper(s)(MEASURES, { documentUri: URI.file('/ws/measures.segment').toString() });
    return s;
}

const inGroup = (condition: string): string => `dynamic segment A {\n  audience Customer\n  group {\n    ${condition}\n  }\n}`;
const item = (list: CompletionList, label: string): CompletionItem | undefined => list.items.find(i => i.label === label);
const AS_OF = / \(as of \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/;

describe('measures in completion and hover', () => {
    test('after `Entity.`: its measures after its attributes, with type (number for count, sum, avg; the attribute\'s for min, max), description and definition', async () => {
        const complete = expectCompletion(await workspace());
        await complete({
            text: inGroup('Customer.<|>'), index: 0, disposeAfterCheck: true,
            assert: list => {
                expect(list.items.map(i => i.label)).toEqual(['CustomerId', 'Name', 'City', 'Score', 'DoNotCall', 'Birthday', 'Spent', 'LastBuy', 'AverageBuy']);
                expect(item(list, 'Spent')).toMatchObject({ detail: 'number (measure)', documentation: { kind: 'markdown', value: 'Total spent\n\n`= sum(Purchase.Amount)`' } });
                expect(item(list, 'LastBuy')).toMatchObject({ detail: 'datetime (measure)', documentation: { kind: 'markdown', value: '`= max(Purchase.PurchasedAt)`' } });
            }
        });
        await complete({ text: inGroup('Product.<|>'), index: 0, disposeAfterCheck: true, expectedItems: ['ProductID', 'Category', 'Buyers'] });
    });

    test('with the database: each measure\'s minimum, median and maximum and how many records have a value', async () => {
        const complete = expectCompletion(await workspace(await sqliteFile()));
        // The first completion computes the values; on a busy machine it may answer before they are known.
        await complete({ text: inGroup('Customer.<|>'), index: 0, disposeAfterCheck: true, assert: list => expect(item(list, 'Spent')?.detail).toBe('number (measure)') });
        await complete({
            text: inGroup('Customer.<|>'), index: 0, disposeAfterCheck: true,
            assert: list => {
                const value = (label: string): string => { const d = item(list, label)?.documentation; return typeof d === 'object' ? d.value : String(d); };
                expect(value('Spent').replace(AS_OF, '')).toBe('Total spent\n\n`= sum(Purchase.Amount)`\n\n4 of 4 Customer records have a value: min 0, median 10, max 30');
                expect(value('AverageBuy').replace(AS_OF, '')).toBe('`= avg(Purchase.Amount)`\n\n2 of 4 Customer records have a value: min 20, median 25, max 30');
                expect(value('LastBuy')).toMatch(AS_OF);
            }
        });
    });

    test('on the right side of a comparison: measures of a fitting type beside attributes', async () => {
        const complete = expectCompletion(await workspace());
        const labels = (list: CompletionList): string[] => list.items.map(i => i.label).sort();
        await complete({ text: inGroup('Score > Customer.<|>'), index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['AverageBuy', 'CustomerId', 'Spent']) });
        await complete({ text: inGroup('Customer.LastBuy after Customer.<|>'), index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['Birthday']) });
        await complete({ text: inGroup('Customer.Spent > Customer.<|>'), index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['AverageBuy', 'CustomerId', 'Score']) });
        await complete({ text: inGroup('Customer.Birthday before <|>'), index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['Customer', 'Purchase', 'now', 'today']) });
    });

    test('hover on a measure, where it is used and where it is declared: type, definition, description, values in the data', async () => {
        const s = await workspace(await sqliteFile());
        const text = inGroup('Customer.Spent > 10 and Product.Buyers > 0');
        const doc = await parseHelper(s)(text, { documentUri: URI.file('/ws/a.segment').toString() });
        const hover = async (document: typeof doc, offset: number): Promise<string> => {
            const result = await s.lsp.HoverProvider!.getHoverContent(document, { textDocument: { uri: document.uri.toString() }, position: document.textDocument.positionAt(offset) });
            const contents = result?.contents;
            return contents && typeof contents === 'object' && 'value' in contents ? contents.value : '';
        };
        const spent = await hover(doc, text.indexOf('Spent') + 1);
        expect(spent).toMatch(AS_OF);
        expect(spent.replace(AS_OF, '')).toBe('**Customer.Spent** · number · measure\n\n`= sum(Purchase.Amount)`\n\nTotal spent\n\n4 of 4 Customer records have a value: min 0, median 10, max 30');
        expect((await hover(doc, text.indexOf('Buyers') + 1)).replace(AS_OF, '')).toBe('**Product.Buyers** · number · measure\n\n`= count(Customer)`\n\n2 of 2 Product records have a value: min 1, median 1, max 1');
        const declared = s.shared.workspace.LangiumDocuments.getDocument(URI.file('/ws/measures.segment'))!;
        expect(await hover(declared, MEASURES.indexOf('LastBuy') + 1)).toMatch(/^\*\*Customer\.LastBuy\*\* · datetime · measure\n\n`= max\(Purchase\.PurchasedAt\)`\n\n2 of 4 Customer records have a value: min 2027-01-01 10:00:00, median 2027-01-01 10:00:00, max 2027-01-02 10:00:00 \(as of/);
    });

    test('as of an instant, records of an event entity after it do not count', async () => {
        const s = services();
        await parseHelper(s)(`database ${JSON.stringify(await sqliteFile())}\n${SCHEMA.replace('key PurchaseId {', 'key PurchaseId time PurchasedAt {')}\n${MEASURES}`, { documentUri: URI.file('/ws/schema.segment').toString() });
        const spent = s.workspace.SegmentWorkspace.model.measures.get('Customer')!.get('Spent')!;
        const asOf = (now: string): FieldSamples => new FieldSamples(s.workspace.SegmentWorkspace, s.data.DatabaseFacts, () => ({ today: now.slice(0, 10), now }));
        // DATA's purchases: 20 on 2027-01-01 at 10:00 by customer 1, 30 on 2027-01-02 by customer 2.
        expect(await asOf('2026-12-31 23:59:00').measure(spent)).toBe('4 of 4 Customer records have a value: min 0, median 0, max 0 (as of 2026-12-31 23:59 UTC)');
        expect(await asOf('2027-01-01 12:00:00').measure(spent)).toBe('4 of 4 Customer records have a value: min 0, median 0, max 20 (as of 2027-01-01 12:00 UTC)');
        expect(await asOf('2027-01-03 00:00:00').measure(spent)).toBe('4 of 4 Customer records have a value: min 0, median 10, max 30 (as of 2027-01-03 00:00 UTC)');
    });
});
