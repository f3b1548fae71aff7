import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** Why a file named in a workspace could not be read: each is one sentence for the user. */
export type FileReadProblem =
    | { readonly kind: 'missing' }
    | { readonly kind: 'folder' }
    /** A device (`/dev/zero`), a FIFO or a socket: reading it may never end, or never start. */
    | { readonly kind: 'not-regular'; readonly what: string }
    | { readonly kind: 'too-large'; readonly size: number; readonly limit: number }
    /** Its size or modification time changed while it was read: it is being written. */
    | { readonly kind: 'changing' }
    | { readonly kind: 'io'; readonly code: string };

export class FileReadError extends Error {
    constructor(readonly file: string, readonly problem: FileReadProblem) {
        super(describeReadProblem(problem));
        this.name = 'FileReadError';
    }
}

/** The problem as words that follow the file's name: "is a folder, not a file". */
export function describeReadProblem(p: FileReadProblem): string {
    switch (p.kind) {
        case 'missing': return 'file not found';
        case 'folder': return 'is a folder, not a file';
        case 'not-regular': return `is ${p.what}, not a regular file`;
        case 'too-large': return `is ${formatBytes(p.size)}, more than the ${formatBytes(p.limit)} that can be read`;
        case 'changing': return 'changed while it was being read (is it being written?); try again when it is complete';
        case 'io': return `cannot be read (${p.code})`;
    }
}

/**
 * Reads a whole regular file with a bound on its size. The file is opened without blocking (a
 * FIFO opened for reading would wait for a writer), checked to be a regular file on the open
 * handle, and read up to the size it had when opened: a device such as `/dev/zero` is refused
 * instead of filling memory. A file whose size or modification time changes while it is read
 * (rewritten in place) is read again, and refused if it keeps changing.
 */
export async function readRegularFile(file: string, limit: number): Promise<Uint8Array> {
    for (let attempt = 0; ; attempt++) {
        const result = await readOnce(file, limit);
        if (result !== 'changed') return result;
        if (attempt >= 2) throw new FileReadError(file, { kind: 'changing' });
        await new Promise(resolve => setTimeout(resolve, 50 * (attempt + 1)));
    }
}

async function readOnce(file: string, limit: number): Promise<Uint8Array | 'changed'> {
    let handle;
    try {
        handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (e) {
        throw new FileReadError(file, problemOf(e));
    }
    try {
        const before = await handle.stat();
        if (before.isDirectory()) throw new FileReadError(file, { kind: 'folder' });
        if (!before.isFile()) throw new FileReadError(file, { kind: 'not-regular', what: kindOf(before) });
        if (before.size > limit) throw new FileReadError(file, { kind: 'too-large', size: before.size, limit });
        const bytes = new Uint8Array(before.size);
        let filled = 0;
        while (filled < bytes.length) {
            const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
            if (bytesRead === 0) return 'changed';
            filled += bytesRead;
        }
        // One byte more than the size means the file grew while it was read.
        const { bytesRead: extra } = await handle.read(new Uint8Array(1), 0, 1, filled);
        const after = await stat(file).catch(() => undefined);
        if (extra > 0 || !after || after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ino !== before.ino) return 'changed';
        return bytes;
    } catch (e) {
        if (e instanceof FileReadError) throw e;
        throw new FileReadError(file, problemOf(e));
    } finally {
        await handle.close();
    }
}

function problemOf(e: unknown): FileReadProblem {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    if (code === 'EISDIR') return { kind: 'folder' };
    return { kind: 'io', code: code ?? String(e) };
}

function kindOf(info: { isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
    if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
    if (info.isFIFO()) return 'a named pipe (FIFO)';
    if (info.isSocket()) return 'a socket';
    return 'not a file';
}

function formatBytes(n: number): string {
    if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
    if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
    return `${n} bytes`;
}
