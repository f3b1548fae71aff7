import { expectCompletion, parseHelper } from 'langium/test';
import type { CompletionItem, CompletionList } from 'vscode-languageserver';
import { describe, expect, test } from 'vitest';
import { URI } from 'vscode-uri';
import { SCHEMA, services, sqliteFile } from './support.js';

/** SCHEMA with purchases as events, two destinations and segments of two audiences. */
const WORKSPACE = `${SCHEMA.replace('key PurchaseId {', 'key PurchaseId time PurchasedAt {')}
destination Crm { webhook "http://127.0.0.1:8787/segments" }
destination CallCenter { file "exports/{segment}.csv" }

dynamic segment BestSellers { audience Product group { Category = "Security" } }
dynamic segment Loyal { audience Customer group { Score > 80 } }
`;

async function completion(database?: string): Promise<ReturnType<typeof expectCompletion>> {
    const s = services();
    await parseHelper(s)(`${database ? `database ${JSON.stringify(database)}\n` : ''}${WORKSPACE}`, { documentUri: URI.file('/ws/schema.segment').toString() });
    return expectCompletion(s);
}

const segment = (body: string): string => `dynamic segment A {\n  audience Customer\n  ${body}\n}`;
const inGroup = (condition: string): string => segment(`group {\n    ${condition}\n  }`);
const inSequence = (steps: string): string => segment(`sequence {\n    ${steps}\n  }`);

const labels = (list: CompletionList): string[] => list.items.map(i => i.label);
/** Labels in the order an editor shows them: by sort text, then label. */
const shown = (list: CompletionList): string[] => [...list.items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label) || a.label.localeCompare(b.label)).map(i => i.label);
const item = (list: CompletionList, label: string): CompletionItem | undefined => list.items.find(i => i.label === label);

describe('completion of version 2', () => {
    test('after a group: set operators and the final steps; after a set operator: group or sequence', async () => {
        const complete = await completion();
        await complete({ text: segment('group { Score > 1 }\n  <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['union', 'intersect', 'exclude', 'top', 'sample'] });
        await complete({ text: segment('group { Score > 1 }\n  exclude <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['group', 'sequence'] });
        await complete({ text: segment('<|>'), index: 0, disposeAfterCheck: true, expectedItems: ['title', 'description', 'audience', 'status', 'show', 'activate', 'group', 'sequence'] });
    });

    test('in a sequence: `where` and `then` after the first step, `within` only after a `then` step', async () => {
        const complete = await completion();
        await complete({ text: inSequence('Purchase\n    <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['where', 'then'] });
        await complete({ text: inSequence('Purchase where Purchase.Amount > 1\n    <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['and', 'or', 'then'] });
        await complete({ text: inSequence('Purchase\n    then Purchase <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['where', 'within', 'then'] });
        await complete({ text: inSequence('Purchase\n    then Purchase where Amount > 1 <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['and', 'or', 'within', 'then'] });
    });

    test('steps name event entities only, and `no` after `then`', async () => {
        const complete = await completion();
        await complete({
            text: inSequence('Purchase\n    then <|>'), index: 0, disposeAfterCheck: true,
            assert: list => {
                expect(labels(list)).toEqual(['no', 'Purchase']);
                expect(item(list, 'Purchase')?.detail).toBe('event entity (time PurchasedAt)');
            }
        });
        await complete({ text: inSequence('<|>'), index: 0, disposeAfterCheck: true, expectedItems: ['Purchase'] });
        await complete({ text: inSequence('Purchase\n    then no <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['Purchase'] });
    });

    test('top and sample at the end of a dynamic or compound body: `%` and `by`, the audience and its attributes, `asc` / `desc`, `seed`', async () => {
        const complete = await completion();
        await complete({ text: segment('group { Score > 1 }\n  top 10 <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['%', 'by'] });
        await complete({ text: segment('group { Score > 1 }\n  top 10 by <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['Customer', 'CustomerId', 'Name', 'City', 'Score', 'DoNotCall', 'Birthday'] });
        await complete({ text: segment('group { Score > 1 }\n  top 10 by Customer.Score <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['asc', 'desc', 'top', 'sample'] });
        await complete({ text: segment('group { Score > 1 }\n  top 10 by Customer.<|>'), index: 0, disposeAfterCheck: true, expectedItems: ['CustomerId', 'Name', 'City', 'Score', 'DoNotCall', 'Birthday'] });
        await complete({ text: segment('group { Score > 1 }\n  sample 10 <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['%'] });
        await complete({ text: segment('group { Score > 1 }\n  sample 10% <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['seed', 'top', 'sample'] });
        await complete({ text: 'compound segment C {\n  Loyal\n  <|>\n}', index: 0, disposeAfterCheck: true, expectedItems: ['union', 'intersect', 'exclude', 'top', 'sample'] });
    });

    test('`activate` among the properties, then the destinations with their kind and target', async () => {
        const complete = await completion();
        await complete({
            text: segment('activate <|>'), index: 0, disposeAfterCheck: true,
            assert: list => {
                expect(labels(list)).toEqual(['Crm', 'CallCenter']);
                expect(item(list, 'Crm')).toMatchObject({ detail: 'webhook destination', documentation: 'webhook "http://127.0.0.1:8787/segments"' });
            }
        });
        await complete({ text: segment('activate Crm, <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['Crm', 'CallCenter'] });
    });

    test('inside `destination { }`: the three kinds, each explained', async () => {
        const complete = await completion();
        await complete({
            text: 'destination D { <|> }', index: 0, disposeAfterCheck: true,
            assert: list => {
                expect(labels(list)).toEqual(['file', 'webhook', 'table']);
                expect(list.items.every(i => typeof i.documentation === 'string' && i.documentation.length > 0)).toBe(true);
            }
        });
    });

    test('`in segment` after an entity where a condition starts, then segments of that entity\'s audience', async () => {
        const complete = await completion();
        await complete({ text: inGroup('Product <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['not in segment', 'in segment'] });
        await complete({ text: inGroup('Score > 1 and Customer <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['not in segment', 'in segment'] });
        await complete({ text: inSequence('Purchase where Product <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['not in segment', 'in segment'] });
        await complete({ text: inGroup('Product in <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['segment'] });
        await complete({ text: inGroup('Product not in segment <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['BestSellers'] });
        // The segment itself is no candidate (it would refer to itself).
        await complete({ text: inGroup('Customer in segment <|>'), index: 0, disposeAfterCheck: true, expectedItems: ['Loyal'] });
        // A bare attribute still gets the operators of its type.
        await complete({ text: inGroup('City <|>'), index: 0, disposeAfterCheck: true, assert: list => expect(labels(list).sort()).toEqual(['!=', '<', '<=', '=', '>', '>=', 'between', 'contains', 'ends', 'in', 'is', 'not', 'starts']) });
    });

    test('after `Entity.` at the end of a condition, that entity\'s attributes (not the audience\'s)', async () => {
        const complete = await completion();
        await complete({ text: inGroup('Purchase.<|>'), index: 0, disposeAfterCheck: true, expectedItems: ['PurchaseId', 'CustomerId', 'ProductID', 'PurchasedAt', 'Amount'] });
        await complete({ text: inGroup('Score > 1 and Product.<|>'), index: 0, disposeAfterCheck: true, expectedItems: ['ProductID', 'Category'] });
    });

    test('attributes after `Entity.` with their values from the data (once they are read: completion waits for them only a moment)', async () => {
        const complete = await completion(await sqliteFile());
        // The first completion reads the values; on a busy machine it may answer before they are read.
        await complete({ text: inGroup('Customer.<|>'), index: 0, disposeAfterCheck: true, assert: list => expect(item(list, 'City')?.detail).toBe('text (column city)') });
        await complete({
            text: inGroup('Customer.<|>'), index: 0, disposeAfterCheck: true,
            assert: list => {
                expect(item(list, 'City')).toMatchObject({ detail: 'text (column city)', documentation: { kind: 'markdown', value: 'Home city\n\n3 distinct values; most frequent: `Dublin` (2), `Cork` (1), `Galway` (1)' } });
                expect(item(list, 'DoNotCall')?.documentation).toEqual({ kind: 'markdown', value: '2 distinct values; most frequent: `0` (3), `1` (1)' });
            }
        });
    });

    test('the right side of a comparison: values first, then attributes of a fitting type and the entities that have one', async () => {
        const complete = await completion(await sqliteFile());
        await complete({
            text: inGroup('Customer.City = <|>'), index: 0, disposeAfterCheck: true,
            assert: list => {
                expect(shown(list)).toEqual(['"Dublin"', '"Cork"', '"Galway"', 'Customer', 'Name', 'Product']);
                expect(item(list, 'Name')?.detail).toBe('text');
            }
        });
        await complete({ text: inGroup('Score > <|>'), index: 0, disposeAfterCheck: true, assert: list => expect(shown(list)).toEqual(['Customer', 'CustomerId', 'Product', 'Purchase']) });
        await complete({ text: inGroup('Purchase.Amount > Purchase.<|>'), index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['PurchaseId', 'CustomerId', 'ProductID']) });
        await complete({ text: inGroup('Score > Product.<|>\n    and Score > 1'), index: 0, disposeAfterCheck: true, expectedItems: ['ProductID'] });
        await complete({ text: inGroup('Purchase.PurchasedAt after <|>'), index: 0, disposeAfterCheck: true, assert: list => expect(shown(list)).toEqual(['now', 'today', 'Birthday', 'Customer']) });
        await complete({ text: inGroup('DoNotCall = <|>'), index: 0, disposeAfterCheck: true, assert: list => expect(shown(list)).toEqual(['false', 'true']) });
    });
});
