import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EmptyFileSystem, TextDocument } from 'langium';
import { parseHelper } from 'langium/test';
import { beforeAll, describe, expect, test } from 'vitest';
import { URI } from 'vscode-uri';
import { writeAtomically } from '../../cli/atomic-write.js';
import { createSegmentServices } from '../../language-server/segment-module.js';

// `segments fmt PATH... [--check]`, run as a user runs it: the bundled CLI in a child process.
const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/cli.cjs');
const SAMPLE = join(ROOT, 'samples/retail');
const SAMPLE_FILES = readdirSync(SAMPLE).filter(f => f.endsWith('.segment')).sort();

function segments(args: readonly string[], cwd: string): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A new folder holding the sample's `.segment` files (no database: fmt reads none). */
function sampleCopy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
    cpSync(SAMPLE, dir, { recursive: true, filter: src => !src.endsWith('.ts') && !src.endsWith('.sqlite') });
    return dir;
}

const TOKENS = /("(?:\\.|[^"\\\r\n])*")|(\/\/[^\n]*)|(\/\*[\s\S]*?\*\/)|([,(){}]|\.(?!\d))/g;

/**
 * The text badly laid out: every line indented with a tab; spaces around `,`, `(`, `)`, `{`, `}`
 * and `.` (not a decimal point) outside strings and comments; spaces at the end of code lines;
 * two blank lines between code lines. Comments keep their lines (the formatter keeps them where
 * they are).
 */
function mangle(text: string): string {
    const lines = text.split('\n');
    const comment = (line: string): boolean => [...line.matchAll(TOKENS)].some(m => m[2] !== undefined || m[3] !== undefined);
    return lines.map((line, i) => {
        const spaced = line.replace(TOKENS, (m, _s, _l, _b, p: string | undefined) => (p ? `  ${p}   ` : m)).replace(/^\s+/, '\t');
        if (comment(line)) return spaced;
        const next = lines[i + 1];
        return `${spaced}   ${next !== undefined && !comment(next) ? '\n\n' : ''}`;
    }).join('\n');
}

interface FileState { readonly text: string; readonly ino: number; readonly mtimeMs: number; readonly mode: number }

/** Every entry of `dir`, with the text, inode, modification time and mode of each file: to tell that nothing was written. */
function snapshot(dir: string): Map<string, FileState> {
    return new Map(readdirSync(dir).sort().map(name => {
        const info = lstatSync(join(dir, name));
        return [name, { text: info.isFile() ? readFileSync(join(dir, name), 'utf8') : '', ino: info.ino, mtimeMs: info.mtimeMs, mode: info.mode }];
    }));
}

/** What the editor gets: the language server's formatting edits, applied to the text. */
async function editorFormat(text: string): Promise<string> {
    const s = createSegmentServices(EmptyFileSystem).Segment;
    const document = await parseHelper(s)(text, { documentUri: URI.file('/ws/editor.segment').toString() });
    const edits = await s.lsp.Formatter!.formatDocument(document, { textDocument: { uri: document.textDocument.uri }, options: { tabSize: 2, insertSpaces: true } });
    return TextDocument.applyEdits(document.textDocument, edits);
}

const BAD = 'dynamic segment Rich {   title "Rich"\n\taudience    Customer\n  group{Customer . CreditBalance>5000 and ( Customer.City = "Cork" or Customer.City = "Galway" ) }   }\n\n\n\ncompound segment RichTwice { Rich union Rich }';
const GOOD = 'dynamic segment Rich {\n  title "Rich"\n  audience Customer\n\n  group {\n    Customer.CreditBalance > 5000\n    and (Customer.City = "Cork" or Customer.City = "Galway")\n  }\n}\n\ncompound segment RichTwice {\n  Rich\n  union Rich\n}\n';
const BROKEN = 'dynamic segment Broken {\n  audience   Customer\n  group { Customer.Name = }\n}\n';

beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
});

describe('segments fmt --check', () => {
    test('the sample is formatted: exit 0, nothing written', () => {
        const dir = sampleCopy();
        const before = snapshot(dir);
        const r = segments(['fmt', '--check', '.'], dir);
        expect(r).toEqual({ code: 0, stdout: '9 files already formatted\n', stderr: '' });
        expect(snapshot(dir)).toEqual(before);
    });

    test('names each file that would change with its first changed line, writes nothing, exit 1', () => {
        const dir = sampleCopy();
        writeFileSync(join(dir, 'rich.segment'), BAD);
        writeFileSync(join(dir, 'spaces.segment'), GOOD.replace('  audience Customer\n', '  audience Customer   \n'));
        const before = snapshot(dir);
        const r = segments(['fmt', dir, '--check'], dir);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe([
            'rich.segment:1: would be reformatted',
            '  - dynamic segment Rich {   title "Rich"',
            '  + dynamic segment Rich {',
            'spaces.segment:3: would be reformatted (spaces at the end of the line)',
            '  -   audience Customer   ',
            '  +   audience Customer',
            '2 files would be reformatted (run segments fmt without --check to rewrite them), 9 files already formatted',
            ''
        ].join('\n'));
        expect(snapshot(dir)).toEqual(before);
    });

    test('a missing final line break and mixed line endings are named too', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        writeFileSync(join(dir, 'end.segment'), GOOD.trimEnd());
        writeFileSync(join(dir, 'mixed.segment'), GOOD.replace('\n', '\r\n').replace(/\n\n/g, '\r\n\r\n'));
        const r = segments(['fmt', '--check', 'end.segment', 'mixed.segment'], dir);
        expect(r.code).toBe(1);
        expect(r.stdout).toContain('end.segment:15: would be reformatted\n  - (end of file)\n  + \n');
        expect(r.stdout).toContain('mixed.segment: would be reformatted (line endings)\n');
    });
});

describe('segments fmt', () => {
    test('rewrites a badly laid out file to the canonical layout; a second run changes nothing', () => {
        const dir = sampleCopy();
        writeFileSync(join(dir, 'rich.segment'), BAD);
        const r = segments(['fmt', 'rich.segment'], dir);
        expect(r).toEqual({ code: 0, stdout: 'formatted rich.segment\n1 file formatted\n', stderr: '' });
        expect(readFileSync(join(dir, 'rich.segment'), 'utf8')).toBe(GOOD);
        const once = snapshot(dir);
        expect(segments(['fmt', '.'], dir)).toEqual({ code: 0, stdout: '10 files already formatted\n', stderr: '' });
        expect(snapshot(dir)).toEqual(once);
    });

    test('every sample file, badly laid out, formats back to the sample exactly, as the editor formats it; twice changes nothing', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        for (const name of SAMPLE_FILES) writeFileSync(join(dir, name), mangle(readFileSync(join(SAMPLE, name), 'utf8')));
        const r = segments(['fmt', '.'], dir);
        expect(r.code).toBe(0);
        expect(r.stdout).toBe([...SAMPLE_FILES.map(n => `formatted ${n}`), '9 files formatted', ''].join('\n'));
        for (const name of SAMPLE_FILES) {
            const sample = readFileSync(join(SAMPLE, name), 'utf8');
            expect(readFileSync(join(dir, name), 'utf8'), name).toBe(sample);
            expect(await editorFormat(mangle(sample)), name).toBe(sample);
        }
        const once = snapshot(dir);
        expect(segments(['fmt', '.'], dir)).toEqual({ code: 0, stdout: '9 files already formatted\n', stderr: '' });
        expect(snapshot(dir)).toEqual(once);
    });

    test('a CRLF file stays CRLF, every line of it, as the editor writes it', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        for (const name of SAMPLE_FILES) writeFileSync(join(dir, name), mangle(readFileSync(join(SAMPLE, name), 'utf8')).replace(/\n/g, '\r\n'));
        expect(segments(['fmt', '.'], dir).code).toBe(0);
        for (const name of SAMPLE_FILES) expect(readFileSync(join(dir, name), 'utf8'), name).toBe(readFileSync(join(SAMPLE, name), 'utf8').replace(/\n/g, '\r\n'));
        expect(segments(['fmt', '--check', '.'], dir)).toEqual({ code: 0, stdout: '9 files already formatted\n', stderr: '' });
    });

    test('a byte order mark is kept', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        writeFileSync(join(dir, 'bom.segment'), `\uFEFF${BAD}`);
        expect(segments(['fmt', 'bom.segment'], dir).code).toBe(0);
        expect(readFileSync(join(dir, 'bom.segment'), 'utf8')).toBe(`\uFEFF${GOOD}`);
    });

    test('a file with syntax errors is left as it is and named with its errors; the others are formatted; exit 1', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        writeFileSync(join(dir, 'broken.segment'), BROKEN);
        writeFileSync(join(dir, 'rich.segment'), BAD);
        const broken = statSync(join(dir, 'broken.segment'));
        const r = segments(['fmt', '.'], dir);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe('broken.segment: not formatted: it has syntax errors\n'
            + '  broken.segment:3:27: error: Expected a value (a text in quotes, a number, a date, `true`, `false`, `today` or `now`) or an attribute (`Entity.Attribute`) here, but found `}`. [syntax-error]\n');
        expect(r.stdout).toBe('formatted rich.segment\n1 file formatted, 1 file not formatted (syntax errors)\n');
        expect(readFileSync(join(dir, 'broken.segment'), 'utf8')).toBe(BROKEN);
        expect(statSync(join(dir, 'broken.segment'))).toMatchObject({ ino: broken.ino, mtimeMs: broken.mtimeMs });
        expect(readFileSync(join(dir, 'rich.segment'), 'utf8')).toBe(GOOD);
    });

    test('--check with a syntax error: named, nothing written, exit 1', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        writeFileSync(join(dir, 'broken.segment'), BROKEN);
        const before = snapshot(dir);
        const r = segments(['fmt', '--check', '.'], dir);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^broken\.segment: not formatted: it has syntax errors\n {2}broken\.segment:3:27: error: .+ \[syntax-error\]\n$/);
        expect(r.stdout).toBe('1 file not formatted (syntax errors)\n');
        expect(snapshot(dir)).toEqual(before);
    });

    test('an unknown character is a syntax error too: the file is untouched', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        const text = 'dynamic segment A {  audience  Customer group { Customer.Score > 1 § } }\n';
        writeFileSync(join(dir, 'odd.segment'), text);
        const r = segments(['fmt', 'odd.segment'], dir);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('odd.segment:1:');
        expect(r.stderr).toContain('Unexpected character `§`');
        expect(readFileSync(join(dir, 'odd.segment'), 'utf8')).toBe(text);
    });

    test('the file keeps its permissions; no temporary file is left', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        writeFileSync(join(dir, 'rich.segment'), BAD);
        writeFileSync(join(dir, 'run.segment'), BAD.replace(/Rich/g, 'Run'));
        chmodSync(join(dir, 'rich.segment'), 0o640);
        chmodSync(join(dir, 'run.segment'), 0o755);
        expect(segments(['fmt', '.'], dir).code).toBe(0);
        expect(statSync(join(dir, 'rich.segment')).mode & 0o7777).toBe(0o640);
        expect(statSync(join(dir, 'run.segment')).mode & 0o7777).toBe(0o755);
        expect(readdirSync(dir).sort()).toEqual(['rich.segment', 'run.segment']);
    });

    test('a symbolic link: the file it points to is formatted, the link stays a link', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        mkdirSync(join(dir, 'real'));
        writeFileSync(join(dir, 'real', 'rich.segment'), BAD);
        symlinkSync(join(dir, 'real', 'rich.segment'), join(dir, 'link.segment'));
        const r = segments(['fmt', 'link.segment'], dir);
        expect(r.stdout).toBe('formatted link.segment\n1 file formatted\n');
        expect(lstatSync(join(dir, 'link.segment')).isSymbolicLink()).toBe(true);
        expect(readFileSync(join(dir, 'real', 'rich.segment'), 'utf8')).toBe(GOOD);
        expect(readdirSync(join(dir, 'real'))).toEqual(['rich.segment']);
    });

    test('a write that fails leaves the file as it was and no temporary file', () => {
        // Renaming over a folder fails, for root too: the temporary file must not stay behind.
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        mkdirSync(join(dir, 'target.segment'));
        writeFileSync(join(dir, 'target.segment', 'inside'), 'x');
        expect(() => writeAtomically(join(dir, 'target.segment'), GOOD, 'target.segment', 0o644)).toThrow(/^cannot write target\.segment: /);
        expect(readdirSync(dir)).toEqual(['target.segment']);
        expect(readdirSync(join(dir, 'target.segment'))).toEqual(['inside']);
    });
});

describe('segments fmt: usage mistakes, exit 2', () => {
    test('a path that does not exist, a file that is not a .segment file, a folder without any', () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-fmt-'));
        writeFileSync(join(dir, 'notes.txt'), 'hello');
        mkdirSync(join(dir, 'empty'));
        expect(segments(['fmt', 'nope.segment'], dir)).toEqual({ code: 2, stdout: '', stderr: 'segments: nope.segment: no such file or folder\n' });
        expect(segments(['fmt', 'notes.txt'], dir)).toEqual({ code: 2, stdout: '', stderr: 'segments: notes.txt: not a .segment file (fmt formats .segment files only)\n' });
        expect(segments(['fmt', 'empty'], dir)).toEqual({ code: 2, stdout: '', stderr: 'segments: empty: no .segment files in this folder\n' });
        expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('hello');
    });
});
