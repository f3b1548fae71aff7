import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, open, readdir, readFile, rename, stat, truncate, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

// The history store's files: its lock, atomic replacement of a file, appends to its journal,
// and file system errors in words. Shared by the store (`history-store.ts`) and `activation/`.

/** How long a writer waits for another writer's lock before giving up with a message. */
export const LOCK_TIMEOUT_MS = 15_000;
/** A lock older than this is stale: no save holds the lock for more than a moment. */
export const STALE_LOCK_MS = 60_000;

/** The file operations a save makes that can fail for reasons outside the store (disk full, permissions); replaceable in tests. */
export interface HistoryFileSystem {
    /** Writes `bytes` to the new file `path` and flushes it to disk. */
    writeNew(path: string, bytes: Uint8Array): Promise<void>;
    rename(from: string, to: string): Promise<void>;
    /** Adds `bytes` at the end of `path` (created when missing) and flushes it to disk. */
    append(path: string, bytes: Uint8Array): Promise<void>;
    /** Cuts `path` to `length` bytes (a failed append's torn end). */
    truncate(path: string, length: number): Promise<void>;
}

export const nodeHistoryFileSystem: HistoryFileSystem = {
    async writeNew(path, bytes) {
        const handle = await open(path, 'wx');
        try {
            await handle.writeFile(bytes);
            await handle.sync();
        } finally {
            await handle.close();
        }
    },
    rename: (from, to) => rename(from, to),
    async append(path, bytes) {
        const handle = await open(path, 'a');
        try {
            await handle.writeFile(bytes);
            await handle.sync();
        } finally {
            await handle.close();
        }
    },
    truncate: (path, length) => truncate(path, length)
};

export interface HistoryOptions {
    readonly fs?: HistoryFileSystem;
    readonly lockTimeoutMs?: number;
}

/** A save that did not happen: one sentence saying what happened and that the previous history is kept. */
export class HistoryWriteError extends Error {
    constructor(readonly file: string, readonly reason: string) {
        super(`The history could not be saved to ${file}: ${reason}; the previous history is kept.`);
        this.name = 'HistoryWriteError';
    }
}

/** Another writer held the lock for longer than the timeout. */
export class HistoryLockTimeout extends HistoryWriteError {
    constructor(file: string, holder: string, waitedMs: number) {
        super(file, `another writer (${holder}) has held its lock for more than ${Math.round(waitedMs / 1000)} s, so these runs were not written; they are saved at the next refresh`);
        this.name = 'HistoryLockTimeout';
    }
}

/** `.NAME.PID.RANDOM.tmp` beside the store: the temporary files a save writes. */
function tempPrefix(file: string): string {
    return `.${basename(file)}.`;
}

/**
 * Writes bytes to `file` so that readers see the old or the new content, never a mix: a
 * temporary file beside it, flushed, then renamed over it. On failure the temporary file is
 * deleted, the old content is untouched, and a `HistoryWriteError` says what happened.
 */
export async function writeAtomically(file: string, bytes: Uint8Array, fs: HistoryFileSystem = nodeHistoryFileSystem): Promise<void> {
    const temp = join(dirname(file), `${tempPrefix(file)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
        await fs.writeNew(temp, bytes);
        await fs.rename(temp, file);
    } catch (e) {
        await unlink(temp).catch(() => undefined);
        throw e instanceof HistoryWriteError ? e : new HistoryWriteError(file, reasonOf(e));
    }
}

/**
 * Deletes temporary files of `file` left by writers that were killed while saving. Called with
 * the lock held: every writer writes its temporary file only under the lock, so any there now is
 * an orphan.
 */
export async function removeOrphans(file: string): Promise<void> {
    const prefix = tempPrefix(file);
    const names = await readdir(dirname(file)).catch(() => [] as string[]);
    for (const name of names) {
        if (name.startsWith(prefix) && name.endsWith('.tmp')) await unlink(join(dirname(file), name)).catch(() => undefined);
    }
}

interface LockHolder {
    readonly pid: number;
    readonly host: string;
    readonly at: string;
    readonly token: string;
}

/** Runs `body` holding the store's lock file (`FILE.lock`). */
export async function withLock<T>(file: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
    const lock = `${file}.lock`;
    const holder: LockHolder = { pid: process.pid, host: hostname(), at: new Date().toISOString(), token: randomBytes(8).toString('hex') };
    const started = Date.now();
    let pause = 5;
    for (;;) {
        try {
            const handle = await open(lock, 'wx');
            try {
                await handle.writeFile(JSON.stringify(holder));
            } finally {
                await handle.close();
            }
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new HistoryWriteError(file, reasonOf(e));
        }
        if (await breakStaleLock(lock)) continue;
        const waited = Date.now() - started;
        if (waited > timeoutMs) throw new HistoryLockTimeout(file, await describeHolder(lock), waited);
        await new Promise(resolve => setTimeout(resolve, pause + Math.random() * pause));
        pause = Math.min(pause * 2, 100);
    }
    try {
        return await body();
    } finally {
        // Only our own lock is removed: one broken as stale and taken by another writer is theirs.
        const now = await readFile(lock, 'utf8').catch(() => '');
        if (parseHolder(now)?.token === holder.token) await unlink(lock).catch(() => undefined);
    }
}

/**
 * Removes a lock whose writer is gone (its process no longer runs on this machine) or that is
 * older than `STALE_LOCK_MS`; true when the lock is gone, so taking it can be tried again. The
 * lock is moved aside first, atomically, so two writers cannot both break it; a fresh lock
 * moved aside by mistake is put back.
 */
async function breakStaleLock(lock: string): Promise<boolean> {
    let text: string;
    let age: number;
    try {
        text = await readFile(lock, 'utf8');
        age = Date.now() - (await stat(lock)).mtimeMs;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ENOENT';
    }
    const holder = parseHolder(text);
    const gone = holder !== undefined && holder.host === hostname() && !processRuns(holder.pid);
    if (!gone && age < STALE_LOCK_MS) return false;
    const aside = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
    try {
        await rename(lock, aside);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ENOENT';
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== text) await link(aside, lock).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return true;
}

function parseHolder(text: string): LockHolder | undefined {
    try {
        const value = JSON.parse(text) as Partial<LockHolder>;
        return typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string' && typeof value.at === 'string'
            ? { pid: value.pid, host: value.host, at: value.at, token: value.token }
            : undefined;
    } catch {
        return undefined;
    }
}

async function describeHolder(lock: string): Promise<string> {
    const holder = parseHolder(await readFile(lock, 'utf8').catch(() => ''));
    return holder ? `process ${holder.pid} on ${holder.host}, since ${holder.at}` : `the lock file ${lock}`;
}

function processRuns(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
}

/** A file system error in words. */
export function reasonOf(e: unknown): string {
    const code = (e as NodeJS.ErrnoException).code;
    switch (code) {
        case 'ENOSPC': return 'the disk is full (ENOSPC)';
        case 'EDQUOT': return 'the disk quota is exceeded (EDQUOT)';
        case 'EACCES':
        case 'EPERM': return `permission denied (${code})`;
        case 'EROFS': return 'the folder is on a read-only file system (EROFS)';
        case 'EISDIR': return 'a folder is in the way (EISDIR)';
        case 'ENOENT': return 'its folder does not exist (ENOENT)';
        default: return code ?? (e instanceof Error ? e.message : String(e));
    }
}
