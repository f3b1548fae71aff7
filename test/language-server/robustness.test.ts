import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHelper } from 'langium/test';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { CompletionRequest, DidChangeTextDocumentNotification, DocumentFormattingRequest, HoverRequest, type CompletionList, type Diagnostic, type MarkupContent } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import * as ast from '../../grammar/generated/ast.js';
import type { Model } from '../../grammar/generated/ast.js';
import { AstUtils, CstUtils } from 'langium';
import { MAX_CONDITION_DEPTH } from '../../language-server/input-limits.js';
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

/** A dynamic segment over the sample's customers with one group holding `condition`. */
function hostile(name: string, condition: string): string {
    return `dynamic segment ${name} {\n  audience Customer\n  group {\n    ${condition}\n  }\n}\n`;
}

const terms = (count: number, op: string, term: (i: number) => string): string => Array.from({ length: count }, (_, i) => term(i)).join(` ${op} `);

/** Files nested far beyond the parser's limit, their segments' names starting with `p`: each gets one `too-deep` error and nothing else. */
const deep = (p: string): Record<string, string> => ({
    'parentheses-200': hostile(`${p}Parentheses`, `${'('.repeat(200)}Customer.CreditBalance > 1${')'.repeat(200)}`),
    'not-10000': hostile(`${p}Nots`, `${'not '.repeat(10_000)}Customer.CreditBalance > 1`),
    'count-where-1000': hostile(`${p}Counts`, `${'count(Purchase where '.repeat(1000)}Purchase.Amount > 1${') > 0'.repeat(1000)}`),
    'not-parentheses-5000': hostile(`${p}NotParentheses`, `${'not ('.repeat(5000)}Customer.CreditBalance > 1${')'.repeat(5000)}`)
});

/** Files as long as anyone could write, and longer: diagnostics, no error. */
const long = (p: string): Record<string, string> => ({
    'and-5000': hostile(`${p}LongAnd`, terms(5000, 'and', i => `Customer.CreditBalance != ${i}`)),
    'or-20000': hostile(`${p}LongOr`, terms(20_000, 'or', i => `Customer.CreditBalance = ${i}`)),
    'string-10mb': hostile(`${p}LongString`, `Customer.Email = "${'x'.repeat(10_000_000)}"`),
    'equals-1mb': hostile(`${p}LongEquals`, `Customer.Name = "${'y'.repeat(1_000_000)}"`),
    'in-10000': hostile(`${p}LongIn`, `Customer.City in (${terms(10_000, ',', i => `"City ${i}"`)})`),
    'keys-10000': `static segment ${p}ManyKeys {\n  audience Customer\n  members ${terms(10_000, ',', i => String(1001 + i * 7))}\n}\n`,
    'compound-30': [`dynamic segment ${p}R1 { audience Customer group { Customer.CreditBalance > 100 } }`,
        ...Array.from({ length: 29 }, (_, i) => `compound segment ${p}R${i + 2} { ${p}R${i + 1} union ${p}R${i + 1} }`)].join('\n') + '\n'
});
const DEEP = deep('');
const LONG = long('');

/** The sample's schema in a folder of its own, its `database` line made absolute. */
function workspaceWith(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-hostile-'));
    writeFileSync(join(dir, 'schema.segment'), readFileSync(join(SAMPLE, 'schema.segment'), 'utf8').replace('database "retail.sqlite"', `database ${JSON.stringify(join(SAMPLE, 'retail.sqlite'))}`));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.segment`), text);
    return dir;
}

const errors = (diagnostics: readonly Diagnostic[]): Diagnostic[] => diagnostics.filter(d => d.severity === 1);

describe('deep and long files through the server process', () => {
    let server: ServerProcess;
    let dir: string;

    beforeAll(async () => {
        ensureBuilt();
        // On disk, so that the server reads them when it starts, before any file is opened.
        dir = workspaceWith({ ...DEEP, ...LONG, good: hostile('Good', 'Customer.CreditBalance > 9000') });
        server = await ServerProcess.start(dir);
    }, 120_000);

    afterAll(async () => {
        await server?.stop();
    });

    const uriOf = (name: string): string => URI.file(join(dir, `${name}.segment`)).toString();

    test('a file nested too deeply gets one too-deep error naming the limit, and no other', async () => {
        for (const name of Object.keys(DEEP)) {
            const diagnostics = await within(server.nextDiagnostics(uriOf(name), true), ANSWER_MS, `diagnostics of ${name}`);
            expect(diagnostics.map(d => [d.code, d.severity]), name).toEqual([['too-deep', 1]]);
            expect(diagnostics[0].message).toContain(`more than ${MAX_CONDITION_DEPTH} levels`);
        }
    }, 300_000);

    test('a long file gets its diagnostics, and no error', async () => {
        for (const name of Object.keys(LONG)) {
            const diagnostics = await within(server.nextDiagnostics(uriOf(name), true), ANSWER_MS, `diagnostics of ${name}`);
            expect(errors(diagnostics), name).toEqual([]);
        }
        // The data-aware checks still speak: the cities and the keys not in the data.
        const cities = await server.nextDiagnostics(uriOf('in-10000'), true);
        expect(cities.filter(d => d.code === 'value-not-found')).toHaveLength(10_000);
        const keys = await server.nextDiagnostics(uriOf('keys-10000'), true);
        expect(keys.filter(d => d.code === 'member-not-found').length).toBeGreaterThan(9000);
        // On the value it is about, and the message cut short.
        const long = (await server.nextDiagnostics(uriOf('equals-1mb'), true)).find(d => d.code === 'value-not-found');
        expect(long?.range.start).toEqual({ line: 3, character: 20 });
        expect(String(long?.message).length).toBeLessThan(400);
    }, 300_000);

    test('the other files still get diagnostics, completion and hover', async () => {
        expect(await server.nextDiagnostics(uriOf('good'), true)).toEqual([]);
        const file = join(dir, 'typing.segment');
        const published = server.nextDiagnostics(URI.file(file).toString());
        const uri = await server.open(file, 'dynamic segment Typing {\n  audience Customer\n  group {\n    Customer.\n  }\n}\n');
        await within(published, ANSWER_MS, 'diagnostics of a new file');
        const completion = await within(server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 3, character: 13 } }), ANSWER_MS, 'completion') as CompletionList;
        expect(completion.items.map(i => i.label)).toContain('CustomerSatisfaction');
        const good = await server.open(join(dir, 'good.segment'), hostile('Good', 'Customer.CreditBalance > 9000'));
        const hover = await within(server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: good }, position: { line: 3, character: 15 } }), ANSWER_MS, 'hover');
        expect((hover?.contents as MarkupContent).value).toContain('Customer.CreditBalance');
        expect(server.process.exitCode).toBeNull();
    }, 300_000);

    test('the same texts typed into an open editor: every version answered, the server stays up', async () => {
        const file = join(dir, 'edited.segment');
        const opened = server.nextDiagnostics(URI.file(file).toString());
        const uri = await server.open(file, '');
        await within(opened, ANSWER_MS, 'diagnostics of the opened file');
        let version = 2;
        for (const [name, text] of Object.entries({ ...deep('Typed'), ...long('Typed') })) {
            const published = server.nextDiagnostics(uri);
            await server.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: version++ }, contentChanges: [{ text }] });
            const diagnostics = await within(published, ANSWER_MS, `diagnostics after typing ${name}`);
            expect(errors(diagnostics).map(d => d.code), name).toEqual(name in DEEP ? ['too-deep'] : []);
            await within(server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 3, character: 6 } }), ANSWER_MS, `hover in ${name}`);
            await within(server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 3, character: 4 } }), ANSWER_MS, `completion in ${name}`);
        }
        expect(server.process.exitCode).toBeNull();
        expect(server.stderr).not.toMatch(/RangeError|Maximum call stack|TypeError/);
        expect(server.errors).toEqual([]);
    }, 600_000);
});

// What the parser makes of deep and long text, in this process.
describe('deep and long text, parsed', () => {
    const schema = readFileSync(join(SAMPLE, 'schema.segment'), 'utf8').replace(/database "[^"]*"/, '');

    async function parsed(text: string): Promise<{ model: Model; diagnostics: readonly Diagnostic[] }> {
        const s = services();
        const parse = parseHelper<Model>(s);
        await parse(schema, { documentUri: URI.file('/deep/schema.segment').toString() });
        const doc = await parse(text, { documentUri: URI.file('/deep/input.segment').toString(), validation: true });
        return { model: doc.parseResult.value, diagnostics: doc.diagnostics ?? [] };
    }

    /** The deepest node of the tree, counted from the root. */
    function depth(model: Model): number {
        let deepest = 0;
        for (const node of AstUtils.streamAst(model)) {
            let d = 0;
            for (let n = node.$container; n; n = n.$container) d++;
            deepest = Math.max(deepest, d);
        }
        return deepest;
    }

    test('a chain of 100,000 conditions is a balanced tree; every token is in the CST, in order', async () => {
        const text = hostile('Long', terms(100_000, 'and', i => `Customer.CreditBalance != ${i}`));
        const { model, diagnostics } = await parsed(text);
        expect(diagnostics).toEqual([]);
        expect(depth(model)).toBeLessThan(40);
        const leaves = CstUtils.flattenCst(model.$cstNode!).filter(l => !l.hidden).toArray();
        expect(leaves.map(l => l.text).join('')).toBe(text.replace(/\s+/g, ''));
        const condition = ((model.segments[0] as ast.DynamicSegment).groups[0] as ast.Group).condition!;
        // Each operand's range is its own text.
        const operands: ast.Condition[] = [];
        const pending: ast.Condition[] = [condition];
        while (pending.length > 0) {
            const c = pending.pop()!;
            if (ast.isAndCondition(c)) pending.push(c.right, c.left);
            else operands.push(c);
        }
        expect(operands).toHaveLength(100_000);
        expect(operands[73_001].$cstNode!.text).toBe('Customer.CreditBalance != 73001');
    }, 120_000);

    test('a short chain keeps the parser\'s own shape: ((a and b) and c)', async () => {
        const { model } = await parsed(hostile('Short', 'Customer.CreditBalance > 1 and Customer.CreditBalance > 2 and Customer.CreditBalance > 3'));
        const condition = ((model.segments[0] as ast.DynamicSegment).groups[0] as ast.Group).condition as ast.AndCondition;
        expect(ast.isAndCondition(condition.left)).toBe(true);
        expect(condition.$cstNode!.text).toBe('Customer.CreditBalance > 1 and Customer.CreditBalance > 2 and Customer.CreditBalance > 3');
        expect(condition.left.$cstNode!.text).toBe('Customer.CreditBalance > 1 and Customer.CreditBalance > 2');
    });

    test(`nesting up to ${MAX_CONDITION_DEPTH} levels is read; one more is too-deep, and the segments after it are read`, async () => {
        const at = (levels: number): string => `${'not ('.repeat(levels / 2)}Customer.CreditBalance > 1${')'.repeat(levels / 2)}`;
        expect((await parsed(hostile('Deep', at(MAX_CONDITION_DEPTH)))).diagnostics).toEqual([]);
        const { model, diagnostics } = await parsed(hostile('Deeper', at(MAX_CONDITION_DEPTH + 2)) + hostile('After', 'Customer.CreditBalance > 1'));
        expect(diagnostics.map(d => d.code)).toEqual(['too-deep']);
        expect(model.segments.map(s => s.name)).toEqual(['Deeper', 'After']);
    });
});
