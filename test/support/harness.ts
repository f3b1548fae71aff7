import { EmptyFileSystem, type LangiumDocument } from 'langium';
import type { Diagnostic } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import type { KeyValue } from '../../compiler/ir.js';
import { planWorkspace, type WorkspacePlans } from '../../compiler/plan-workspace.js';
import { clockAsOf } from '../../compiler/time.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { SegmentRunner } from '../../engine/runner.js';
import { engineLabel, expectSameKeys, otherEngines } from './engines.js';
import { createSegmentServices } from '../../language-server/segment-module.js';
import type { WorkspaceModel } from '../../language-server/workspace-model.js';

export interface Built {
    readonly documents: readonly LangiumDocument[];
    readonly model: WorkspaceModel;
    readonly diagnostics: readonly (Diagnostic & { file: string })[];
    readonly plans: WorkspacePlans;
}

/** Parses, links and validates in-memory files (name → text) as one workspace folder. */
export async function build(files: Record<string, string> | string): Promise<Built> {
    const sources = typeof files === 'string' ? { 'main.segment': files } : files;
    const { shared, Segment } = createSegmentServices(EmptyFileSystem);
    const documents = Object.entries(sources).map(([name, text]) =>
        shared.workspace.LangiumDocumentFactory.fromString(text, URI.file(`/ws/${name}`)));
    for (const d of documents) shared.workspace.LangiumDocuments.addDocument(d);
    await shared.workspace.DocumentBuilder.build(documents, { validation: true });
    const model = Segment.workspace.SegmentWorkspace.model;
    const diagnostics = documents.flatMap(d => (d.diagnostics ?? []).map(x => ({ ...x, file: d.uri.path.replace('/ws/', '') })));
    return { documents, model, diagnostics, plans: planWorkspace(model) };
}

/** Diagnostic codes (and lines, 1-based) of a workspace, for validation tests. */
export async function codes(files: Record<string, string> | string): Promise<string[]> {
    const built = await build(files);
    return built.diagnostics.map(d => String(d.code ?? (d.data as { code?: string } | undefined)?.code ?? '?'));
}

/** A fresh in-memory SQLite database made by `setup` SQL. */
export async function database(setup: string): Promise<SqlJsEngine> {
    const engine = await SqlJsEngine.fromBytes(new Uint8Array());
    engine.querySync(setup);
    return engine;
}

/**
 * Runs segments on a database made by `setup`: the returned function gives a segment's keys.
 * Fails when the workspace has errors, so a test never runs a broken segment by accident.
 * Every call evaluates the segment on sql.js and on the other engines (DuckDB always,
 * PostgreSQL when SEGMENTS_PG_URL is set, the sharded PostgreSQL when SEGMENTS_PG_CLUSTER_URL is
 * set), each on a copy of the same data, and fails when
 * their keys differ; it returns the sql.js keys.
 */
export async function run(files: Record<string, string> | string, setup: string, asOf = '2027-02-11'): Promise<(name: string) => Promise<readonly KeyValue[]>> {
    const built = await build(files);
    const errors = built.diagnostics.filter(d => d.severity === 1);
    if (errors.length > 0) throw new Error(`workspace has errors:\n${errors.map(e => `${e.file}:${e.range.start.line + 1}: ${e.message} [${String(e.code)}]`).join('\n')}`);
    const engine = await database(setup);
    const clock = clockAsOf(asOf);
    const runner = new SegmentRunner(engine, built.plans.plans, clock);
    let others: Promise<readonly { readonly runner: SegmentRunner; readonly label: string }[]> | undefined;
    const layout = { schema: built.model.schema, audiences: [...built.plans.plans.values()].map(p => p.audience.name) };
    return async name => {
        const keys = await runner.keys(name);
        others ??= otherEngines(engine, layout).then(list => list.map(e => ({ runner: new SegmentRunner(e, built.plans.plans, clock), label: engineLabel(e) })));
        for (const other of await others) await expectSameKeys(name, keys, other.runner, other.label);
        return keys;
    };
}
