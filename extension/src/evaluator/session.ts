import { statSync } from 'node:fs';
import { AstUtils, type LangiumDocument } from 'langium';
import type { Diagnostic } from 'vscode-languageserver';
import type * as ast from '../../../grammar/generated/ast.js';
import type { WorkspacePlans } from '../../../compiler/plan-workspace.js';
import { clockAsOf, type Clock } from '../../../compiler/time.js';
import type { SqlEngine } from '../../../engine/engine.js';
import { ENGINE_NAMES, openEngine, type EngineTarget } from '../../../engine/open-engine.js';
import { SegmentRunner } from '../../../engine/runner.js';
import { URI } from 'langium';
import { loadWorkspace, segmentFiles, type LoadedWorkspace } from '../../../language-server/node-workspace.js';
import { blockedSegments, withoutBlocked, type BlockedSegment } from '../../../language-server/schema-faults.js';
import { createSegmentServices, type SegmentServices } from '../../../language-server/segment-module.js';
import type { SegmentProblem } from '../shared/data.js';
import { locationOf } from '../../../explain/location.js';
import { OverlayFileSystemProvider } from '../../../language-server/overlay-fs.js';
import type { EvaluationContext } from './protocol.js';
import { SegmentPlanner, type PlanningCounts } from './workspace-plans.js';

export interface LoadedModel {
    readonly version: number;
    readonly workspace: LoadedWorkspace;
    /** Plans of the segments that may run (a segment blocked by the data has none here). */
    readonly plans: WorkspacePlans;
    /** Plans of every segment without errors, blocked ones too (a test with its own rows may run them). */
    readonly unblocked: WorkspacePlans['plans'];
    /** Segments with a plan that must not run: they read a table or column the database lacks, or a data check failed. */
    readonly blocked: ReadonlyMap<string, BlockedSegment>;
}

interface OpenEngine {
    /** What was opened: the engine, and the database file or server. */
    readonly target: string;
    /** The database file read (sql.js and DuckDB). */
    readonly file?: string;
    readonly mtimeMs: number;
    readonly size: number;
    readonly engine: SqlEngine;
}

type EngineChoice = Omit<EngineTarget, 'file'>;

/**
 * One workspace folder as the evaluator sees it: the model (parsed with unsaved editor text),
 * the database opened in memory, and a runner reused while neither changes.
 *
 * The language services are made once: an edit re-parses the files it changed (Langium's
 * incremental update) and plans again the segments it can have changed (`SegmentPlanner`); the
 * database is not read again, and
 * the data checks share the runs' copy (`SqlJsEngine.open`: one copy per file in this thread).
 */
export class WorkspaceSession {
    private model?: Promise<LoadedModel>;
    private modelVersion = 0;
    private services?: SegmentServices;
    /** Keeps each segment's lowering across edits: an edit lowers again only what it can have changed. */
    private planner = new SegmentPlanner();
    /** Files whose text changed since the last load (an overlay set or dropped). */
    private readonly changed = new Set<string>();
    /** Files may have been created, changed or deleted on disk: every file is looked at again. */
    private rescan = false;
    private engine?: Promise<OpenEngine>;
    private runner?: { key: string; created: number; runner: SegmentRunner };
    private choice: EngineChoice = { engine: 'sqljs' };
    private reopen = false;

    constructor(readonly root: string, private readonly overlays: ReadonlyMap<string, string>) {}

    /** The engine the request's settings pick; a different pick closes the open one on next use. */
    useEngine(ctx: EvaluationContext): void {
        this.choice = {
            engine: ctx.engine ?? 'sqljs',
            ...(ctx.postgresUrl ? { postgresUrl: ctx.postgresUrl } : {}),
            ...(ctx.postgresSchema ? { postgresSchema: ctx.postgresSchema } : {})
        };
    }

    /** The unsaved text of `file` changed, or was dropped (the file on disk is current again). */
    fileChanged(file: string): void {
        this.changed.add(file);
        this.dropModel();
    }

    /** Files on disk changed, or may have: created, changed or deleted ones are found at the next load. */
    invalidateModel(): void {
        this.rescan = true;
        this.dropModel();
    }

    private dropModel(): void {
        this.model = undefined;
        this.runner = undefined;
    }

    /**
     * The database may have changed: the next request looks at the file (size and modification
     * time) and reads it again only if it changed, the old copy closed then, not now (a request
     * still running may be reading it; requests run one at a time). A server is connected to again.
     */
    invalidateAll(): void {
        this.invalidateModel();
        this.reopen = true;
    }

    loaded(): Promise<LoadedModel> {
        this.model ??= this.load();
        return this.model;
    }

    private async load(): Promise<LoadedModel> {
        const version = ++this.modelVersion;
        await this.letGoOfChangedData();
        const workspace = await this.updateWorkspace();
        const planned = this.planner.plan(workspace.model);
        // Never run a segment whose schema has errors in the data (a missing table or column).
        const blocked = await blockedSegments(workspace, planned.plans);
        return { version, workspace, plans: { ...planned, plans: withoutBlocked(planned.plans, blocked) }, unblocked: planned.plans, blocked };
    }

    /**
     * When the database file changed, the runs' hold on the old copy is let go of before the
     * data checks read the new one, so the old copy is closed before the new one is read.
     */
    private async letGoOfChangedData(): Promise<void> {
        const current = this.engine ? await this.engine.catch(() => undefined) : undefined;
        const file = current?.file;
        if (!current || !file) return;
        const info = fileInfo(file);
        if (current.mtimeMs === (info?.mtimeMs ?? 0) && current.size === (info?.size ?? 0)) return;
        this.engine = undefined;
        this.runner = undefined;
        await current.engine.close();
        // The data checks let go of the old copy too (it is closed now), and hold the new one.
        const facts = this.services?.data.DatabaseFacts;
        facts?.changed(file);
        await facts?.status(file);
    }

    /** The workspace parsed: the first time in full, then only the files that changed since. */
    private async updateWorkspace(): Promise<LoadedWorkspace> {
        const changed = [...this.changed];
        const rescan = this.rescan;
        this.changed.clear();
        this.rescan = false;
        if (!this.services) {
            // The value checks only warn (views show errors; the language server shows warnings), and would hold up the first count by minutes at millions of rows.
            this.services = createSegmentServices({ fileSystemProvider: () => new OverlayFileSystemProvider(this.overlays), valueChecks: false }).Segment;
            return loadWorkspace(this.root, this.services);
        }
        const services = this.services;
        const documents = services.shared.workspace.LangiumDocuments;
        const known = new Set(documents.all.map(d => d.uri.fsPath));
        // A file belongs to the model while it is a `.segment` file on disk under the root (its unsaved text, if any, read instead).
        const onDisk = rescan ? new Set(segmentFiles(this.root)) : undefined;
        const belongs = (file: string): boolean => onDisk ? onDisk.has(file) : known.has(file) ? isFile(file) : segmentFiles(this.root).includes(file);
        const candidates = onDisk ? new Set([...onDisk, ...known]) : new Set(changed);
        const update = [...candidates].filter(belongs);
        const deleted = [...candidates].filter(f => known.has(f) && !belongs(f));
        if (update.length > 0 || deleted.length > 0) {
            await services.shared.workspace.DocumentBuilder.update(update.map(f => URI.file(f)), deleted.map(f => URI.file(f)));
        }
        return {
            root: this.root,
            documents: documents.all.toArray(),
            model: services.workspace.SegmentWorkspace.model,
            services,
            diagnostics: doc => doc.diagnostics ?? []
        };
    }

    /** What the last load lowered again and what it reused (`SegmentPlanner`). */
    planning(): PlanningCounts {
        return this.planner.counts();
    }

    /** The database file the model declares, or undefined. */
    async databaseFile(): Promise<string | undefined> {
        return (await this.loaded()).workspace.model.database?.uri.fsPath;
    }

    /**
     * The picked engine on the workspace's data, reopened when the pick changes or the database
     * file changed since it was read (a server's data is read afresh by every query).
     */
    async openEngine(): Promise<OpenEngine> {
        const choice = this.choice;
        const file = choice.engine === 'postgres' ? undefined : await this.databaseFile();
        const target = `${choice.engine}|${file ?? `${choice.postgresUrl ?? ''}|${choice.postgresSchema ?? ''}`}`;
        const info = file ? fileInfo(file) : undefined;
        const current = this.engine ? await this.engine.catch(() => undefined) : undefined;
        // A file is read again only when it changed (size and modification time); a server's connection is made again when asked.
        const reopen = this.reopen && choice.engine === 'postgres';
        if (current && !reopen && current.target === target && current.mtimeMs === (info?.mtimeMs ?? 0) && current.size === (info?.size ?? 0)) return current;
        this.reopen = false;
        // Closed before the next copy is read: an in-memory copy is as large as the database.
        if (current) await current.engine.close();
        this.runner = undefined;
        this.engine = openEngine({ ...choice, ...(file ? { file } : {}) }).then(engine => ({ target, ...(file ? { file } : {}), mtimeMs: info?.mtimeMs ?? 0, size: info?.size ?? 0, engine }));
        return this.engine;
    }

    /** The database file the open engine read, with its size (none on PostgreSQL, or before anything opened). */
    async openedFile(): Promise<{ readonly engine: EngineChoice['engine']; readonly file: string; readonly bytes: number } | undefined> {
        const current = this.engine ? await this.engine.catch(() => undefined) : undefined;
        if (!current?.file) return undefined;
        return { engine: ENGINE_NAMES.find(n => n === current.engine.name) ?? 'sqljs', file: current.file, bytes: current.size };
    }

    /** A runner at the given "as of"; results are reused until the model, data or clock change. */
    async runnerAt(asOf: string | undefined): Promise<{ runner: SegmentRunner; model: LoadedModel; clock: Clock; engine: SqlEngine }> {
        const model = await this.loaded();
        const open = await this.openEngine();
        const key = `${model.version}|${open.mtimeMs}|${open.size}|${asOf ?? ''}`;
        const fresh = asOf !== undefined || (this.runner && Date.now() - this.runner.created < 10_000);
        if (!this.runner || this.runner.key !== key || !fresh) {
            this.runner = { key, created: Date.now(), runner: new SegmentRunner(open.engine, model.plans.plans, clockAsOf(asOf)) };
        }
        return { runner: this.runner.runner, model, clock: this.runner.runner.clock, engine: open.engine };
    }

    /** A runner at another instant (back-fill), sharing the open database. */
    async runnerFor(clock: Clock): Promise<SegmentRunner> {
        const model = await this.loaded();
        const open = await this.openEngine();
        return new SegmentRunner(open.engine, model.plans.plans, clock);
    }

    async close(): Promise<void> {
        const current = this.engine ? await this.engine.catch(() => undefined) : undefined;
        await current?.engine.close();
        this.engine = undefined;
        // The data checks' hold on the copy.
        this.services?.data.DatabaseFacts.dispose();
        this.services?.data.SegmentCounts.dispose();
        this.services = undefined;
        this.planner = new SegmentPlanner();
        this.dropModel();
    }
}

/**
 * The database file's size and modification time, looked at on every request: on this thread
 * (a local stat takes microseconds; the thread pool's round trip costs more on a busy machine).
 */
function fileInfo(file: string): { readonly size: number; readonly mtimeMs: number } | undefined {
    try {
        return statSync(file, { throwIfNoEntry: false });
    } catch {
        return undefined;
    }
}

function isFile(file: string): boolean {
    return statSync(file, { throwIfNoEntry: false })?.isFile() === true;
}

/** Where a node starts, as a location to link to. */
export { locationOf };

/** Why a segment blocked by the data does not run: the diagnostics of what it reads, as problems. */
export function blockedProblems(segment: ast.Segment, model: LoadedModel): SegmentProblem[] {
    return (model.blocked.get(segment.name)?.diagnostics ?? []).map(({ document, diagnostic: d }) => ({
        severity: 'error' as const,
        message: typeof d.message === 'string' ? d.message : d.message.value,
        location: { uri: document.uri.toString(), line: d.range.start.line, character: d.range.start.character }
    }));
}

/** The errors and warnings inside a segment's (or a measure's) text, from every validation the language runs. */
export function problemsOf(node: ast.Segment | ast.Measure, workspace: LoadedWorkspace): SegmentProblem[] {
    const doc: LangiumDocument = AstUtils.getDocument(node);
    const range = node.$cstNode?.range;
    if (!range) return [];
    const inside = (d: Diagnostic): boolean => d.range.start.line >= range.start.line && d.range.start.line <= range.end.line;
    return workspace.diagnostics(doc)
        .filter(d => inside(d) && (d.severity === 1 || d.severity === 2))
        .map(d => ({
            severity: d.severity === 1 ? 'error' as const : 'warning' as const,
            message: typeof d.message === 'string' ? d.message : d.message.value,
            location: { uri: doc.uri.toString(), line: d.range.start.line, character: d.range.start.character }
        }));
}
