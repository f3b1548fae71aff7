import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Bumped whenever a copy's content would differ for the same source (column types, value
 * forms), so a copy made by an older version is never read as this version's.
 */
export const COPY_FORMAT_VERSION = 2;

/** Where DuckDB's copies of SQLite files are kept: `SEGMENTS_CACHE_DIR`, else the user's cache folder. */
export function defaultCopyCacheDir(): string {
    const base = process.env.SEGMENTS_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'segments');
    return join(base, 'duckdb');
}

/** What a copy is keyed by: the source file's real path, size, modification time and inode (a file replaced by a rename gets a new one). */
export interface SourceStamp {
    readonly path: string;
    readonly size: number;
    readonly mtimeMs: number;
    readonly ino: number;
}

export function stampOf(file: string): SourceStamp {
    const path = realpathSync(file);
    const s = statSync(path);
    return { path, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
}

export function sameStamp(a: SourceStamp, b: SourceStamp): boolean {
    return a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 20);

/**
 * The copy's file in `dir`: one name per source path (its prefix) and per size, time and
 * format version (its suffix), so a changed source never finds the old copy.
 */
export function copyPath(dir: string, stamp: SourceStamp): string {
    return join(dir, `${digest(stamp.path)}-${digest(`${stamp.size}:${stamp.mtimeMs}:${stamp.ino}:v${COPY_FORMAT_VERSION}`)}.duckdb`);
}

/**
 * Makes the copy for `stamp` if it is not there: `build` writes a DuckDB file at a temporary
 * path, which is renamed into place only when it is whole and the source did not change
 * meanwhile (else it is made again, at most three times). Copies of older versions of the same
 * source are then removed. Returns the copy's path and whether it was made now.
 */
export async function ensureCopy(dir: string, file: string, build: (temporary: string) => Promise<void>): Promise<{ path: string; made: boolean }> {
    mkdirSync(dir, { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
        const stamp = stampOf(file);
        const path = copyPath(dir, stamp);
        if (existsSync(path)) return { path, made: false };
        const temporary = `${path}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
        try {
            await build(temporary);
            if (!sameStamp(stamp, stampOf(file))) continue;
            renameSync(temporary, path);
        } finally {
            rmSync(temporary, { force: true });
            rmSync(`${temporary}.wal`, { force: true });
        }
        removeStale(dir, path);
        return { path, made: true };
    }
    throw new Error(`${file} kept changing while it was copied`);
}

/** Removes the other copies of the same source (older sizes or times, older versions), not temporary files of other processes. */
function removeStale(dir: string, kept: string): void {
    const name = kept.slice(dir.length + 1);
    const prefix = name.slice(0, name.indexOf('-') + 1);
    for (const other of readdirSync(dir)) {
        if (other !== name && other.startsWith(prefix) && other.endsWith('.duckdb')) rmSync(join(dir, other), { force: true });
    }
}
