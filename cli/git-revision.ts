import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { UsageError } from './errors.js';

/** A revision's `.segment` files under one folder, read from git without a checkout. */
export interface RevisionFiles {
    /** The commit the revision names (40 or 64 hex digits). */
    readonly commit: string;
    /** The text of each `.segment` file under the folder at that commit, by absolute path in the working tree. */
    readonly texts: ReadonlyMap<string, string>;
}

/** Folders `segmentFiles` (language-server/node-workspace.ts) does not enter; dot folders neither. */
const SKIP = new Set(['node_modules', '.git', 'out']);

/** At most this many bytes of git output (a `.segment` file, a listing): far beyond any real workspace. */
const MAX_OUTPUT = 512 * 2 ** 20;

class GitFailed extends Error {
    constructor(readonly stderr: string, readonly missing: boolean) {
        super(stderr);
    }
}

/** Runs git with arguments (no shell), in `cwd`; its standard output. */
function git(cwd: string, args: readonly string[]): Promise<string> {
    return new Promise((resolvePromise, reject) => {
        execFile('git', args, { cwd, encoding: 'utf8', maxBuffer: MAX_OUTPUT, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (error, stdout, stderr) => {
            if (!error) resolvePromise(stdout);
            else reject(new GitFailed(stderr.trim() || error.message, (error as NodeJS.ErrnoException).code === 'ENOENT'));
        });
    });
}

/** The top folder of the git working tree `folder` is in. */
export async function repositoryRoot(folder: string): Promise<string> {
    try {
        return realpathSync((await git(folder, ['rev-parse', '--show-toplevel'])).trim());
    } catch (e) {
        if (e instanceof GitFailed && e.missing) throw new UsageError('git was not found: segments diff reads the base revision with the git command, install it or put it on the PATH');
        throw new UsageError(`${folder} is not in a git repository: segments diff compares the working tree with a git revision`);
    }
}

/** The commit `rev` names in the repository at `top`. */
export async function resolveCommit(top: string, rev: string): Promise<string> {
    // A revision starting with `-` would be read as an option.
    if (rev === '' || rev.startsWith('-')) throw new UsageError(`--base ${rev}: not a revision (a commit, branch or tag such as HEAD, main or v1.2)`);
    try {
        return (await git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])).trim();
    } catch {
        throw new UsageError(`--base ${rev}: unknown revision in ${top} (a commit, branch or tag such as HEAD, main or v1.2)`);
    }
}

/**
 * The `.segment` files under `folder` (an absolute path in the working tree at `top`) at
 * `commit`, as `segmentFiles` finds them on disk: regular files only, `node_modules`, `out` and
 * dot folders skipped. Keys are the paths the files have in the working tree.
 */
export async function revisionFiles(top: string, commit: string, folder: string): Promise<RevisionFiles> {
    const prefix = relative(top, realpathSync(folder)).split(sep).join('/');
    if (prefix.startsWith('..')) throw new UsageError(`${folder} is outside the git repository ${top}`);
    const listing = await git(top, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', prefix === '' ? '.' : prefix]);
    const blobs: { path: string; id: string }[] = [];
    for (const entry of listing.split('\0')) {
        // `<mode> SP <type> SP <object> TAB <path>`; symbolic links (120000) and submodules are not files here.
        const tab = entry.indexOf('\t');
        if (tab < 0) continue;
        const [mode, type, id] = entry.slice(0, tab).split(' ');
        const path = entry.slice(tab + 1);
        if (type !== 'blob' || (mode !== '100644' && mode !== '100755') || !path.endsWith('.segment')) continue;
        const inner = prefix === '' ? path : path.slice(prefix.length + 1);
        const folders = inner.split('/').slice(0, -1);
        if (folders.some(f => SKIP.has(f) || f.startsWith('.'))) continue;
        blobs.push({ path: join(folder, ...inner.split('/')), id });
    }
    blobs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const contents = await readObjects(top, blobs.map(b => b.id));
    return { commit, texts: new Map(blobs.map((b, i) => [b.path, contents[i]?.toString('utf8') ?? ''])) };
}

/**
 * The bytes of files (absolute paths in the working tree at `top`) at `commit`; `undefined` for
 * a file the commit does not have.
 */
export async function filesAt(top: string, commit: string, files: readonly string[]): Promise<Map<string, Buffer | undefined>> {
    const names = files.map(f => `${commit}:${relative(top, realFolder(dirname(f))).split(sep).concat(basename(f)).filter(Boolean).join('/')}`);
    const contents = await readObjects(top, names);
    return new Map(files.map((f, i) => [f, contents[i]]));
}

/** The real path of a folder, or of its nearest existing parent with the rest appended. */
function realFolder(folder: string): string {
    try {
        return realpathSync(folder);
    } catch {
        const parent = dirname(folder);
        return parent === folder ? folder : join(realFolder(parent), basename(folder));
    }
}

/**
 * Objects (`<id>` or `<commit>:<path>`), in order, from one `git cat-file --batch` (one process
 * however many files): a blob's bytes, `undefined` for a name that is missing or no blob.
 */
function readObjects(top: string, names: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (names.length === 0) return Promise.resolve([]);
    // A name holding a line break would be read as two.
    if (names.some(n => /[\n\r]/.test(n))) return Promise.resolve(names.map(() => undefined));
    return new Promise((resolvePromise, reject) => {
        const child = execFile('git', ['cat-file', '--batch'], { cwd: top, encoding: 'buffer', maxBuffer: MAX_OUTPUT, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (error, stdout, stderr) => {
            if (error) return reject(new GitFailed(stderr.toString('utf8').trim() || error.message, false));
            // Each object: `<id> <type> <size>\n<size bytes>\n`, or `<name> missing\n`.
            const found: (Buffer | undefined)[] = [];
            let at = 0;
            for (let i = 0; i < names.length; i++) {
                const end = stdout.indexOf(0x0a, at);
                if (end < 0) return reject(new GitFailed('git cat-file stopped early', false));
                // A missing name is echoed as given (it may hold spaces); a found object starts with its id.
                const header = /^[0-9a-f]{40,64} (\S+) (\d+)$/.exec(stdout.subarray(at, end).toString('utf8'));
                at = end + 1;
                if (!header) {
                    found.push(undefined);
                    continue;
                }
                const size = Number(header[2]);
                found.push(header[1] === 'blob' ? stdout.subarray(at, at + size) : undefined);
                at += size + 1;
            }
            resolvePromise(found);
        });
        child.stdin?.end(names.map(n => `${n}\n`).join(''));
    });
}
