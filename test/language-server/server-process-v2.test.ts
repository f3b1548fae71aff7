import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CodeLensRequest, CompletionRequest, DocumentFormattingRequest, DocumentSymbolRequest, HoverRequest, type CompletionList, type DocumentSymbol, type MarkupContent, type Position } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { ensureBuilt, ServerProcess } from './lsp-process.js';
import { DATA, SCHEMA, sqliteFile } from './support.js';

/** A workspace using version 2 (event time, destinations, a sequence, a top step), spoken to through the bundled server like an editor would. */
describe('the language server process on a version 2 workspace', () => {
    let server: ServerProcess;
    let folder: string;
    const journeys = 'destination Crm { webhook "http://127.0.0.1:8787/segments" }\n\n'
        + 'dynamic segment Repeat {\n  audience Customer\n  activate Crm\n\n  sequence {\n    Purchase\n    then Purchase within 30 days\n  }\n}\n\n'
        + 'dynamic segment Dubliners {\n  audience Customer\n\n  group {\n    City = "Dublin"\n  }\n}\n\n'
        + 'dynamic segment TopDubliners {\n  audience Customer\n\n  group {\n    City = "Dublin"\n  }\n  top 1 by Customer.Score\n}\n';

    beforeAll(async () => {
        ensureBuilt();
        const database = await sqliteFile(DATA);
        folder = mkdtempSync(join(tmpdir(), 'segments-v2-'));
        writeFileSync(join(folder, 'schema.segment'), `database ${JSON.stringify(database)}\n\n${SCHEMA.replace('key PurchaseId {', 'key PurchaseId time PurchasedAt {')}`);
        writeFileSync(join(folder, 'journeys.segment'), journeys);
        server = await ServerProcess.start(folder);
    }, 120_000);

    afterAll(async () => {
        await server?.stop();
    });

    test('completion after `then` proposes `no` and the event entities', async () => {
        const uri = URI.file(join(folder, 'journeys.segment')).toString();
        await server.nextDiagnostics(uri, true);
        const result = await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: positionOf(journeys, 'then Purchase', 5) }) as CompletionList;
        expect(result.items.map(i => i.label)).toEqual(['no', 'Purchase']);
    }, 60_000);

    test('hover on a step names its time attribute; hover on `activate Crm` the webhook', async () => {
        const uri = URI.file(join(folder, 'journeys.segment')).toString();
        const step = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(journeys, 'then Purchase', 6) });
        expect((step?.contents as MarkupContent).value).toContain('Ordered by `Purchase.PurchasedAt` · datetime, column `purchased_at` of table `purchases`');
        const destination = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(journeys, 'activate Crm', 10) });
        expect((destination?.contents as MarkupContent).value).toMatch(/^\*\*Crm\*\* · webhook destination\n\nAfter each refresh/);
    }, 60_000);

    test('the file is formatted already; the outline lists the destination and the segments', async () => {
        const uri = URI.file(join(folder, 'journeys.segment')).toString();
        const edits = await server.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
        expect(edits).toEqual([]);
        const symbols = await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }) as DocumentSymbol[];
        expect(symbols.map(s => [s.name, s.detail])).toEqual([['Crm', 'webhook "http://127.0.0.1:8787/segments"'], ['Repeat', 'dynamic segment'], ['Dubliners', 'dynamic segment'], ['TopDubliners', 'dynamic segment']]);
    }, 60_000);

    test('code lenses: a count for each segment (a sequence and a top step too), and no error logged', async () => {
        const uri = URI.file(join(folder, 'journeys.segment')).toString();
        const lenses = async (): Promise<string[]> => ((await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? []).map(l => `${l.range.start.line}:${l.command?.title ?? ''}`);
        await lenses();
        let titles: string[] = [];
        // Asked again every 500 ms: counts start 250 ms after the last request (a debounce), as after an edit.
        for (let i = 0; i < 60; i++) {
            await new Promise(r => setTimeout(r, 500));
            titles = await lenses();
            if (!titles.some(t => t.includes('Counting'))) break;
        }
        const ready = titles.filter(t => !t.includes('Counting'));
        // Repeat: each customer of the data bought once; TopDubliners: the first of two Dubliners.
        expect(ready).toEqual(['2:0 members', '2:Show SQL', '12:2 members', '12:Show SQL', '20:1 member', '20:Show SQL']);
        expect(titles.every(t => !t.includes('has errors'))).toBe(true);
        expect(server.errors).toEqual([]);
    }, 60_000);
});

function positionOf(source: string, text: string, into: number): Position {
    const before = source.slice(0, source.indexOf(text) + into).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
}
