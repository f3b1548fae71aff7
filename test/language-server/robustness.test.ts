import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CompletionRequest, DidChangeTextDocumentNotification, DocumentFormattingRequest, HoverRequest, type CompletionList } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { ensureBuilt, SAMPLE, ServerProcess } from './lsp-process.js';

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

describe('bad input through the server process', () => {
    let server: ServerProcess;

    beforeAll(async () => {
        ensureBuilt();
        server = await ServerProcess.start(SAMPLE);
    }, 120_000);

    afterAll(async () => {
        await server?.stop();
    });

    test('300 random, truncated and shuffled files never crash or hang the server', async () => {
        const inputs = mangled(300);
        const uri = await server.open(join(SAMPLE, 'fuzz.segment'), '');
        const next = random(11);
        for (const [i, text] of inputs.entries()) {
            // Each version is parsed, linked and validated: its diagnostics come back before the next.
            const published = server.nextDiagnostics(uri);
            await server.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: i + 2 }, contentChanges: [{ text }] });
            await published;
            if (i % 10 === 0) {
                const offset = Math.floor(next() * text.length);
                const before = text.slice(0, offset).split('\n');
                const position = { line: before.length - 1, character: before[before.length - 1].length };
                await Promise.all([
                    server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position }),
                    server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }),
                    server.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })
                ]);
            }
        }
        // Still answering, and still right: completion after `Customer.` in a fresh file.
        const checkUri = URI.file(join(SAMPLE, 'after-fuzz.segment')).toString();
        const published = server.nextDiagnostics(checkUri);
        const check = await server.open(join(SAMPLE, 'after-fuzz.segment'), 'dynamic segment AfterFuzz {\n  audience Customer\n  group {\n    Customer.\n  }\n}\n');
        await published;
        const result = await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: check }, position: { line: 3, character: 13 } }) as CompletionList;
        expect(result.items.map(i => i.label)).toContain('CustomerSatisfaction');
        expect(server.process.exitCode).toBeNull();
        expect(server.stderr).not.toMatch(/TypeError|RangeError|ReferenceError|at .*\.cjs:\d+/);
        expect(URI.parse(uri).path).toMatch(/fuzz\.segment$/);
    }, 300_000);
});
