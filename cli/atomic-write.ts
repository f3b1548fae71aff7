import { randomBytes } from 'node:crypto';
import { chmodSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.js';

/**
 * Writes `text` to a temporary file beside `file`, then renames it over `file`: readers see the
 * old file or the new one, never a partial one, and a failed write leaves no temporary file.
 * `mode` (the permission bits of the file being replaced) is set on the new file exactly,
 * whatever the umask.
 */
export function writeAtomically(file: string, text: string, shownAs: string, mode?: number): void {
    const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
        writeFileSync(temporary, text, { flag: 'wx', ...(mode === undefined ? {} : { mode }) });
        if (mode !== undefined) chmodSync(temporary, mode);
        renameSync(temporary, file);
    } catch (e) {
        try {
            unlinkSync(temporary);
        } catch {
            // Never created, or already renamed.
        }
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(`cannot write ${shownAs}: ${code === 'EISDIR' ? 'it is a folder' : code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? String(e)}`);
    }
}
