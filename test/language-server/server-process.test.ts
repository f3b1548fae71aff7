import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CompletionRequest, HoverRequest, RenameRequest, type CompletionList, type MarkupContent } from 'vscode-languageserver-protocol';
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
        const pending = server.nextDiagnostics(uri);
        await server.open(file, readFileSync(file, 'utf8').replace('Customer.CustomerSatisfaction < 60', 'Customer.CustomerSatisfction < 60'));
        const diagnostics = await pending;
        expect(diagnostics.map(d => [d.code, d.message])).toEqual([['unknown-attribute', 'Customer has no attribute CustomerSatisfction. Did you mean CustomerSatisfaction?']]);
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
        expect(items).toHaveLength(9);
    }, 60_000);

    test('hover on an attribute shows its type, column, description and values from the data', async () => {
        const file = join(SAMPLE, 'marketing.segment');
        const text = readFileSync(file, 'utf8');
        const uri = await server.open(file, text);
        const at = text.indexOf('Interaction.Kind') + 'Interaction.'.length + 1;
        const lines = text.slice(0, at).split('\n');
        const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: lines.length - 1, character: lines[lines.length - 1].length } });
        const value = (hover?.contents as MarkupContent).value;
        expect(value).toMatch(/^\*\*Interaction\.Kind\*\* · text\n\nColumn `kind` of table `interactions`\n\nemail_open, web_visit, store_visit, chat or support_call\n\n5 distinct values; most frequent: `email_open` \(\d+\)/);
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
        expect(changes[uri].map(e => e.newText)).toEqual(['NoCalls', 'NoCalls']);
    }, 60_000);

    test('shuts down and exits with code 0', async () => {
        const code = await server.stop();
        expect(code).toBe(0);
        expect(server.stderr).toBe('');
    }, 30_000);
});
