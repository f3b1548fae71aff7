import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseHelper } from 'langium/test';
import { describe, expect, test } from 'vitest';
import { HoverRequest, type Diagnostic, type MarkupContent } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import type { Model } from '../../grammar/generated/ast.js';
import { ensureBuilt, ServerProcess } from './lsp-process.js';
import { SCHEMA, services, sqliteFile } from './support.js';

/**
 * A workspace folder on disk: `schema.segment` (the database line and SCHEMA, changed by
 * `schema`) and `main.segment`; returns the diagnostics of main.segment and of schema.segment.
 */
async function workspace(main: string, options: { database?: string; schema?: (s: string) => string; files?: Record<string, string | Uint8Array> } = {}) {
    const database = options.database ?? await sqliteFile();
    const dir = options.database ? mkdtempSync(join(tmpdir(), 'segments-ws-')) : dirname(database);
    for (const [name, content] of Object.entries(options.files ?? {})) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), content);
    }
    const s = services();
    const parse = parseHelper<Model>(s);
    const schema = await parse(`database ${JSON.stringify(database)}\n${(options.schema ?? (x => x))(SCHEMA)}`, { documentUri: URI.file(join(dir, 'schema.segment')).toString() });
    const doc = await parse(main, { documentUri: URI.file(join(dir, 'main.segment')).toString() });
    await s.shared.workspace.DocumentBuilder.build([schema, doc], { validation: true });
    const brief = (d: Diagnostic): string[] => [String(d.code), typeof d.message === 'string' ? d.message : d.message.value];
    return { dir, services: s, doc, main: (doc.diagnostics ?? []).map(brief), schema: (schema.diagnostics ?? []).map(brief) };
}

describe('database files that are not databases, in check', () => {
    test('/dev/zero, a FIFO, a 0-byte file and a folder: a database-unreadable diagnostic each, in bounded memory', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-db-'));
        execFileSync('mkfifo', [join(dir, 'pipe.sqlite')]);
        writeFileSync(join(dir, 'empty.sqlite'), '');
        mkdirSync(join(dir, 'folder.sqlite'));
        const rss = process.memoryUsage().rss;
        const cases: [string, RegExp][] = [
            ['/dev/zero', /is a device, not a database file/],
            [join(dir, 'pipe.sqlite'), /is a named pipe \(FIFO\), not a database file/],
            [join(dir, 'empty.sqlite'), /is empty \(0 bytes\)/],
            [join(dir, 'folder.sqlite'), /is a folder, not a database file/]
        ];
        for (const [file, message] of cases) {
            const ws = await workspace('', { database: file });
            expect(ws.schema.map(d => d[0])).toEqual(['database-unreadable']);
            expect(ws.schema[0][1]).toMatch(message);
        }
        expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20);
    });
});

describe('members files in check', () => {
    const segment = (file: string, audience = 'Customer') => `static segment S { audience ${audience} members from ${JSON.stringify(file)} }`;

    test('a file outside the workspace folder is an error with a stable code, and is not read', async () => {
        const ws = await workspace(segment('../../../../etc/passwd'));
        expect(ws.main.map(d => d[0])).toEqual(['members-file-outside']);
        expect(ws.main[0][1]).toMatch(/^The members file \/etc\/passwd is outside the workspace folder .*: a segment reads files only from its workspace folder\.$/);
    });

    test('a missing file and a folder are reported by check, not only by run', async () => {
        const missing = await workspace(segment('gone.csv'));
        expect(missing.main.map(d => d[0])).toEqual(['members-file-missing']);
        const folder = await workspace(segment('keys'), { files: { 'keys/a.csv': 'id\n1\n' } });
        expect(folder.main).toEqual([['members-file-unreadable', `The members file ${join(folder.dir, 'keys')} is a folder, not a file.`]]);
    });

    test('keys that do not parse are reported with their line numbers', async () => {
        const ws = await workspace(segment('keys.csv'), { files: { 'keys.csv': 'CustomerId\n1\n1028x\n\n0x3F6\n2\n' } });
        expect(ws.main).toEqual([
            ['members-file-key', 'keys.csv, line 3: "1028x" is not a number key (write the key in decimal digits, such as 1028).'],
            ['members-file-key', 'keys.csv, line 5: "0x3F6" is not a number key (write the key in decimal digits, such as 1028).']
        ]);
    });

    test('an unbalanced quote and a UTF-16 file are errors naming the problem', async () => {
        const quote = await workspace(segment('keys.csv'), { files: { 'keys.csv': 'CustomerId\n1\n"2\n3\n' } });
        expect(quote.main).toEqual([['members-file-syntax', 'keys.csv, line 3: a quote is opened and never closed.']]);
        const utf16 = await workspace(segment('keys.csv'), { files: { 'keys.csv': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('CustomerId\n1\n', 'utf16le')]) } });
        expect(utf16.main.map(d => d[0])).toEqual(['members-file-encoding']);
        expect(utf16.main[0][1]).toMatch(/is UTF-16 text .*save it as UTF-8 CSV\.$/);
    });

    test('a good file inside the folder gives no diagnostic', async () => {
        const ws = await workspace(segment('lists/keys.csv'), { files: { 'lists/keys.csv': 'CustomerId\n1\n4\n' } });
        expect(ws.main).toEqual([]);
    });
});

describe('counts of segments whose schema has errors', () => {
    test('a segment reading a missing column is never counted and says why; a segment that does not read it is counted', async () => {
        const ws = await workspace('dynamic segment Dubliners { audience Customer group { Customer.City = "Dublin" } }\ndynamic segment Scored { audience Customer group { Customer.Score > 10 } }\n', {
            schema: s => s.replace('column score', 'column scor')
        });
        expect(ws.schema.map(d => d[0])).toEqual(['column-missing']);
        const lens = ws.services.lsp.CodeLensProvider!;
        const params = { textDocument: { uri: ws.doc.textDocument.uri } };
        await lens.provideCodeLens(ws.doc, params);
        await ws.services.data.SegmentCounts.settled();
        const titles = (await lens.provideCodeLens(ws.doc, params))!.map(l => l.command?.title).filter(t => t !== 'Show SQL');
        expect(titles).toEqual(['2 members', 'Run (schema error: table customers has no column scor (Customer.Score))']);
    });

    test('a static segment whose members file has errors is not counted, and the lens says so briefly', async () => {
        const ws = await workspace('static segment FromFile { audience Customer members from "keys.csv" }\nstatic segment Listed { audience Customer members 1, 2 }\n', { files: { 'keys.csv': 'CustomerId\n1\n1028x\n' } });
        expect(ws.main.map(d => d[0])).toEqual(['members-file-key']);
        const lens = ws.services.lsp.CodeLensProvider!;
        const params = { textDocument: { uri: ws.doc.textDocument.uri } };
        await lens.provideCodeLens(ws.doc, params);
        await ws.services.data.SegmentCounts.settled();
        const titles = (await lens.provideCodeLens(ws.doc, params))!.map(l => l.command?.title).filter(t => t !== 'Show SQL');
        expect(titles).toEqual(['Run (members file has errors)', '2 members']);
    });
});

describe('the language server process on a database that is not a file', () => {
    test('a FIFO, then /dev/zero: the server publishes database-unreadable and keeps answering; a FIFO named *.segment is not read', async () => {
        ensureBuilt();
        const dir = mkdtempSync(join(tmpdir(), 'segments-lsp-'));
        execFileSync('mkfifo', [join(dir, 'pipe.sqlite')]);
        // A FIFO named like a segment file in the workspace must not stop the first build either.
        execFileSync('mkfifo', [join(dir, 'pipe.segment')]);
        const file = join(dir, 'schema.segment');
        writeFileSync(file, `database "pipe.sqlite"\n${SCHEMA}`);
        const server = await ServerProcess.start(dir);
        try {
            const uri = URI.file(file).toString();
            const first = await server.nextDiagnostics(uri, true);
            expect(first.map(d => [d.code, d.message])).toEqual([['database-unreadable', `The database file ${join(dir, 'pipe.sqlite')} cannot be read: is a named pipe (FIFO), not a database file.`]]);
            const pending = server.nextDiagnostics(uri);
            await server.open(file, `database "/dev/zero"\n${SCHEMA}`);
            expect((await pending).map(d => d.code)).toEqual(['database-unreadable']);
            const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 1, character: 8 } });
            expect((hover?.contents as MarkupContent | undefined)?.value).toMatch(/Customer/);
            expect(server.process.exitCode).toBeNull();
        } finally {
            await server.stop();
        }
    }, 120_000);
});
