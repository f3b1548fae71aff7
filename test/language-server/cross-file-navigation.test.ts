import type { LangiumDocument } from 'langium';
import { parseHelper } from 'langium/test';
import { describe, expect, test } from 'vitest';
import type { Location, Position, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import type { SegmentServices } from '../../language-server/segment-module.js';
import { SCHEMA, services } from './support.js';

/**
 * Find references and rename for attributes and entities, whose declarations are in one file
 * (the schema) and whose uses are in others: the segment files and the schema itself.
 */

const HIGH = `dynamic segment HighScore {
  audience Customer
  show Customer.Name, Customer.Score
  group {
    Customer.Score > 80
  }
}
`;

const BUYERS = `dynamic segment Buyers {
  audience Customer
  group {
    Score < 20 and count(Purchase where Purchase.Amount > 10) >= 1
  }
}
`;

interface Workspace {
    readonly s: SegmentServices;
    readonly docs: Record<string, LangiumDocument>;
}

async function workspace(): Promise<Workspace> {
    const s = services();
    const docs: Record<string, LangiumDocument> = {};
    for (const [name, text] of Object.entries({ 'schema.segment': SCHEMA, 'high.segment': HIGH, 'buyers.segment': BUYERS })) {
        docs[name] = await parseHelper(s)(text, { documentUri: URI.file(`/ws/${name}`).toString(), validation: true });
    }
    for (const doc of Object.values(docs)) expect(doc.diagnostics ?? [], doc.uri.path).toEqual([]);
    return { s, docs };
}

/** The position of the `nth` (0-based) occurrence of `word` in the document, `into` characters in. */
function at(doc: LangiumDocument, word: string, nth = 0, into = 1): Position {
    const text = doc.textDocument.getText();
    let offset = -1;
    for (let i = 0; i <= nth; i++) {
        offset = text.indexOf(word, offset + 1);
        if (offset < 0) throw new Error(`${word} occurs fewer than ${nth + 1} times`);
    }
    return doc.textDocument.positionAt(offset + into);
}

/** Locations as `file:line:character-character`, sorted, and each checked to cover `word`. */
function places(ws: Workspace, locations: readonly Location[], word: string): string[] {
    return locations.map(l => {
        const name = URI.parse(l.uri).path.split('/').pop()!;
        expect(ws.docs[name].textDocument.getText(l.range), `${name} ${JSON.stringify(l.range)}`).toBe(word);
        return `${name}:${l.range.start.line}:${l.range.start.character}-${l.range.end.character}`;
    }).sort();
}

/** The edits of a rename, per file, as `line:character→newText`, each checked to replace `oldName`. */
function edits(ws: Workspace, edit: WorkspaceEdit | undefined, oldName: string): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    for (const [uri, changes] of Object.entries(edit?.changes ?? {})) {
        const name = URI.parse(uri).path.split('/').pop()!;
        result[name] = (changes as TextEdit[]).map(e => {
            expect(ws.docs[name].textDocument.getText(e.range)).toBe(oldName);
            return `${e.range.start.line}:${e.range.start.character}→${e.newText}`;
        }).sort();
    }
    return result;
}

async function references(ws: Workspace, file: string, position: Position, includeDeclaration: boolean): Promise<Location[]> {
    const doc = ws.docs[file];
    return ws.s.lsp.ReferencesProvider!.findReferences(doc, { textDocument: { uri: doc.uri.toString() }, position, context: { includeDeclaration } });
}

async function rename(ws: Workspace, file: string, position: Position, newName: string): Promise<WorkspaceEdit | undefined> {
    const doc = ws.docs[file];
    return ws.s.lsp.RenameProvider!.rename(doc, { textDocument: { uri: doc.uri.toString() }, position, newName });
}

describe('find references across files', () => {
    test('of an attribute, from a use in a segment file: the declaration in the schema and uses in every file, qualified or bare', async () => {
        const ws = await workspace();
        const found = await references(ws, 'high.segment', at(ws.docs['high.segment'], 'Score', 1), true);
        expect(places(ws, found, 'Score')).toEqual([
            'buyers.segment:3:4-9',
            'high.segment:2:31-36',
            'high.segment:4:13-18',
            'schema.segment:4:2-7'
        ]);
    });

    test('of an attribute, from its declaration, without the declaration', async () => {
        const ws = await workspace();
        const found = await references(ws, 'schema.segment', at(ws.docs['schema.segment'], 'Score '), false);
        expect(places(ws, found, 'Score')).toEqual(['buyers.segment:3:4-9', 'high.segment:2:31-36', 'high.segment:4:13-18']);
    });

    test('of an attribute named as an entity key and as a relationship end: `key CustomerId` counts as a use', async () => {
        const ws = await workspace();
        const schema = ws.docs['schema.segment'];
        const found = await references(ws, 'schema.segment', at(schema, 'CustomerId number'), true);
        expect(places(ws, found, 'CustomerId')).toEqual(['schema.segment:0:35-45', 'schema.segment:1:2-12']);
    });

    test('of an entity, from its declaration: audiences, qualified attributes, aggregates and relationships in the schema', async () => {
        const ws = await workspace();
        const found = await references(ws, 'schema.segment', at(ws.docs['schema.segment'], 'Purchase from'), false);
        expect(places(ws, found, 'Purchase')).toEqual(['buyers.segment:3:25-33', 'buyers.segment:3:40-48']);
        const customer = await references(ws, 'high.segment', at(ws.docs['high.segment'], 'Customer'), true);
        expect(places(ws, customer, 'Customer')).toEqual([
            'high.segment:1:11-19', 'high.segment:2:7-15', 'high.segment:2:22-30', 'high.segment:4:4-12',
            'buyers.segment:1:11-19',
            'schema.segment:0:7-15', 'schema.segment:16:42-50'
        ].sort());
    });
});

describe('rename across files', () => {
    test('an attribute, from a bare use in one segment file: its declaration and every use in every file', async () => {
        const ws = await workspace();
        const edit = await rename(ws, 'buyers.segment', at(ws.docs['buyers.segment'], 'Score'), 'Rating');
        expect(edits(ws, edit, 'Score')).toEqual({
            'schema.segment': ['4:2→Rating'],
            'high.segment': ['2:31→Rating', '4:13→Rating'],
            'buyers.segment': ['3:4→Rating']
        });
    });

    test('an entity, from its declaration: audiences, qualified names, aggregates and relationship ends', async () => {
        const ws = await workspace();
        const edit = await rename(ws, 'schema.segment', at(ws.docs['schema.segment'], 'Customer from'), 'Client');
        expect(edits(ws, edit, 'Customer')).toEqual({
            'schema.segment': ['0:7→Client', '16:42→Client'],
            'high.segment': ['1:11→Client', '2:22→Client', '2:7→Client', '4:4→Client'],
            'buyers.segment': ['1:11→Client']
        });
    });

    test('an attribute that is also a key and a relationship end: `key` is renamed with it, a same-named attribute of another entity is not', async () => {
        const ws = await workspace();
        const edit = await rename(ws, 'schema.segment', at(ws.docs['schema.segment'], 'CustomerId number'), 'Id');
        // Purchase.CustomerId has the same name but is another attribute: untouched.
        expect(edits(ws, edit, 'CustomerId')).toEqual({ 'schema.segment': ['0:35→Id', '1:2→Id'] });
    });

    test('after the rename is applied, the workspace still validates without errors', async () => {
        const ws = await workspace();
        const edit = await rename(ws, 'schema.segment', at(ws.docs['schema.segment'], 'Customer from'), 'Client');
        const s = services();
        for (const [name, doc] of Object.entries(ws.docs)) {
            const changes = [...(edit?.changes?.[doc.uri.toString()] ?? [])]
                .sort((a, b) => doc.textDocument.offsetAt(b.range.start) - doc.textDocument.offsetAt(a.range.start));
            let text = doc.textDocument.getText();
            for (const c of changes) text = text.slice(0, doc.textDocument.offsetAt(c.range.start)) + c.newText + text.slice(doc.textDocument.offsetAt(c.range.end));
            const renamed = await parseHelper(s)(text, { documentUri: URI.file(`/renamed/${name}`).toString() });
            expect(text.replace(/"[^"]*"/g, '""')).not.toMatch(/\bCustomer\b/);
            expect(renamed.parseResult.parserErrors).toEqual([]);
        }
        await s.shared.workspace.DocumentBuilder.build(s.shared.workspace.LangiumDocuments.all.toArray(), { validation: true });
        for (const doc of s.shared.workspace.LangiumDocuments.all) expect(doc.diagnostics ?? [], doc.uri.path).toEqual([]);
    });
});
