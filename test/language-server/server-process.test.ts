import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CompletionRequest, HoverRequest, ReferencesRequest, RenameRequest, type CompletionList, type MarkupContent, type Position } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { ensureBuilt, SAMPLE, ServerProcess } from './lsp-process.js';

/** The bundled server (out/server.cjs) as its own process, spoken to over stdio like an editor would. */
describe('the language server process on samples/retail', () => {
    let server: ServerProcess;

    beforeAll(async () => {
        ensureBuilt();
        server = await ServerProcess.start(SAMPLE);
    }, 120_000);

    afterAll(async () => {
        await server?.stop();
    });

    test('publishes diagnostics for the workspace: the sample only has the DoNotCall key 9999 to warn about', async () => {
        const uri = URI.file(join(SAMPLE, 'contact.segment')).toString();
        const diagnostics = await server.nextDiagnostics(uri, true);
        expect(diagnostics.map(d => [d.code, d.message])).toEqual([['member-not-found', 'No Customer has CustomerId 9999 in the data: this key adds no member.']]);
    }, 60_000);

    test('didOpen with a mistake publishes its diagnostic', async () => {
        const file = join(SAMPLE, 'security.segment');
        const uri = URI.file(file).toString();
        // The workspace's first build publishes this file's (empty) diagnostics: wait for them, so
        // that the ones awaited next are those of the edited text.
        await server.nextDiagnostics(uri, true);
        const pending = server.nextDiagnostics(uri);
        await server.open(file, readFileSync(file, 'utf8').replace('Customer.CustomerSatisfaction < 60', 'Customer.CustomerSatisfction < 60'));
        const diagnostics = await pending;
        // The sample declares a measure of Customer (LifetimeValue, for TopSpenders).
        expect(diagnostics.map(d => [d.code, d.message])).toEqual([['unknown-attribute', 'Customer has no attribute or measure CustomerSatisfction. Did you mean CustomerSatisfaction?']]);
    }, 60_000);

    test('a document closed without saving leaves the model: a file as it is on disk, an untitled one gone with its clashes', async () => {
        // security.segment is open with the mistake typed above: closed with "Don't Save", its saved text counts again.
        const file = URI.file(join(SAMPLE, 'security.segment')).toString();
        const reread = server.nextDiagnostics(file);
        await server.close(file);
        expect(await reread).toEqual([]);
        // An untitled buffer declaring Customer again clashes with the schema; closed, it is gone:
        // its diagnostics are cleared, and a new buffer may use the names it declared.
        const untitled = 'untitled:Untitled-1';
        const clashing = server.nextDiagnostics(untitled);
        await server.openUri(untitled, 'entity Customer from customers key CustomerId {\n  CustomerId  number  column customer_id\n}\n'
            + 'dynamic segment Scratch {\n  audience Customer\n  group { CustomerId > 1 }\n}\n');
        expect((await clashing).map(d => d.code)).toEqual(['duplicate-name']);
        const cleared = server.nextDiagnostics(untitled);
        await server.close(untitled);
        expect(await cleared).toEqual([]);
        const next = 'untitled:Untitled-2';
        const again = server.nextDiagnostics(next);
        await server.openUri(next, 'dynamic segment Scratch {\n  audience Customer\n  group { CustomerId > 2 }\n}\n');
        expect(await again).toEqual([]);
        await server.close(next);
    }, 60_000);

    test('completion after `Customer.` lists its attributes with their types', async () => {
        const file = join(SAMPLE, 'scratch-completion.segment');
        const text = 'dynamic segment Scratch {\n  audience Customer\n  group {\n    Customer.\n  }\n}\n';
        const published = server.nextDiagnostics(URI.file(file).toString());
        const uri = await server.open(file, text);
        await published;
        const result = await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 3, character: 13 } }) as CompletionList;
        const items = result.items.map(i => [i.label, i.detail]);
        expect(items).toContainEqual(['City', 'text (column city)']);
        expect(items).toContainEqual(['DoNotCall', 'boolean (column do_not_call)']);
        // Nine attributes and the measures LifetimeValue and RecentOrders.
        expect(items.map(i => i[0])).toEqual(expect.arrayContaining(['LifetimeValue', 'RecentOrders']));
        expect(items).toHaveLength(11);
    }, 60_000);

    test('hover on an attribute shows its type, column, description and values from the data', async () => {
        const file = join(SAMPLE, 'marketing.segment');
        const text = readFileSync(file, 'utf8');
        const uri = await server.open(file, text);
        const at = text.indexOf('Interaction.Kind') + 'Interaction.'.length + 1;
        const lines = text.slice(0, at).split('\n');
        const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: lines.length - 1, character: lines[lines.length - 1].length } });
        const value = (hover?.contents as MarkupContent).value;
        expect(value).toMatch(/^\*\*Interaction\.Kind\*\* · text\n\nColumn `kind` of table `interactions`\n\nemail_open, web_visit, store_visit, chat, support_call or cart\n\n6 distinct values; most frequent: `email_open` \(\d+\)/);
    }, 60_000);

    test('rename of a segment edits its declaration and every reference, across files', async () => {
        const file = join(SAMPLE, 'contact.segment');
        const text = readFileSync(file, 'utf8');
        const uri = URI.file(file).toString();
        const at = text.indexOf('static segment DoNotCall') + 'static segment '.length + 2;
        const lines = text.slice(0, at).split('\n');
        const edit = await server.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: { line: lines.length - 1, character: lines[lines.length - 1].length }, newName: 'NoCalls' });
        const changes = edit?.changes ?? {};
        const files = Object.keys(changes).map(u => URI.parse(u).path.split('/').pop()).sort();
        expect(files).toEqual(['contact.segment', 'marketing.segment']);
        // The declaration, the compound part, and in the file's test `no members in DoNotCall` and `by DoNotCall`.
        expect(changes[uri].map(e => e.newText)).toEqual(['NoCalls', 'NoCalls', 'NoCalls', 'NoCalls']);
    }, 60_000);

    test('find references of an attribute: its declaration in the schema and its uses in the segment files', async () => {
        const file = join(SAMPLE, 'contact.segment');
        const uri = URI.file(file).toString();
        const found = await server.connection.sendRequest(ReferencesRequest.type, {
            textDocument: { uri }, position: positionOf(readFileSync(file, 'utf8'), 'CreditBalance', 2), context: { includeDeclaration: true }
        });
        const places = (found ?? []).map(l => `${URI.parse(l.uri).path.split('/').pop()}:${l.range.start.line + 1}:${l.range.start.character}`).sort();
        expect(places).toEqual(occurrences('CreditBalance', ['contact', 'marketing', 'schema']));
    }, 60_000);

    test('rename of an entity edits its declaration and every use, across files', async () => {
        const file = join(SAMPLE, 'schema.segment');
        const uri = URI.file(file).toString();
        const edit = await server.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: positionOf(readFileSync(file, 'utf8'), 'entity Interaction', 9), newName: 'Contact' });
        const places = Object.entries(edit?.changes ?? {}).flatMap(([u, edits]) => edits.map(e => {
            expect(e.newText).toBe('Contact');
            return `${URI.parse(u).path.split('/').pop()}:${e.range.start.line + 1}:${e.range.start.character}`;
        })).sort();
        // Not `InteractionId`, nor the word in a description.
        expect(places).toEqual(occurrences('Interaction', ['journeys', 'marketing', 'schema', 'valentines']));
    }, 60_000);

    test('shuts down and exits with code 0', async () => {
        const code = await server.stop();
        expect(code).toBe(0);
        expect(server.stderr).toBe('');
    }, 30_000);
});

/**
 * Where `word` occurs as a whole word in these sample files (as on disk), outside text in quotes
 * and comments: `file:line:character`, sorted.
 */
function occurrences(word: string, files: readonly string[]): string[] {
    const code = (line: string): string => line.replace(/"[^"]*"|\/\/.*$/g, m => ' '.repeat(m.length));
    return files.flatMap(name => readFileSync(join(SAMPLE, `${name}.segment`), 'utf8').split('\n').flatMap((line, i) =>
        [...code(line).matchAll(new RegExp(`\\b${word}\\b`, 'g'))].map(m => `${name}.segment:${i + 1}:${m.index}`))).sort();
}

/** The position `into` characters into the first occurrence of `text` in `source`. */
function positionOf(source: string, text: string, into: number): Position {
    const before = source.slice(0, source.indexOf(text) + into).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
}
