import { expectFindReferences, expectFoldings, expectHover, expectSymbols, highlightHelper, parseHelper } from 'langium/test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextEdit } from 'vscode-languageserver';
import { describe, expect, test } from 'vitest';
import { URI } from 'vscode-uri';
import { SCHEMA, services } from './support.js';

const EVENTS = SCHEMA.replace('key PurchaseId {', 'key PurchaseId time PurchasedAt {');

describe('hover on version 2 constructs', () => {
    const workspace = async (): Promise<ReturnType<typeof services>> => {
        const s = services();
        await parseHelper(s)(`${EVENTS}\ndestination Calls { file "exports/{segment}.csv" }\ndestination Crm { webhook "http://127.0.0.1:8787/segments" }\ndestination Warehouse { table "segment_members" }\n`, { documentUri: URI.file('/ws/schema.segment').toString() });
        await parseHelper(s)('dynamic segment Callers {\n  audience Customer\n  activate Calls\n  group { Score > 1 }\n}\n', { documentUri: URI.file('/ws/callers.segment').toString() });
        return s;
    };
    const steps = 'dynamic segment Repeat {\n  audience Customer\n  sequence Twice {\n    Purchase where Amount > 1\n    then Purchase within 7 days\n    then no Product\n  }\n}';

    test('on a sequence step: which step, what it asks for, and its entity\'s time attribute with type and column', async () => {
        const s = await workspace();
        await expectHover(s)({ text: steps.replace('    Purchase where', '    <|>Purchase where'), index: 0, disposeAfterCheck: true,
            hover: '**Purchase** · step 1 of 3 of sequence Twice\n\nOrdered by `Purchase.PurchasedAt` · datetime, column `purchased_at` of table `purchases`' });
        await expectHover(s)({ text: steps.replace('then Purchase', '<|>then Purchase'), index: 0, disposeAfterCheck: true,
            hover: '**Purchase** · step 2 of 3 of sequence Twice\n\nA Purchase, strictly later than step 1\'s Purchase within 7 days.\n\nOrdered by `Purchase.PurchasedAt` · datetime, column `purchased_at` of table `purchases`' });
        await expectHover(s)({ text: steps.replace('no Product', 'no <|>Product'), index: 0, disposeAfterCheck: true,
            hover: '**no Product** · step 3 of 3 of sequence Twice\n\nNo Product after step 2\'s Purchase.\n\nProduct has no `time`: a step\'s entity is an event entity, declared `entity Product ... key ProductID time ATTRIBUTE { ... }`.' });
    });

    test('on `top` and `sample` steps: what they keep, and the seed', async () => {
        const s = await workspace();
        const text = 'dynamic segment Best {\n  audience Customer\n  group { Score > 1 }\n  top 10% by Customer.Score asc\n  sample 50%\n}';
        await expectHover(s)({ text: text.replace('top 10%', '<|>top 10%'), index: 0, disposeAfterCheck: true,
            hover: '**top** · keeps the first 10% (rounded down) of the segment\'s members with the smallest Customer.Score\n\nMembers with no Customer.Score come last; ties are broken by key, ascending.' });
        await expectHover(s)({ text: text.replace('sample 50%', 'sample <|>50%'), index: 0, disposeAfterCheck: true,
            hover: '**sample** · keeps about 50% of the result of the steps before it, each member in or out by a hash of its key and the seed\n\nThe same members on every engine and every run while they stay in the segment; no seed, so the segment\'s name `Best` (renaming it reshuffles the sample: give a seed to keep a split).' });
    });

    test('on `time` in an entity, and on its time attribute: the attribute, and what event time means', async () => {
        const s = services();
        const text = 'entity Visit from visits key Id ti<|>me At {\n  Id number\n  At date column visited_on\n}\n';
        const hover = '**Visit.At** · date\n\nColumn `visited_on` of table `visits`\n\nThe time of each Visit (`time At`): as of an instant, Visit records after it, and those with no At, do not exist.';
        await expectHover(s)({ text, index: 0, disposeAfterCheck: true, hover });
        await expectHover(s)({ text: text.replace('ti<|>me At', 'time <|>At'), index: 0, disposeAfterCheck: true, hover });
    });

    test('on a destination: kind and target, the resolved file (the segment\'s own from `activate`), the segments that activate it', async () => {
        const s = await workspace();
        await expectHover(s)({ text: 'dynamic segment Vip {\n  audience Customer\n  activate <|>Calls\n  group { Score > 90 }\n}', index: 0, disposeAfterCheck: true,
            hover: '**Calls** · file destination\n\nThe whole membership after each refresh, key then `show` columns, as CSV with a header row, replaced at once: `/ws/exports/Vip.csv`\n\nActivated by Callers, Vip.' });
        await expectHover(s)({ text: 'dynamic segment Vip {\n  audience Customer\n  activate Calls, <|>Crm\n  group { Score > 90 }\n}', index: 0, disposeAfterCheck: true,
            hover: '**Crm** · webhook destination\n\nAfter each refresh in which members entered or left: POST to `http://127.0.0.1:8787/segments` with the keys that entered and exited (at most 10,000 a request), retried until a 2xx answer.\n\nActivated by Vip.' });
        const own = await parseHelper(s)('destination Own { file "out/{segment}.jsonl" }', { documentUri: URI.file('/ws/own.segment').toString() });
        const hover = await s.lsp.HoverProvider!.getHoverContent(own, { textDocument: { uri: own.uri.toString() }, position: own.textDocument.positionAt(13) });
        expect(hover?.contents).toEqual({ kind: 'markdown', value: '**Own** · file destination\n\nThe whole membership after each refresh, key then `show` columns, as one JSON object per line, replaced at once: `/ws/out/{segment}.jsonl`\n\n`{segment}` is the name of each segment that activates it.\n\nNo segment activates it yet.' });
    });
});

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

    test('rename of a measure to a keyword edits its declaration and every `Entity.Name`, and the files still check; a sequence is not renamed to a keyword', async () => {
        const s = services();
        const parse = parseHelper(s);
        const schema = await parse(`${EVENTS}\nmeasure Customer.Spent = sum(Purchase.Amount)\n`, { documentUri: URI.file('/ws/schema.segment').toString(), validation: true });
        const using = await parse('dynamic segment A {\n  audience Customer\n  show Customer.Spent\n  group { Customer.Spent > 10 }\n  union sequence Twice { Purchase then Purchase }\n}\n', { documentUri: URI.file('/ws/a.segment').toString(), validation: true });
        const at = (word: string): { line: number; character: number } => using.textDocument.positionAt(using.textDocument.getText().indexOf(word) + 1);
        const edit = await s.lsp.RenameProvider!.rename(using, { textDocument: { uri: using.uri.toString() }, position: at('Spent'), newName: 'table' });
        const apply = (doc: typeof using): string => TextDocument.applyEdits(doc.textDocument, (edit?.changes?.[doc.uri.toString()] ?? []) as TextEdit[]);
        expect(apply(schema).endsWith('\nmeasure Customer.table = sum(Purchase.Amount)\n')).toBe(true);
        expect(apply(using)).toBe('dynamic segment A {\n  audience Customer\n  show Customer.table\n  group { Customer.table > 10 }\n  union sequence Twice { Purchase then Purchase }\n}\n');
        const again = services();
        await parseHelper(again)(apply(schema), { documentUri: URI.file('/ws/schema.segment').toString() });
        const renamed = await parseHelper(again)(apply(using), { documentUri: URI.file('/ws/a.segment').toString(), validation: true });
        expect((renamed.diagnostics ?? []).map(d => d.code)).toEqual([]);
        await expect(s.lsp.RenameProvider!.rename(using, { textDocument: { uri: using.uri.toString() }, position: at('Twice'), newName: 'then' }))
            .rejects.toThrow('`then` is a keyword');
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
