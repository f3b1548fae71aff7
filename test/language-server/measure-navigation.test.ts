import { TextDocument, type LangiumDocument } from 'langium';
import { parseHelper } from 'langium/test';
import { describe, expect, test } from 'vitest';
import type { Location, Position, TextEdit } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import type { SegmentServices } from '../../language-server/segment-module.js';
import { SCHEMA, services } from './support.js';

/**
 * Measures (reference, 6.4) are declared in any file of the workspace and used as
 * `Entity.Name` in others: go to definition, find references and rename work across files.
 */

const MEASURES = `measure Customer.LifetimeValue "Total spent" = sum(Purchase.Amount)
measure Product.Buyers = count(Customer)
`;

const VIP = `dynamic segment Vip {
  audience Customer
  show Customer.Name, Customer.LifetimeValue
  group {
    Customer.LifetimeValue > 1000 and Product.Buyers > 10
  }
}
`;

const LOYAL = `dynamic segment Loyal {
  audience Customer
  group { Customer.LifetimeValue >= 100 }
}
`;

interface Workspace {
    readonly s: SegmentServices;
    readonly docs: Record<string, LangiumDocument>;
}

async function workspace(files: Record<string, string> = { 'schema.segment': SCHEMA, 'measures.segment': MEASURES, 'vip.segment': VIP, 'loyal.segment': LOYAL }): Promise<Workspace> {
    const s = services();
    const docs: Record<string, LangiumDocument> = {};
    for (const [name, text] of Object.entries(files)) {
        docs[name] = await parseHelper(s)(text, { documentUri: URI.file(`/ws/${name}`).toString(), validation: true });
    }
    return { s, docs };
}

function at(doc: LangiumDocument, word: string, nth = 0, into = 1): Position {
    const text = doc.textDocument.getText();
    let offset = -1;
    for (let i = 0; i <= nth; i++) {
        offset = text.indexOf(word, offset + 1);
        if (offset < 0) throw new Error(`${word} occurs fewer than ${nth + 1} times`);
    }
    return doc.textDocument.positionAt(offset + into);
}

function places(ws: Workspace, locations: readonly Location[], word: string): string[] {
    return locations.map(l => {
        const name = URI.parse(l.uri).path.split('/').pop()!;
        expect(ws.docs[name].textDocument.getText(l.range)).toBe(word);
        return `${name}:${l.range.start.line}:${l.range.start.character}`;
    }).sort();
}

describe('measures across files', () => {
    test('every file validates: Customer.LifetimeValue and Product.Buyers resolve to the measures', async () => {
        const ws = await workspace();
        for (const doc of Object.values(ws.docs)) expect(doc.diagnostics ?? [], doc.uri.path).toEqual([]);
    });

    test('go to definition of a use goes to the measure declaration in its file', async () => {
        const ws = await workspace();
        const doc = ws.docs['vip.segment'];
        const links = await ws.s.lsp.DefinitionProvider!.getDefinition(doc, { textDocument: { uri: doc.uri.toString() }, position: at(doc, 'LifetimeValue', 1) });
        expect(links?.map(l => `${URI.parse(l.targetUri).path.split('/').pop()}:${l.targetSelectionRange.start.line}:${l.targetSelectionRange.start.character}`)).toEqual(['measures.segment:0:17']);
        const buyers = await ws.s.lsp.DefinitionProvider!.getDefinition(doc, { textDocument: { uri: doc.uri.toString() }, position: at(doc, 'Buyers') });
        expect(buyers?.map(l => `${URI.parse(l.targetUri).path.split('/').pop()}:${l.targetSelectionRange.start.line}`)).toEqual(['measures.segment:1']);
    });

    test('find references of a measure, from its declaration and from a use, in every file (show included)', async () => {
        const ws = await workspace();
        const fromDeclaration = await ws.s.lsp.ReferencesProvider!.findReferences(ws.docs['measures.segment'],
            { textDocument: { uri: ws.docs['measures.segment'].uri.toString() }, position: at(ws.docs['measures.segment'], 'LifetimeValue'), context: { includeDeclaration: true } });
        expect(places(ws, fromDeclaration, 'LifetimeValue')).toEqual(['loyal.segment:2:19', 'measures.segment:0:17', 'vip.segment:2:31', 'vip.segment:4:13']);
        const fromUse = await ws.s.lsp.ReferencesProvider!.findReferences(ws.docs['loyal.segment'],
            { textDocument: { uri: ws.docs['loyal.segment'].uri.toString() }, position: at(ws.docs['loyal.segment'], 'LifetimeValue'), context: { includeDeclaration: false } });
        expect(places(ws, fromUse, 'LifetimeValue')).toEqual(['loyal.segment:2:19', 'vip.segment:2:31', 'vip.segment:4:13']);
    });

    test('rename a measure from a use: its declaration and every use (a keyword is a fine measure name)', async () => {
        const ws = await workspace();
        const doc = ws.docs['loyal.segment'];
        const edit = await ws.s.lsp.RenameProvider!.rename(doc, { textDocument: { uri: doc.uri.toString() }, position: at(doc, 'LifetimeValue'), newName: 'total' });
        const result: Record<string, string[]> = {};
        for (const [uri, changes] of Object.entries(edit?.changes ?? {})) {
            result[URI.parse(uri).path.split('/').pop()!] = (changes as TextEdit[]).map(e => `${e.range.start.line}:${e.range.start.character}→${e.newText}`).sort();
        }
        expect(result).toEqual({ 'measures.segment': ['0:17→total'], 'vip.segment': ['2:31→total', '4:13→total'], 'loyal.segment': ['2:19→total'] });
    });

    test('an attribute of the same name wins, and the measure is reported', async () => {
        const ws = await workspace({ 'schema.segment': SCHEMA, 'measures.segment': 'measure Customer.Score = count(Purchase)\n' });
        expect(ws.docs['measures.segment'].diagnostics?.map(d => d.code)).toEqual(['measure-name-taken']);
    });

    test('a measure declared after its use is found when its file is added', async () => {
        const s = services();
        await parseHelper(s)(SCHEMA, { documentUri: URI.file('/ws/schema.segment').toString(), validation: true });
        const loyal = await parseHelper(s)(LOYAL, { documentUri: URI.file('/ws/loyal.segment').toString(), validation: true });
        expect(loyal.diagnostics?.map(d => d.code)).toEqual(['unknown-attribute']);
        // As the language server does when a file is opened: only the new file is reported changed.
        const uri = URI.file('/ws/measures.segment');
        s.shared.workspace.TextDocuments.set(TextDocument.create(uri.toString(), 'segment', 1, MEASURES));
        await s.shared.workspace.DocumentBuilder.update([uri], []);
        expect(loyal.diagnostics ?? []).toEqual([]);
    });
});
