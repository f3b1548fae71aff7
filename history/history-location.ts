import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { defaultHistoryFile } from './history-store.js';

/** Where the history of a workspace is kept, and why when it is not beside the database. */
export interface HistoryLocation {
    readonly file: string;
    /** Set when the history is not where a user would look (beside the database): one sentence. */
    readonly note?: string;
}

export interface HistorySettings {
    /** `segments.history.file`: the user's choice, always used. */
    readonly historyFile?: string;
    /** The extension's own storage folder, used when the database's folder cannot be written. */
    readonly storageFolder?: string;
}

/**
 * The history file for a database: the user's setting; else `NAME.history.sqlite` beside the
 * database; else, when the database's folder cannot be written (read-only, or no permission), a
 * file in the extension's own storage named after the database and its path.
 */
export async function historyLocation(database: string | undefined, settings: HistorySettings, canWrite: (folder: string) => Promise<boolean> = folderWritable): Promise<HistoryLocation | undefined> {
    if (settings.historyFile) return { file: settings.historyFile };
    if (!database) return undefined;
    const beside = defaultHistoryFile(database);
    if (!settings.storageFolder || await canWrite(dirname(beside))) return { file: beside };
    const digest = createHash('sha256').update(database).digest('hex').slice(0, 12);
    const folder = join(settings.storageFolder, 'history');
    await mkdir(folder, { recursive: true });
    const file = join(folder, `${basename(beside, '.history.sqlite')}-${digest}.history.sqlite`);
    return { file, note: `The folder of ${basename(database)} cannot be written, so the history is kept in the extension's storage: ${file}.` };
}

const known = new Map<string, { readonly at: number; readonly writable: boolean }>();
const KNOWN_MS = 30_000;

/**
 * Whether files can be created in `folder`: tried, not read from its permission bits (which
 * say nothing on a read-only file system, or to an administrator). Remembered for 30 s.
 */
export async function folderWritable(folder: string): Promise<boolean> {
    const now = Date.now();
    const seen = known.get(folder);
    if (seen && now - seen.at < KNOWN_MS) return seen.writable;
    const probe = join(folder, `.segments-write-check.${process.pid}.${randomBytes(4).toString('hex')}`);
    let writable: boolean;
    try {
        await (await open(probe, 'wx')).close();
        await unlink(probe).catch(() => undefined);
        writable = true;
    } catch (e) {
        writable = !['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');
    }
    known.set(folder, { at: now, writable });
    return writable;
}
