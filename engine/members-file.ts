import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import Papa from 'papaparse';
import type { KeyValue } from '../compiler/ir.js';
import { parseNumberKey } from '../compiler/keys.js';
import { FileReadError, readRegularFile, describeReadProblem } from './read-file.js';

/** Stable codes of the problems found in a members file (diagnostics in `check`, lines at run time). */
export const MembersFileCodes = {
    MembersFileMissing: 'members-file-missing',
    MembersFileUnreadable: 'members-file-unreadable',
    MembersFileOutside: 'members-file-outside',
    MembersFileEncoding: 'members-file-encoding',
    MembersFileSyntax: 'members-file-syntax',
    MembersFileKey: 'members-file-key',
    MembersFileHeader: 'members-file-header'
} as const;

export type MembersFileCode = typeof MembersFileCodes[keyof typeof MembersFileCodes];

/** One problem in a members file: the whole file (no line), or one line of it. */
export interface MembersFileProblem {
    readonly code: MembersFileCode;
    readonly severity: 'error' | 'warning';
    readonly message: string;
    /** 1-based line of the file, for problems in one row. */
    readonly line?: number;
}

export interface MembersFileContent {
    readonly keys: readonly KeyValue[];
    /** Every problem found; keys are read only when no problem is an error. */
    readonly problems: readonly MembersFileProblem[];
}

/** A members file is a list of keys: far smaller than this in any real use. */
export const MAX_MEMBERS_FILE_BYTES = 256 * 2 ** 20;

/**
 * Reads `members from "file.csv"`: the first column of a CSV file with a header row, as keys of
 * the audience's key type, reporting every problem instead of dropping or converting values.
 *
 * - The file must be inside `within` (the workspace folder), symbolic links resolved.
 * - It must be UTF-8 text: a UTF-16 or UTF-32 file (a byte order mark, NUL bytes) or bytes that
 *   are not UTF-8 are an error naming the problem.
 * - A quote left open is an error with its line.
 * - In a number key column, a cell that is not a plain decimal number (`1028x`, `0x3F6`, `1e3`)
 *   is an error with its line; integers are exact up to 64 bits (`parseNumberKey`).
 * - A row whose first cell is empty is an error with its line (blank lines are skipped).
 */
export async function readMembers(file: string, keyType: 'number' | 'text', within?: string): Promise<MembersFileContent> {
    const fail = (code: MembersFileCode, message: string): MembersFileContent => ({ keys: [], problems: [{ code, severity: 'error', message }] });
    if (within !== undefined) {
        const outside = await outsideFolder(file, within);
        if (outside) return fail(MembersFileCodes.MembersFileOutside, `The members file ${file} is outside the workspace folder ${within}: a segment reads files only from its workspace folder.`);
    }
    let bytes: Uint8Array;
    try {
        bytes = await readRegularFile(file, MAX_MEMBERS_FILE_BYTES);
    } catch (e) {
        if (!(e instanceof FileReadError)) throw e;
        if (e.problem.kind === 'missing') return fail(MembersFileCodes.MembersFileMissing, `The members file ${file} does not exist (the path is relative to the segment's file).`);
        return fail(MembersFileCodes.MembersFileUnreadable, `The members file ${file} ${describeReadProblem(e.problem)}.`);
    }
    const decoded = decodeUtf8(bytes);
    if (typeof decoded !== 'string') return fail(MembersFileCodes.MembersFileEncoding, `The members file ${file} ${decoded.problem}: save it as UTF-8 CSV.`);
    return parseMembers(decoded, keyType);
}

/** As `readMembers`, for running: the keys, or a `MembersFileError` naming the first problems. */
export async function readMembersFile(file: string, keyType: 'number' | 'text', within?: string): Promise<KeyValue[]> {
    const { keys, problems } = await readMembers(file, keyType, within);
    const errors = problems.filter(p => p.severity === 'error');
    if (errors.length > 0) throw new MembersFileError(file, errors);
    return [...keys];
}

/** The keys and the problems of a members file's text (without its byte order mark). */
export function parseMembers(text: string, keyType: 'number' | 'text'): MembersFileContent {
    const lines = lineStarts(text);
    const problems: MembersFileProblem[] = [];
    const keys: KeyValue[] = [];
    const problem = (code: MembersFileCode, line: number, message: string, severity: 'error' | 'warning' = 'error'): void => {
        problems.push({ code, severity, line, message: `Line ${line}: ${message}` });
    };
    let start = 0;
    let row = 0;
    Papa.parse<string[]>(text, {
        skipEmptyLines: 'greedy',
        step: result => {
            // Rows start where the previous one ended, after any blank lines Papa skipped.
            while (start < text.length && /\s/.test(text[start])) start++;
            const line = lineOf(lines, start);
            start = result.meta.cursor;
            const quotes = result.errors.filter(error => error.type === 'Quotes');
            for (const error of quotes) {
                problem(MembersFileCodes.MembersFileSyntax, lineOf(lines, error.index ?? start), error.code === 'MissingQuotes' ? 'a quote is opened and never closed.' : 'a quoted field does not end where the quote closes.');
            }
            // The row's cells are not what the file meant: its quote is the problem to report.
            if (quotes.length > 0) {
                row++;
                return;
            }
            const first = row++ === 0;
            const cell = (result.data[0] ?? '').trim();
            if (first) {
                // A header that reads as a key is most likely the first member, with the header row missing.
                if (keyType === 'number' && parseNumberKey(cell) !== undefined) {
                    problem(MembersFileCodes.MembersFileHeader, line, `the first row (${JSON.stringify(cell)}) is read as the header row and is not a member; a members file starts with a header row such as "CustomerId".`, 'warning');
                }
                return;
            }
            if (cell === '') {
                problem(MembersFileCodes.MembersFileKey, line, 'the first column is empty: each row after the header gives one key.');
                return;
            }
            if (keyType === 'text') {
                keys.push(cell);
                return;
            }
            const key = parseNumberKey(cell);
            if (key === undefined) problem(MembersFileCodes.MembersFileKey, line, `${JSON.stringify(cell)} is not a number key (write the key in decimal digits, such as 1028).`);
            else keys.push(key);
        }
    });
    return { keys: problems.some(p => p.severity === 'error') ? [] : keys, problems };
}

/** Thrown when a members file cannot be used: one line naming the file and its first problems. */
export class MembersFileError extends Error {
    constructor(readonly file: string, readonly problems: readonly MembersFileProblem[]) {
        super(summary(file, problems));
        this.name = 'MembersFileError';
    }
}

function summary(file: string, problems: readonly MembersFileProblem[]): string {
    const [first] = problems;
    if (first?.line === undefined) return first ? first.message : `${file}: cannot be read`;
    const shown = problems.slice(0, 3).map(p => p.message.replace(/\.$/, '')).join('; ');
    return `The members file ${file} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${shown}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}.`;
}

/** Whether `file`, with symbolic links resolved, is outside the folder `within`. */
async function outsideFolder(file: string, within: string): Promise<boolean> {
    const root = await realpath(within).catch(() => resolve(within));
    // A missing file is placed by its folder (resolved) and name, so `../x.csv` is still outside.
    const real = await realpath(file).catch(async () => join(await realpath(dirname(file)).catch(() => resolve(dirname(file))), basename(file)));
    const rel = relative(root, real);
    return rel === '' || rel === '..' || rel.startsWith(`..${'/'}`) || rel.startsWith('..\\') || isAbsolute(rel);
}

/** The text of UTF-8 bytes (a UTF-8 byte order mark removed), or what keeps them from being UTF-8 text. */
export function decodeUtf8(bytes: Uint8Array): string | { readonly problem: string } {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        const utf32 = bytes[0] === 0xff && bytes[2] === 0 && bytes[3] === 0;
        return { problem: `is ${utf32 ? 'UTF-32' : 'UTF-16'} text (it starts with a ${utf32 ? 'UTF-32' : 'UTF-16'} byte order mark), not UTF-8` };
    }
    if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) return { problem: 'is UTF-32 text (it starts with a UTF-32 byte order mark), not UTF-8' };
    const nul = bytes.indexOf(0);
    if (nul >= 0) {
        return { problem: `contains NUL bytes (the first on line ${lineAtByte(bytes, nul)}): it looks like UTF-16 text or a binary file, not UTF-8` };
    }
    try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
        const at = firstInvalidUtf8(bytes);
        return { problem: `is not UTF-8 text (line ${lineAtByte(bytes, at)} has a byte sequence that is not UTF-8; a file saved as Latin-1 or Windows-1252 looks like this)` };
    }
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
    let i = 0;
    while (i < bytes.length) {
        const b = bytes[i];
        const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
        if (length === 0 || i + length > bytes.length) return i;
        for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
        const second = bytes[i + 1];
        if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) return i;
        i += length;
    }
    return i;
}

function lineAtByte(bytes: Uint8Array, offset: number): number {
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    return line;
}

function lineStarts(text: string): number[] {
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    return starts;
}

/** The 1-based line of a character offset. */
function lineOf(starts: readonly number[], offset: number): number {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= offset) lo = mid;
        else hi = mid - 1;
    }
    return lo + 1;
}
