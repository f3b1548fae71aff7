import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The workspace folder a `.segment` file belongs to: the nearest folder upwards holding a
 * `.segment` file with a `database` line, else the file's own folder. The same rule as
 * `findWorkspaceRoot` in language-server/node-workspace.ts, kept here so that activating the
 * extension does not load the language services into the extension host.
 */
export function workspaceRootOf(path: string): string {
    const start = resolve(path);
    const first = existsSync(start) && statSync(start).isDirectory() ? start : dirname(start);
    for (let dir = first; ; dir = dirname(dir)) {
        if (declaresDatabase(dir)) return dir;
        if (dirname(dir) === dir) return first;
    }
}

function declaresDatabase(dir: string): boolean {
    try {
        // Only regular files are read: a FIFO named *.segment would block here.
        return readdirSync(dir).some(f => f.endsWith('.segment') && statSync(join(dir, f), { throwIfNoEntry: false })?.isFile() === true && /^\s*database\s+"/m.test(readFileSync(join(dir, f), 'utf8')));
    } catch {
        return false;
    }
}
