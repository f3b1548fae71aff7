import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SegmentPlan } from '../compiler/ir.js';
import { segmentReferences } from '../compiler/plan-walk.js';
import { segmentSql } from '../compiler/sql/to-sql.js';
import type { TableVersions } from '../engine/refresh.js';
import { measureTables, tablesRead } from '../engine/refresh.js';
import type { SegmentRunner } from '../engine/runner.js';
import { sampledSegments } from '../engine/steps.js';
import type { RefreshState } from '../history/history-store.js';
import type { CliWorkspace } from './workspace.js';

/** The segments `name` reaches: itself, its compound parts and the segments it names with `in segment`. */
export function segmentClosure(name: string, plans: ReadonlyMap<string, SegmentPlan>): string[] {
    const seen = new Set<string>();
    const visit = (n: string): void => {
        const plan = plans.get(n);
        if (!plan || seen.has(n)) return;
        seen.add(n);
        segmentReferences(plan).forEach(visit);
    };
    visit(name);
    return [...seen];
}

/**
 * The tables a refresh of `plan` depends on: those its members are read from (`tablesRead`) and
 * those of its `show` columns and measures, which a file destination holds.
 */
export function refreshTables(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>): string[] {
    const tables = tablesRead(plan.name, plans);
    for (const s of plan.show) {
        for (const step of s.path) tables.add(step.entity.table);
        if (s.measure) measureTables(s.measure, tables);
    }
    return [...tables].sort();
}

/**
 * A fingerprint of everything but the data that a segment's members and its destinations'
 * content depend on: the text of the segment and of the segments it reaches, the schema (every
 * database, entity and measure declaration), the destinations it sends to, the bytes of the
 * members files it reads, and the instants it resolves: its SQL at this refresh's clock, so a
 * window such as `within 30 days` that moves with the clock counts as a change, and one that
 * resolves to the same text does not. A segment that reaches a `sample` step (whose SQL lists
 * the keys drawn) has the clock itself in its fingerprint.
 */
export async function segmentFingerprint(plan: SegmentPlan, cw: CliWorkspace, runner: SegmentRunner): Promise<string> {
    const plans = cw.runnable;
    const closure = segmentClosure(plan.name, plans);
    const texts = closure.map(n => cw.ws.model.segments.get(n)?.$cstNode?.text ?? '');
    const schema = cw.ws.documents.flatMap(d => {
        const model = d.parseResult.value as { databases?: { $cstNode?: { text: string } }[]; entities?: { $cstNode?: { text: string } }[]; measures?: { $cstNode?: { text: string } }[] };
        return [...(model.databases ?? []), ...(model.entities ?? []), ...(model.measures ?? [])].map(n => n.$cstNode?.text ?? '');
    });
    const files: string[] = [];
    for (const n of closure) {
        const p = plans.get(n);
        if (p?.kind === 'static' && p.members.kind === 'file') {
            const bytes = await readFile(p.members.path).catch(() => undefined);
            files.push(`${p.members.path}:${bytes ? createHash('sha256').update(bytes).digest('hex') : 'missing'}`);
        }
    }
    const time = sampledSegments(plan, plans).length > 0
        ? `clock ${runner.clock.now}`
        : segmentSql(plan, await runner.sqlContext(plan));
    return createHash('sha256').update(JSON.stringify({ texts, schema, destinations: plan.destinations, files, time })).digest('hex');
}

/** The state to record for a run: the fingerprint and the versions of the tables read. */
export function stateOf(fingerprint: string, tables: readonly string[], versions: TableVersions): RefreshState {
    return { fingerprint, tables: Object.fromEntries(tables.map(t => [t, versions.get(t) ?? 'missing'])) };
}

/** True when nothing a recorded run depended on has changed. */
export function sameState(recorded: RefreshState | undefined, now: RefreshState): boolean {
    if (!recorded || recorded.fingerprint !== now.fingerprint) return false;
    const a = Object.keys(recorded.tables).sort();
    const b = Object.keys(now.tables).sort();
    return a.length === b.length && a.every((t, i) => t === b[i] && recorded.tables[t] === now.tables[t]);
}
