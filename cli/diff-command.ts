import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KeyValue } from '../compiler/ir.js';
import { keyText } from '../compiler/keys.js';
import { decodeUtf8, MembersFileCodes, MembersFileError, parseMembers, type MembersFileProblem, type readMembersFile } from '../engine/members-file.js';
import { ENGINE_LABELS, type EngineName } from '../engine/open-engine.js';
import { SegmentRunner } from '../engine/runner.js';
import { loadWorkspace } from '../language-server/node-workspace.js';
import { OverlayFileSystemProvider } from '../language-server/overlay-fs.js';
import { createSegmentServices } from '../language-server/segment-module.js';
import { openEngine, parseClock, type Io } from './commands.js';
import { formatDiffJson, formatDiffMarkdown, formatDiffTable, type DiffEntry, type DiffReport, type DiffSide, type KeyList } from './diff-output.js';
import { filesAt, repositoryRoot, resolveCommit, revisionFiles } from './git-revision.js';
import { segmentChanges, type SegmentSide } from './segment-changes.js';
import { cliWorkspace, openWorkspace, type CliWorkspace } from './workspace.js';

export interface DiffOptions {
    /** The git revision to compare the working tree with (default `HEAD`). */
    readonly base?: string;
    readonly asOf?: string;
    readonly format: 'table' | 'json' | 'markdown';
    /** At most this many keys listed as entered and as left (default 10; the counts are complete). */
    readonly limit?: number;
    readonly engine?: EngineName;
    readonly url?: string;
    readonly schema?: string;
}

/**
 * `segments diff [PATH]`: the segments of PATH whose definition differs between a git revision
 * and the working tree (or that depend on one that does), each run on both sides on the same
 * database at the same instant: counts, entered and left keys.
 */
export async function diff(path: string | undefined, options: DiffOptions, io: Io): Promise<number> {
    const clock = parseClock(options.asOf);
    const base = options.base ?? 'HEAD';
    const target = resolve(path ?? '.');
    const after = await openWorkspace(target);
    const top = await repositoryRoot(after.ws.root);
    const commit = await resolveCommit(top, base);
    const before = await revisionWorkspace(after.ws.root, target, top, commit);

    const scope = [...new Set([...after.declared, ...before.declared].map(s => s.name))];
    const members = await membersFilesAt(top, commit, base, before);
    const changes = segmentChanges(before, after, scope, members.changed);
    const limit = options.limit ?? 10;
    const entries: DiffEntry[] = [];
    const engineName = options.engine ?? 'sqljs';
    if (changes.some(c => c.before.state === 'ok' || c.after.state === 'ok')) {
        // The same data on both sides: the working tree's database (the base's when the working tree names none).
        const engine = await openEngine(after.ws.model.database || !before.ws.model.database ? after : before, engineName, options.url, options.schema);
        try {
            const runBefore = new SegmentRunner(engine, before.runnable, clock, members.read);
            const runAfter = new SegmentRunner(engine, after.runnable, clock);
            for (const c of changes) {
                const keysBefore = c.before.state === 'ok' ? await keysOf(runBefore, c.name) : undefined;
                const keysAfter = c.after.state === 'ok' ? await keysOf(runAfter, c.name) : undefined;
                const title = titleOf(c.after) ?? titleOf(c.before) ?? c.name;
                const known = (side: SegmentSide, keys: readonly KeyValue[] | Error | undefined): readonly KeyValue[] | undefined => (side.state === 'absent' ? [] : Array.isArray(keys) ? keys : undefined);
                entries.push({
                    name: c.name, title, change: c.change, because: c.because,
                    before: sideOf(c.before, keysBefore), after: sideOf(c.after, keysAfter),
                    ...movement(known(c.before, keysBefore), known(c.after, keysAfter), limit)
                });
            }
        } finally {
            await engine.close();
        }
    } else {
        for (const c of changes) {
            entries.push({ name: c.name, title: titleOf(c.after) ?? titleOf(c.before) ?? c.name, change: c.change, because: c.because, before: sideOf(c.before, undefined), after: sideOf(c.after, undefined) });
        }
    }
    const report: DiffReport = { base, commit, asOf: options.asOf ?? clock.now.replace(' ', 'T'), engine: ENGINE_LABELS[engineName], limit, segments: entries };
    io.out(options.format === 'json' ? formatDiffJson(report) : options.format === 'markdown' ? formatDiffMarkdown(report) : formatDiffTable(report));
    return 0;
}

/** The workspace folder `root` as it is at `commit`: its `.segment` files read from git, held in memory. */
async function revisionWorkspace(root: string, target: string, top: string, commit: string): Promise<CliWorkspace> {
    const { texts } = await revisionFiles(top, commit, root);
    const services = createSegmentServices({ fileSystemProvider: () => new OverlayFileSystemProvider(texts) }).Segment;
    return cliWorkspace(await loadWorkspace(root, services, [...texts.keys()]), target);
}

function titleOf(side: SegmentSide): string | undefined {
    return side.state === 'ok' ? side.plan.title : undefined;
}

function sideOf(side: SegmentSide, keys: readonly KeyValue[] | Error | undefined): DiffSide {
    if (side.state === 'absent') return { state: 'absent' };
    if (side.state === 'error') return { state: 'error', error: side.error };
    if (keys instanceof Error) return { state: 'error', error: keys.message };
    return { state: 'ok', count: keys?.length ?? 0, audience: side.plan.audience.name };
}

/** A segment's members, or the members file problem that keeps it from running on that side. */
async function keysOf(runner: SegmentRunner, name: string): Promise<readonly KeyValue[] | MembersFileError> {
    try {
        return await runner.keys(name);
    } catch (e) {
        if (e instanceof MembersFileError) return e;
        throw e;
    }
}

/**
 * Members files (`members from "file.csv"`) as they are at the base: the static segments whose
 * file differs from the working tree's, and a reader that gives the base's keys.
 */
async function membersFilesAt(top: string, commit: string, base: string, before: CliWorkspace): Promise<{ changed: ReadonlySet<string>; read: typeof readMembersFile }> {
    const files = new Map<string, string[]>();
    for (const plan of before.plans.plans.values()) {
        if (plan.kind === 'static' && plan.members.kind === 'file') files.set(plan.members.path, [...(files.get(plan.members.path) ?? []), plan.name]);
    }
    const atBase = await filesAt(top, commit, [...files.keys()]);
    const changed = new Set<string>();
    for (const [file, names] of files) {
        const old = atBase.get(file);
        let now: Buffer | undefined;
        try {
            now = readFileSync(file);
        } catch {
            now = undefined;
        }
        if (!(old && now && old.equals(now)) && (old || now)) for (const n of names) changed.add(n);
    }
    const read = async (file: string, keyType: 'number' | 'text'): Promise<KeyValue[]> => {
        const bytes = atBase.get(file);
        const fail = (code: MembersFileProblem['code'], message: string): never => { throw new MembersFileError(file, [{ code, severity: 'error', message }]); };
        if (!bytes) return fail(MembersFileCodes.MembersFileMissing, `The members file ${file} is not in ${base}.`);
        const text = decodeUtf8(bytes);
        if (typeof text !== 'string') return fail(MembersFileCodes.MembersFileEncoding, `The members file ${file} at ${base} ${text.problem}.`);
        const { keys, problems } = parseMembers(text, keyType);
        const errors = problems.filter(p => p.severity === 'error');
        if (errors.length > 0) throw new MembersFileError(file, errors);
        return [...keys];
    };
    return { changed, read };
}

/** Keys in `after` only (entered) and in `before` only (left), ascending; none when a side has errors. */
function movement(before: readonly KeyValue[] | undefined, after: readonly KeyValue[] | undefined, limit: number): { entered?: KeyList; left?: KeyList } {
    if (!before || !after) return {};
    const inBefore = new Set(before.map(keyText));
    const inAfter = new Set(after.map(keyText));
    const entered = after.filter(k => !inBefore.has(keyText(k)));
    const left = before.filter(k => !inAfter.has(keyText(k)));
    return { entered: { count: entered.length, keys: entered.slice(0, limit) }, left: { count: left.length, keys: left.slice(0, limit) } };
}
