import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHelper } from 'langium/test';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { CompletionRequest, DidChangeTextDocumentNotification, DocumentFormattingRequest, HoverRequest, type CompletionList } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import type { Model } from '../../grammar/generated/ast.js';
import { ensureBuilt, SAMPLE, ServerProcess } from './lsp-process.js';
import { services } from './support.js';

/** A seeded random stream (mulberry32), so a failing input can be found again. */
function random(seed: number): () => number {
    return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Cut, shuffled, spliced and sprinkled versions of the sample files. */
function mangled(count: number, seed = 7): string[] {
    const next = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const samples = ['schema', 'contact', 'marketing', 'security', 'valentines'].map(n => readFileSync(join(SAMPLE, `${n}.segment`), 'utf8'));
    const noise = ['{', '}', '(', ')', '"', '.', ',', 'and', 'or', 'not', 'group', 'segment', '->', '-', '\u0000', '\u{1F600}', '/*', '9999999999999999999999', 'é'];
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
        const text = pick(samples);
        switch (i % 5) {
            case 0: out.push(text.slice(0, Math.floor(next() * text.length))); break;
            case 1: out.push(text.split('\n').sort(() => next() - 0.5).join('\n')); break;
            case 2: {
                const tokens = text.split(/(\s+)/);
                for (let k = 0; k < 10; k++) tokens.splice(Math.floor(next() * tokens.length), 1, pick(noise));
                out.push(tokens.join(''));
                break;
            }
            case 3: out.push(text.slice(Math.floor(next() * text.length))); break;
            default: {
                const a = Math.floor(next() * text.length);
                out.push(text.slice(0, a) + pick(samples).slice(Math.floor(next() * 500)));
            }
        }
    }
    return out;
}

/** `promise`, or a failure naming `what` after `ms`: a hung server fails the test instead of stalling it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms); });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const INPUTS = 300;
/** Every this many inputs, wait for the server to publish diagnostics and ask it for completion, hover and formatting. */
const CHECK_EVERY = 10;
/** How long one answer may take on a slow, loaded machine before the server counts as hung. */
const ANSWER_MS = 60_000;

describe('bad input through the server process', () => {
    let server: ServerProcess;

    beforeAll(async () => {
        ensureBuilt();
        server = await ServerProcess.start(SAMPLE);
    }, 120_000);

    afterAll(async () => {
        await server?.stop();
    });

    // The inputs arrive as an editor sends them while someone types fast: most versions are
    // superseded before their build ends (and are cancelled), every tenth one is waited for, so
    // the time is bounded by about thirty full builds, not three hundred.
    test(`${INPUTS} random, truncated and shuffled files never crash or hang the server`, async () => {
        const inputs = mangled(INPUTS);
        const uri = await server.open(join(SAMPLE, 'fuzz.segment'), '');
        const next = random(11);
        for (const [i, text] of inputs.entries()) {
            const published = server.nextDiagnostics(uri);
            await server.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: i + 2 }, contentChanges: [{ text }] });
            if (i % CHECK_EVERY !== CHECK_EVERY - 1) continue;
            await within(published, ANSWER_MS, `diagnostics after input ${i}`);
            const offset = Math.floor(next() * text.length);
            const before = text.slice(0, offset).split('\n');
            const position = { line: before.length - 1, character: before[before.length - 1].length };
            await within(Promise.all([
                server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position }),
                server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }),
                server.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })
            ]), ANSWER_MS, `completion, hover and formatting in input ${i}`);
            expect(server.process.exitCode, `after input ${i}`).toBeNull();
        }
        // Still answering, and still right: completion after `Customer.` in a fresh file.
        const checkUri = URI.file(join(SAMPLE, 'after-fuzz.segment')).toString();
        const published = server.nextDiagnostics(checkUri);
        const check = await server.open(join(SAMPLE, 'after-fuzz.segment'), 'dynamic segment AfterFuzz {\n  audience Customer\n  group {\n    Customer.\n  }\n}\n');
        await within(published, ANSWER_MS, 'diagnostics of a fresh file');
        const result = await within(server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: check }, position: { line: 3, character: 13 } }), ANSWER_MS, 'completion in a fresh file') as CompletionList;
        expect(result.items.map(i => i.label)).toContain('CustomerSatisfaction');
        expect(server.process.exitCode).toBeNull();
        expect(server.stderr).not.toMatch(/TypeError|RangeError|ReferenceError|at .*\.cjs:\d+/);
        expect(server.errors).toEqual([]);
    }, 600_000);
});

// The server process above builds only the versions it is given time for. Here every input is
// parsed, linked and validated in full (in this process: milliseconds each), and asked for
// completion, hover and formatting: no check may throw.
describe('bad input, every file built in full', () => {
    test(`${INPUTS} random, truncated and shuffled files: no check throws, every request answers`, async () => {
        const s = services();
        const parse = parseHelper<Model>(s);
        const schema = readFileSync(join(SAMPLE, 'schema.segment'), 'utf8').replace('database "retail.sqlite"', `database ${JSON.stringify(join(SAMPLE, 'retail.sqlite'))}`);
        await parse(schema, { documentUri: URI.file('/fuzz/schema.segment').toString(), validation: true });
        const logged: unknown[] = [];
        const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { logged.push(args); });
        try {
            const next = random(13);
            for (const [i, text] of mangled(INPUTS).entries()) {
                const doc = await parse(text, { documentUri: URI.file(`/fuzz/input-${i}.segment`).toString(), validation: true });
                const crashed = (doc.diagnostics ?? []).filter(d => String(d.message).startsWith('An error occurred'));
                expect(crashed.map(d => d.message), `input ${i}: ${JSON.stringify(text.slice(0, 200))}`).toEqual([]);
                const position = doc.textDocument.positionAt(Math.floor(next() * text.length));
                const textDocument = { uri: doc.uri.toString() };
                await s.lsp.CompletionProvider!.getCompletion(doc, { textDocument, position });
                await s.lsp.HoverProvider!.getHoverContent(doc, { textDocument, position });
                await s.lsp.Formatter!.formatDocument(doc, { textDocument, options: { tabSize: 2, insertSpaces: true } });
                await s.shared.workspace.DocumentBuilder.update([], [doc.uri]);
            }
        } finally {
            spy.mockRestore();
        }
        expect(logged).toEqual([]);
    }, 600_000);
});
