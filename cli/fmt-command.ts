import { readFileSync, realpathSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { NodeFileSystem } from 'langium/node';
import { segmentFiles } from '../language-server/node-workspace.js';
import { createSegmentServices } from '../language-server/segment-module.js';
import { writeAtomically } from './atomic-write.js';
import { formatDiagnostic } from './diagnostics.js';
import { UsageError } from './errors.js';
import { formatSegmentText } from './format-text.js';

export interface FmtOptions {
    /** Write nothing: name the files that would change, and exit 1 when any would. */
    readonly check?: boolean;
}

interface Output {
    out(text: string): void;
    err(text: string): void;
}

const BOM = '\uFEFF';

/**
 * `segments fmt PATH... [--check]`: formats `.segment` files as the editor does. A changed file is
 * replaced atomically, keeping its permissions; a file with syntax errors is left as it is and
 * named on stderr. 1 when a file has syntax errors or, with `--check`, would change.
 */
export async function fmt(paths: readonly string[], options: FmtOptions, io: Output): Promise<number> {
    const files = segmentFilesOf(paths);
    const services = createSegmentServices({ ...NodeFileSystem }).Segment;
    let changed = 0;
    let broken = 0;
    for (const file of files) {
        const shown = relative(process.cwd(), file) || file;
        const raw = readFileSync(file, 'utf8');
        // The editor reads a byte order mark as the file's encoding, not as text, and keeps it.
        const bom = raw.startsWith(BOM) ? BOM : '';
        const text = raw.slice(bom.length);
        const result = await formatSegmentText(services, text, file);
        if (!result.ok) {
            broken++;
            io.err(`${shown}: not formatted: it has syntax errors`);
            for (const diagnostic of result.errors) io.err(`  ${formatDiagnostic({ file, document: result.document, diagnostic })}`);
            continue;
        }
        if (result.text === text) continue;
        changed++;
        if (options.check) {
            io.out(firstDifference(shown, text, result.text));
            continue;
        }
        const target = realpathSync(file);
        writeAtomically(target, bom + result.text, shown, statSync(target).mode & 0o7777);
        io.out(`formatted ${shown}`);
    }
    io.out(summary(files.length, changed, broken, options.check === true));
    return broken > 0 || (options.check && changed > 0) ? 1 : 0;
}

/** The `.segment` files named, and those under the folders named, each once, sorted within a folder. */
function segmentFilesOf(paths: readonly string[]): string[] {
    const files = new Set<string>();
    for (const path of paths) {
        const target = resolve(path);
        const info = statSync(target, { throwIfNoEntry: false });
        if (!info) throw new UsageError(`${path}: no such file or folder`);
        if (info.isDirectory()) {
            const found = segmentFiles(target);
            if (found.length === 0) throw new UsageError(`${path}: no .segment files in this folder`);
            for (const f of found) files.add(f);
        } else if (!info.isFile()) {
            throw new UsageError(`${path}: not a .segment file or a folder (it is a device, FIFO or socket)`);
        } else if (!target.endsWith('.segment')) {
            throw new UsageError(`${path}: not a .segment file (fmt formats .segment files only)`);
        } else {
            files.add(target);
        }
    }
    return [...files];
}

/** `file:line: would be reformatted` and the first line that changes, before and after. */
function firstDifference(shown: string, before: string, after: string): string {
    const old = before.split(/\r?\n/);
    const now = after.split(/\r?\n/);
    let i = 0;
    while (i < old.length && i < now.length && old[i] === now[i]) i++;
    if (i === old.length && i === now.length) return `${shown}: would be reformatted (line endings)`;
    const line = (lines: readonly string[]): string => (i < lines.length ? clip(lines[i]) : '(end of file)');
    const note = i < old.length && i < now.length && old[i].trimEnd() === now[i].trimEnd() ? ' (spaces at the end of the line)' : '';
    return `${shown}:${i + 1}: would be reformatted${note}\n  - ${line(old)}\n  + ${line(now)}`;
}

function clip(line: string): string {
    return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

function summary(files: number, changed: number, broken: number, check: boolean): string {
    const count = (n: number): string => `${n} file${n === 1 ? '' : 's'}`;
    const parts = [
        changed > 0 ? (check ? `${count(changed)} would be reformatted (run segments fmt without --check to rewrite them)` : `${count(changed)} formatted`) : '',
        files - changed - broken > 0 ? `${count(files - changed - broken)} already formatted` : '',
        broken > 0 ? `${count(broken)} not formatted (syntax errors)` : ''
    ];
    return parts.filter(Boolean).join(', ');
}
