import { stat } from 'node:fs/promises';
import { DatabaseError } from './engine.js';
import { FileReadError, readRegularFile, type FileReadProblem } from './read-file.js';

/**
 * The most an in-memory (sql.js) copy may take: WebAssembly's 32-bit memory holds the file and
 * the database made from it, so a larger file could never open; DuckDB and PostgreSQL read big files.
 */
export const MAX_IN_MEMORY_DATABASE_BYTES = 1536 * 2 ** 20;

/** "SQLite format 3" and a NUL byte: the first 16 bytes of every SQLite database file. */
const SQLITE_HEADER = [...'SQLite format 3'].map(c => c.charCodeAt(0)).concat(0);

/**
 * The bytes of a SQLite database file, checked before any engine sees them: a regular file (not
 * a folder, device or FIFO), not empty, no larger than `limit`, starting with SQLite's header,
 * and as long as its header says (a file cut short is being written, or was copied in part).
 */
export async function readDatabaseFile(file: string, limit = MAX_IN_MEMORY_DATABASE_BYTES): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
        bytes = await readRegularFile(file, limit);
    } catch (e) {
        if (e instanceof FileReadError) throw new DatabaseError(file, databaseReadMessage(e.problem));
        throw e;
    }
    const problem = sqliteHeaderProblem(bytes);
    if (problem) throw new DatabaseError(file, problem);
    return bytes;
}

/** What is wrong with a SQLite file's first bytes and length, or undefined when they look right. */
export function sqliteHeaderProblem(bytes: Uint8Array): string | undefined {
    if (bytes.length === 0) return 'the database file is empty (0 bytes): it is not a SQLite database yet';
    if (bytes.length < 100 || SQLITE_HEADER.some((b, i) => bytes[i] !== b)) {
        return 'not a readable SQLite database (it does not start with the SQLite header)';
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const rawPageSize = view.getUint16(16);
    const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return `not a readable SQLite database (its header gives a page size of ${rawPageSize})`;
    // The page count in the header is valid when the change counter matches "version valid for".
    const pages = view.getUint32(28);
    const valid = view.getUint32(24) === view.getUint32(92) && pages > 0;
    if (valid && bytes.length < pages * pageSize) {
        return `the database file is incomplete (${bytes.length} of the ${pages * pageSize} bytes its header announces): it may still be being written, or was copied in part`;
    }
    return undefined;
}

/**
 * Checks a path before an engine opens it: it must exist and be a regular file (or, where the
 * engine reads a folder of files, a folder), and a file must not be empty. Devices, FIFOs and
 * sockets are refused: reading one may never end or never start.
 */
export async function checkDatabasePath(file: string, options: { readonly folder?: boolean } = {}): Promise<void> {
    let info;
    try {
        info = await stat(file);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new DatabaseError(file, code === 'ENOENT' || code === 'ENOTDIR' ? 'database file not found' : `cannot read the database file (${code ?? String(e)})`);
    }
    if (info.isDirectory()) {
        if (options.folder) return;
        throw new DatabaseError(file, databaseReadMessage({ kind: 'folder' }));
    }
    if (!info.isFile()) throw new DatabaseError(file, databaseReadMessage({ kind: 'not-regular', what: info.isFIFO() ? 'a named pipe (FIFO)' : info.isSocket() ? 'a socket' : 'a device' }));
    if (info.size === 0) throw new DatabaseError(file, 'the database file is empty (0 bytes): it is not a database yet');
}

/** A read problem in the words used for database files (the messages the command line and `check` print). */
export function databaseReadMessage(p: FileReadProblem): string {
    switch (p.kind) {
        case 'missing': return 'database file not found';
        case 'folder': return 'is a folder, not a database file';
        case 'not-regular': return `is ${p.what}, not a database file`;
        case 'too-large': return `the database file is too large to be read into memory (${(p.size / 2 ** 20).toFixed(0)} MiB; at most ${(p.limit / 2 ** 20).toFixed(0)} MiB): use --engine duckdb (segments.engine in the editor)`;
        case 'changing': return 'the database file changed while it was being read (is it being written?); try again when it is complete';
        case 'io': return `cannot read the database file (${p.code})`;
    }
}
