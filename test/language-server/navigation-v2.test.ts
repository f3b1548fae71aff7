import { expectFindReferences, expectFoldings, expectSymbols, highlightHelper, parseHelper } from 'langium/test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextEdit } from 'vscode-languageserver';
import { describe, expect, test } from 'vitest';
import { URI } from 'vscode-uri';
import { SCHEMA, services } from './support.js';

const EVENTS = SCHEMA.replace('key PurchaseId {', 'key PurchaseId time PurchasedAt {');

describe('outline, folding, highlighting, references and rename of version 2', () => {
    test('outline: measures and destinations where they are written, with their definition; sequences in their segment', async () => {
        const s = services();
        await expectSymbols(s)({
            text: `${EVENTS}\nmeasure Customer.Spent "Total spent" = sum(Purchase.Amount)\ndestination Crm { webhook "http://127.0.0.1:8787/segments" }\n`
                + 'dynamic segment A {\n  audience Customer\n  activate Crm\n  group Named {\n    Score > 1\n  }\n  union sequence Bought {\n    Purchase\n    then Purchase within 7 days\n  }\n}\n',
            disposeAfterCheck: true,
            assert: symbols => {
                expect(symbols.map(x => [x.name, x.detail, (x.children ?? []).map(c => c.name).join(',')])).toEqual([
                    ['Customer', undefined, 'CustomerId,Name,City,Score,DoNotCall,Birthday'],
                    ['Product', undefined, 'ProductID,Category'],
                    ['Purchase', 'time PurchasedAt', 'PurchaseId,CustomerId,ProductID,PurchasedAt,Amount'],
                    ['Customer.Spent', '= sum(Purchase.Amount)', ''],
                    ['Crm', 'webhook "http://127.0.0.1:8787/segments"', ''],
                    ['A', 'dynamic segment', 'Named,Bought']
                ]);
                expect(symbols[5].children?.map(c => c.detail)).toEqual(['group', 'sequence']);
            }
        });
    });

    test('folding ranges for sequences and destination blocks', async () => {
        await expectFoldings(services())({
            text: '<|destination D {\n  file "out.csv"|>\n}\n<|dynamic segment A {\n  audience E\n  <|sequence {\n    E\n    then E|>\n  }|>\n}\n',
            disposeAfterCheck: true
        });
    });

    test('semantic tokens: measures as properties, destinations as enum members, sequences as namespaces, step entities as types', async () => {
        const tokens = await highlightHelper(services())(
            'entity <|E|> key <|Id|> time <|At|> {\n  <|Id|> number\n  <|At|> date\n}\n'
            + 'measure <|E|>.<|Count|> = <|count|>(<|E|>)\n'
            + 'destination <|Crm|> { webhook "http://x" }\n'
            + 'dynamic segment <|A|> {\n  audience <|E|>\n  activate <|Crm|>\n  sequence <|Seq|> {\n    <|E|> where <|E|> in segment <|A|>\n    then <|E|>\n  }\n  top 1 by <|E|>.<|Count|>\n}\n');
        expect(tokens.tokens.map(t => `${t.text}:${t.tokenType}`)).toEqual([
            'E:type', 'Id:property', 'At:property', 'Id:property', 'At:property',
            'E:type', 'Count:property', 'count:function', 'E:type',
            'Crm:enumMember',
            'A:variable', 'E:type', 'Crm:enumMember', 'Seq:namespace', 'E:type', 'E:type', 'A:variable', 'E:type', 'E:type', 'Count:property'
        ]);
    });

    test('find references of a destination: its declaration and every `activate`', async () => {
        await expectFindReferences(services())({
            text: 'destination <|<|>Crm|> { webhook "http://x" }\nentity E key Id { Id number }\ndynamic segment A { audience E activate <|Crm|> group { Id > 1 } }\nstatic segment B { audience E activate <|Crm|> members 1 }',
            includeDeclaration: true, disposeAfterCheck: true
        });
    });

    test('rename of a destination edits `activate` in every file; a keyword is refused', async () => {
        const s = services();
        const parse = parseHelper(s);
        const declared = await parse('destination Crm { webhook "http://x" }\nentity E key Id { Id number }\n', { documentUri: URI.file('/ws/destinations.segment').toString() });
        const using = await parse('dynamic segment A {\n  audience E\n  activate Crm\n  group { Id > 1 }\n}\n', { documentUri: URI.file('/ws/a.segment').toString() });
        const position = using.textDocument.positionAt(using.textDocument.getText().indexOf('Crm') + 1);
        const edit = await s.lsp.RenameProvider!.rename(using, { textDocument: { uri: using.uri.toString() }, position, newName: 'Sales' });
        const apply = (doc: typeof using): string => TextDocument.applyEdits(doc.textDocument, (edit?.changes?.[doc.uri.toString()] ?? []) as TextEdit[]);
        expect(apply(declared)).toBe('destination Sales { webhook "http://x" }\nentity E key Id { Id number }\n');
        expect(apply(using)).toBe('dynamic segment A {\n  audience E\n  activate Sales\n  group { Id > 1 }\n}\n');
        await expect(s.lsp.RenameProvider!.rename(using, { textDocument: { uri: using.uri.toString() }, position, newName: 'webhook' }))
            .rejects.toThrow('`webhook` is a keyword: entities, segments, groups, sequences and destinations are named with other words.');
    });
});
