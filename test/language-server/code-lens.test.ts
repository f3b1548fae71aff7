import { highlightHelper, parseHelper } from 'langium/test';
import { describe, expect, test } from 'vitest';
import { URI } from 'vscode-uri';
import { SCHEMA, services, sqliteFile } from './support.js';

describe('code lens and semantic tokens', () => {
    test('a member count computed in the background, then run and show-SQL commands with name and URI', async () => {
        const s = services();
        await parseHelper(s)(`database ${JSON.stringify(await sqliteFile())}\n${SCHEMA}`, { documentUri: URI.file('/ws/schema.segment').toString() });
        const document = await parseHelper(s)('dynamic segment Dubliners {\n  audience Customer\n  group {\n    Customer.City = "Dublin"\n  }\n}\ndynamic segment Broken {\n  audience Customer\n  group {\n    Customer.City = 1\n  }\n}\n', { documentUri: URI.file('/ws/a.segment').toString() });
        const params = { textDocument: { uri: document.textDocument.uri } };
        const first = await s.lsp.CodeLensProvider!.provideCodeLens(document, params);
        expect(first?.map(l => l.command?.title)).toEqual(['Counting members…', 'Show SQL', 'Run (has errors)', 'Show SQL']);
        await s.data.SegmentCounts.settled();
        const second = await s.lsp.CodeLensProvider!.provideCodeLens(document, params);
        expect(second?.slice(0, 2).map(l => [l.command?.title, l.command?.command, l.command?.arguments])).toEqual([
            ['2 members', 'segments.runSegment', ['Dubliners', document.textDocument.uri]],
            ['Show SQL', 'segments.showSql', ['Dubliners', document.textDocument.uri]]
        ]);
        expect(second?.[0].range.start).toEqual({ line: 0, character: 0 });
    });

    test('every segment has its count, a sequence and a compound of it too; a compound with a missing part says it has errors; a top step is counted', async () => {
        const s = services();
        await parseHelper(s)(`database ${JSON.stringify(await sqliteFile())}\n${SCHEMA.replace('key PurchaseId {', 'key PurchaseId time PurchasedAt {')}`, { documentUri: URI.file('/ws/schema.segment').toString() });
        const text = 'dynamic segment Dubliners {\n  audience Customer\n  group { City = "Dublin" }\n}\n'
            + 'dynamic segment Repeat {\n  audience Customer\n  sequence { Purchase then Purchase }\n}\n'
            + 'dynamic segment Top {\n  audience Customer\n  group { Score > 1 }\n  top 2 by Customer.Score\n}\n'
            + 'compound segment Both {\n  Dubliners\n  union Repeat\n}\n'
            + 'compound segment Broken {\n  Dubliners\n  union Missing\n}\n';
        const document = await parseHelper(s)(text, { documentUri: URI.file('/ws/a.segment').toString() });
        const params = { textDocument: { uri: document.textDocument.uri } };
        await s.lsp.CodeLensProvider!.provideCodeLens(document, params);
        await s.data.SegmentCounts.settled();
        const lenses = await s.lsp.CodeLensProvider!.provideCodeLens(document, params);
        const lines: Record<string, number> = { Dubliners: 0, Repeat: 4, Top: 8, Both: 13, Broken: 17 };
        const counts: Record<string, string> = { Dubliners: '2 members', Repeat: '0 members', Top: '2 members', Both: '2 members', Broken: 'Run (has errors)' };
        expect(lenses?.map(l => [l.range.start.line, l.command?.title])).toEqual(Object.keys(lines).flatMap(name => [[lines[name], counts[name]], [lines[name], 'Show SQL']]));
        const hover = await s.lsp.HoverProvider!.getHoverContent(document, { textDocument: params.textDocument, position: document.textDocument.positionAt(text.indexOf('Repeat') + 1) });
        const value = hover?.contents && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
        expect(value.split('\n\n')[0]).toBe('**Repeat** · dynamic segment of Customer');
        expect(value).toContain('0 members');
        // The lenses count in the language server, always on sql.js: the hover says so, as every view names its engine.
        expect(value).toMatch(/0 members as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, counted by sql\.js$/);
    });

    test('a segment with a sample step is counted: the sample is drawn from the members before it', async () => {
        const s = services();
        await parseHelper(s)(`database ${JSON.stringify(await sqliteFile())}\n${SCHEMA}`, { documentUri: URI.file('/ws/schema.segment').toString() });
        // FNV-1a of "lens/1" .. "lens/4" mod 10000: 3189, 332, 7951, 5094; of "x/1" .. "x/4": 7547, 5166, 2785, 404.
        const text = 'dynamic segment Everyone {\n  audience Customer\n  group { Score > 0 }\n}\n'
            + 'compound segment Half {\n  Everyone\n  sample 50% seed "lens"\n}\n'
            + 'compound segment Rest {\n  Everyone\n  exclude Half\n  sample 50% seed "x"\n  top 1 by Customer.Score\n}\n';
        const document = await parseHelper(s)(text, { documentUri: URI.file('/ws/a.segment').toString() });
        const params = { textDocument: { uri: document.textDocument.uri } };
        await s.lsp.CodeLensProvider!.provideCodeLens(document, params);
        await s.data.SegmentCounts.settled();
        const lenses = await s.lsp.CodeLensProvider!.provideCodeLens(document, params);
        // Half: 1 and 2. Rest: 3 and 4, of which "x" keeps 3 and 4; the top 1 by score is 4 (90).
        expect(lenses?.filter(l => l.command?.title !== 'Show SQL').map(l => [l.range.start.line, l.command?.title])).toEqual([[0, '4 members'], [4, '2 members'], [8, '1 member']]);
    });

    test('semantic tokens: entities as types, attributes as properties, segments as variables', async () => {
        const tokens = await highlightHelper(services())('entity <|E|> key <|Id|> {\n  <|Id|> number\n}\ndynamic segment <|A|> {\n  audience <|E|>\n  group {\n    <|E|>.<|Id|> > 1\n  }\n}\n');
        expect(tokens.tokens.map(t => t.tokenType)).toEqual(['type', 'property', 'property', 'variable', 'type', 'type', 'property']);
    });
});
