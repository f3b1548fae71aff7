import { mkdir, readdir, realpath, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import Papa from 'papaparse';
import { stringifyJson } from '../compiler/keys.js';
import type { ShowValue } from '../engine/runner.js';
import { writeAtomically } from '../history/history-store.js';

/** Why a file destination was not written: one sentence, with what to do. */
export class FileDestinationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'FileDestinationError';
    }
}

/** A segment's members as a `file` destination holds them: the key, then the `show` columns. */
export interface MemberRows {
    readonly columns: readonly string[];
    readonly rows: readonly (readonly ShowValue[])[];
}

/** CSV with a header row, or one JSON object per line (reference, section 7). */
export function renderMembers(members: MemberRows, format: 'csv' | 'jsonl'): string {
    if (format === 'csv') {
        const text = Papa.unparse({ fields: [...members.columns], data: members.rows.map(row => row.map(csvCell)) });
        return `${text}\n`;
    }
    return members.rows.map(row => stringifyJson(Object.fromEntries(members.columns.map((c, i) => [c, jsonCell(row[i])])))).map(line => `${line}\n`).join('');
}

/**
 * Replaces the file `path` with the members, atomically (a temporary file in the same folder,
 * flushed, renamed over it), after checking with `realpath` that its folder is inside
 * `workspace`: a symbolic link that leads out is refused. The folder is created if missing.
 */
export async function writeFileDestination(path: string, workspace: string, members: MemberRows, format: 'csv' | 'jsonl'): Promise<void> {
    const root = await realpath(workspace);
    const folder = dirname(path);
    await checkInside(await existingAncestor(folder), root, path);
    try {
        await mkdir(folder, { recursive: true });
    } catch (e) {
        throw new FileDestinationError(`the folder ${folder} cannot be created (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    await checkInside(await realpath(folder), root, path);
    await removeOrphans(path);
    try {
        await writeAtomically(path, new TextEncoder().encode(renderMembers(members, format)));
    } catch (e) {
        throw new FileDestinationError((e as Error).message);
    }
}

async function checkInside(real: string, root: string, path: string): Promise<void> {
    const rel = relative(root, real);
    if (rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep))) return;
    throw new FileDestinationError(`${path} leads outside the workspace folder ${root} (through a symbolic link, to ${real}): members are written only inside it`);
}

/** The real path of `folder`, or of its nearest ancestor that exists. */
async function existingAncestor(folder: string): Promise<string> {
    for (let current = folder; ; current = dirname(current)) {
        try {
            return await realpath(current);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(current) === current) throw e;
        }
    }
}

/**
 * Deletes the temporary files of `path` (`.NAME.PID.RANDOM.tmp`, see `writeAtomically`) left by
 * a refresher that was killed while writing: those whose process no longer runs.
 */
async function removeOrphans(path: string): Promise<void> {
    const prefix = `.${basename(path)}.`;
    const folder = dirname(path);
    for (const name of await readdir(folder).catch(() => [] as string[])) {
        const m = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length)) : null;
        if (m && !processRuns(Number(m[1]))) await unlink(join(folder, name)).catch(() => undefined);
    }
}

function processRuns(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
}

function csvCell(v: ShowValue | undefined): string | number | boolean | null {
    if (v === undefined || v === null) return null;
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    return v;
}

function jsonCell(v: ShowValue | undefined): string | number | bigint | boolean | null {
    if (v === undefined || v === null) return null;
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    return v;
}
