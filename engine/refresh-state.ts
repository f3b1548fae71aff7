import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { KeyValue, SegmentPlan } from '../compiler/ir.js';
import { segmentReferences } from '../compiler/plan-walk.js';
import { segmentSql } from '../compiler/sql/to-sql.js';
import { measureTables, tablesRead, type TableVersions } from './refresh.js';
import type { SegmentRunner } from './runner.js';
import { sampledSegments } from './steps.js';

/**
 * What a refresh of a segment depends on, shared by `segments refresh` and the extension, so a
 * segment is evaluated, and a run recorded, when something it depends on changed, and only then.
 * The same shape as the history store's `RefreshState`.
 */
export interface SegmentState {
    /** Its text and the schema's, the destinations it sends to, the bytes of the members files it reads (`segmentFingerprint`). */
    readonly fingerprint: string;
    /** The instants it resolves at the refresh's clock (`instantsFingerprint`); absent when not computed. */
    readonly instants?: string;
    /** The version of each table it reads. */
    readonly tables: Readonly<Record<string, string>>;
}

/** The parts of a loaded workspace the fingerprints read (a `LoadedWorkspace` has them). */
export interface WorkspaceTexts {
    readonly model: { readonly segments: ReadonlyMap<string, { readonly $cstNode?: { readonly text: string } }> };
    readonly documents: readonly { readonly parseResult: { readonly value: unknown } }[];
}

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
 * A fingerprint of everything but the data and the clock that a segment's members and its
 * destinations' content depend on: the text of the segment and of the segments it reaches, the
 * schema (every database, entity and measure declaration), the destinations it sends to, and
 * the bytes of the members files it reads. Needs no engine.
 */
export async function segmentFingerprint(plan: SegmentPlan, ws: WorkspaceTexts, plans: ReadonlyMap<string, SegmentPlan>): Promise<string> {
    const closure = segmentClosure(plan.name, plans);
    const texts = closure.map(n => ws.model.segments.get(n)?.$cstNode?.text ?? '');
    const schema = ws.documents.flatMap(d => {
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
    return sha256(JSON.stringify({ texts, schema, destinations: plan.destinations, files }));
}

/**
 * The instants a segment resolves at the runner's clock: its SQL then, so a window such as
 * `within 30 days` that moves with the clock counts as a change and one that resolves to the
 * same text does not. A segment that reaches a `sample` step (whose SQL lists the keys drawn)
 * has the clock itself. Needs the engine (how columns are stored).
 */
export async function instantsFingerprint(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>, runner: SegmentRunner): Promise<string> {
    return sha256(sampledSegments(plan, plans).length > 0 ? `clock ${runner.clock.now}` : segmentSql(plan, await runner.sqlContext(plan)));
}

/**
 * What decides a segment's members, for the history's series (`seriesOf`): the plans of the
 * segment and of those it reaches, without titles, descriptions and destinations. Editing a
 * comment or a title keeps the series; changing a condition starts another.
 */
export function definitionOf(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>): string {
    const closure = segmentClosure(plan.name, plans).sort().map(n => {
        const { title: _title, description: _description, destinations: _destinations, ...rest } = plans.get(n)!;
        return rest;
    });
    return sha256(JSON.stringify(closure, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v] : v))).slice(0, 16);
}

/** The state to record for a run: the fingerprints and the versions of the tables read. */
export function stateOf(fingerprint: string, instants: string | undefined, tables: readonly string[], versions: TableVersions): SegmentState {
    return { fingerprint, ...(instants !== undefined ? { instants } : {}), tables: Object.fromEntries(tables.map(t => [t, versions.get(t) ?? 'missing'])) };
}

/** Same definition, destinations, files and data: only the clock may differ. */
export function sameInputs(recorded: SegmentState | undefined, now: SegmentState): boolean {
    if (!recorded || recorded.fingerprint !== now.fingerprint) return false;
    const a = Object.keys(recorded.tables).sort();
    const b = Object.keys(now.tables).sort();
    return a.length === b.length && a.every((t, i) => t === b[i] && recorded.tables[t] === now.tables[t]);
}

/** True when nothing a recorded run depended on has changed, the instants it resolves included. */
export function sameState(recorded: SegmentState | undefined, now: SegmentState): boolean {
    return sameInputs(recorded, now) && recorded!.instants !== undefined && recorded!.instants === now.instants;
}

/**
 * The members a history snapshot holds, as the runner gives keys: numbers, and a key of a
 * number attribute beyond 2^53 (held as its digits) as a bigint; in the engines' order.
 */
export function keysFromSnapshot(plan: SegmentPlan, snapshot: Iterable<string | number>): KeyValue[] {
    const numeric = plan.audience.key.type === 'number';
    const keys: KeyValue[] = [...snapshot].map(k => (numeric && typeof k === 'string' && /^-?\d+$/.test(k) ? BigInt(k) : k));
    return keys.sort(compareKeys);
}

function compareKeys(a: KeyValue, b: KeyValue): number {
    const an = typeof a !== 'string';
    const bn = typeof b !== 'string';
    if (an && bn) return a < b ? -1 : a > b ? 1 : 0;
    if (an) return -1;
    if (bn) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
}

function sha256(text: string): string {
    return createHash('sha256').update(text).digest('hex');
}
