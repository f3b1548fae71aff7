import { expectFindReferences, expectFoldings, expectHover, expectSymbols, parseHelper } from 'langium/test';
import { describe, expect, test } from 'vitest';
import { URI } from 'vscode-uri';
import { SCHEMA, services, sqliteFile } from './support.js';
import type { SegmentServices } from '../../language-server/segment-module.js';

async function workspace(database?: string): Promise<SegmentServices> {
    const s = services();
    await parseHelper(s)(`${database ? `database ${JSON.stringify(database)}\n` : ''}${SCHEMA}`, { documentUri: URI.file('/ws/schema.segment').toString() });
    await parseHelper(s)('dynamic segment HighScore {\n  title "High score"\n  description "Scored above 80."\n  audience Customer\n  group {\n    Customer.Score > 80\n  }\n}\n', { documentUri: URI.file('/ws/high.segment').toString() });
    return s;
}

describe('hover, navigation, outline and folding', () => {
    test('hover on an attribute: type, column, description, sample values with the distinct count', async () => {
        const s = await workspace(await sqliteFile());
        await expectHover(s)({
            text: 'dynamic segment A { audience Customer group { Customer.<|>City = "Cork" } }', index: 0, disposeAfterCheck: true,
            hover: '**Customer.City** · text\n\nColumn `city` of table `customers`\n\nHome city\n\n3 distinct values; most frequent: `Dublin` (2), `Cork` (1), `Galway` (1)'
        });
    });

    test('hover on a segment reference: kind, audience, title, description', async () => {
        const s = await workspace();
        await expectHover(s)({
            text: 'compound segment C { <|>HighScore }', index: 0, disposeAfterCheck: true,
            hover: '**HighScore** · dynamic segment of Customer\n\n*High score*\n\nScored above 80.'
        });
    });

    test('go to definition of an attribute in another file', async () => {
        const s = await workspace();
        const text = 'dynamic segment A { audience Customer group { Customer.Score > 1 } }';
        const document = await parseHelper(s)(text, { documentUri: URI.file('/ws/a.segment').toString() });
        const links = await s.lsp.DefinitionProvider!.getDefinition(document, { textDocument: { uri: document.textDocument.uri }, position: document.textDocument.positionAt(text.indexOf('Score') + 2) });
        expect(links?.map(l => [URI.parse(l.targetUri).path, l.targetSelectionRange.start.line])).toEqual([['/ws/schema.segment', 4]]);
    });

    test('find references of a segment in this file', async () => {
        const s = await workspace();
        await expectFindReferences(s)({
            text: 'dynamic segment <|<|>B|> { audience Customer group { Score > 1 } }\ncompound segment C { <|B|> union <|B|> }', includeDeclaration: true, disposeAfterCheck: true
        });
    });

    test('outline lists entities with attributes and segments with groups', async () => {
        const s = services();
        await expectSymbols(s)({
            text: `${SCHEMA}\ndynamic segment A {\n  audience Customer\n  group Named {\n    Score > 1\n  }\n}\n`, disposeAfterCheck: true,
            assert: symbols => expect(symbols.map(x => [x.name, (x.children ?? []).map(c => c.name).join(',')])).toEqual([
                ['Customer', 'CustomerId,Name,City,Score,DoNotCall,Birthday'],
                ['Product', 'ProductID,Category'],
                ['Purchase', 'PurchaseId,CustomerId,ProductID,PurchasedAt,Amount'],
                ['A', 'Named']
            ])
        });
    });

    test('folding ranges for entities, segments and groups', async () => {
        const s = services();
        await expectFoldings(s)({ text: '<|entity E key Id {\n  Id number|>\n}\n<|dynamic segment A {\n  audience E\n  <|group {\n    Id > 1|>\n  }|>\n}\n', disposeAfterCheck: true });
    });
});
