import { stat } from 'node:fs/promises';
import { AstUtils, type LangiumDocument } from 'langium';
import type { Diagnostic } from 'vscode-languageserver';
import type * as ast from '../../../grammar/generated/ast.js';
import { planWorkspace, type WorkspacePlans } from '../../../compiler/plan-workspace.js';
import { clockAsOf, type Clock } from '../../../compiler/time.js';
import type { SqlEngine } from '../../../engine/engine.js';
import { openEngine, type EngineTarget } from '../../../engine/open-engine.js';
import { SegmentRunner } from '../../../engine/runner.js';
import { loadWorkspace, type LoadedWorkspace } from '../../../language-server/node-workspace.js';
import { blockedSegments, withoutBlocked, type BlockedSegment } from '../../../language-server/schema-faults.js';
import { createSegmentServices } from '../../../language-server/segment-module.js';
import type { SegmentProblem } from '../shared/data.js';
import { locationOf } from '../../../explain/location.js';
import { OverlayFileSystemProvider } from '../../../language-server/overlay-fs.js';
import type { EvaluationContext } from './protocol.js';

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
    readonly mtimeMs: number;
    readonly size: number;
    readonly engine: SqlEngine;
}

type EngineChoice = Omit<EngineTarget, 'file'>;

/**
 * One workspace folder as the evaluator sees it: the model (parsed with unsaved editor text),
 * the database opened in memory, and a runner reused while neither changes.
 */
export class WorkspaceSession {
    private model?: Promise<LoadedModel>;
    private modelVersion = 0;
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

    /** Unsaved text or files on disk changed. */
    invalidateModel(): void {
        this.model = undefined;
        this.runner = undefined;
    }

    /**
     * The database may have changed: the next request reads it afresh. The open copy is closed
     * then, not now (a request still running may be reading it; requests run one at a time).
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
        const services = createSegmentServices({ fileSystemProvider: () => new OverlayFileSystemProvider(this.overlays) }).Segment;
        const workspace = await loadWorkspace(this.root, services);
        const planned = planWorkspace(workspace.model);
        // Never run a segment whose schema has errors in the data (a missing table or column).
        const blocked = await blockedSegments(workspace, planned.plans);
        return { version, workspace, plans: { ...planned, plans: withoutBlocked(planned.plans, blocked) }, unblocked: planned.plans, blocked };
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
        const info = file ? await stat(file).catch(() => undefined) : undefined;
        const current = this.engine ? await this.engine.catch(() => undefined) : undefined;
        if (current && !this.reopen && current.target === target && current.mtimeMs === (info?.mtimeMs ?? 0) && current.size === (info?.size ?? 0)) return current;
        this.reopen = false;
        // Closed before the next copy is read: an in-memory copy is as large as the database.
        if (current) await current.engine.close();
        this.runner = undefined;
        this.engine = openEngine({ ...choice, ...(file ? { file } : {}) }).then(engine => ({ target, mtimeMs: info?.mtimeMs ?? 0, size: info?.size ?? 0, engine }));
        return this.engine;
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
    }
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
