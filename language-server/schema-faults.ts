import { AstUtils, type AstNode, type LangiumDocument } from 'langium';
import type { Diagnostic } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import type { SegmentPlan } from '../compiler/ir.js';
import { planUses } from '../compiler/plan-uses.js';
import type { Schema } from '../compiler/schema.js';
import type { TableInfo } from './data/query-service.js';
import { IssueCodes } from './issue-codes.js';
import type { LoadedWorkspace } from './node-workspace.js';

/** An entity whose table, or an attribute whose column, the database does not have. */
export interface SchemaFault {
    readonly code: typeof IssueCodes.TableMissing | typeof IssueCodes.ColumnMissing;
    readonly entity: string;
    /** Absent when the whole table is missing. */
    readonly attribute?: string;
    /** One sentence, for places that show no diagnostics (a code lens). */
    readonly message: string;
}

/**
 * The schema's entities and attributes that the database lacks, by the same rules as the
 * data-aware checks (`table-missing`, `column-missing`): names compare case-insensitively, as
 * SQLite compares them. `tables` is keyed by lower-case table name.
 */
export function schemaFaults(schema: Schema, tables: ReadonlyMap<string, TableInfo>): SchemaFault[] {
    const faults: SchemaFault[] = [];
    for (const entity of schema.entities.values()) {
        const table = tables.get(entity.table.toLowerCase());
        if (!table) {
            faults.push({ code: IssueCodes.TableMissing, entity: entity.name, message: `the database has no table ${entity.table} (entity ${entity.name})` });
            continue;
        }
        const columns = new Set(table.columns.map(c => c.toLowerCase()));
        for (const attribute of entity.attributes.values()) {
            if (columns.has(attribute.column.toLowerCase())) continue;
            faults.push({
                code: IssueCodes.ColumnMissing, entity: entity.name, attribute: attribute.name,
                message: `table ${table.name} has no column ${attribute.column} (${entity.name}.${attribute.name})`
            });
        }
    }
    return faults;
}

/** Tables by lower-case name, as `schemaFaults` takes them. */
export function tablesByName(tables: readonly TableInfo[]): Map<string, TableInfo> {
    return new Map(tables.map(t => [t.name.toLowerCase(), t]));
}

/** The faults among `faults` that a segment's query would meet: a missing table it reads, or a missing column. */
export function faultsOf(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>, faults: readonly SchemaFault[]): SchemaFault[] {
    if (faults.length === 0) return [];
    const uses = planUses(plan, plans);
    return faults.filter(f => (f.attribute === undefined ? uses.entities.has(f.entity) : uses.attributes.has(`${f.entity}.${f.attribute}`)));
}

/** A diagnostic and the file it is in. */
export interface LocatedDiagnostic {
    readonly document: LangiumDocument;
    readonly diagnostic: Diagnostic;
}

/** Why a segment that has a plan must not run: its schema faults and the diagnostics that report them. */
export interface BlockedSegment {
    readonly faults: readonly SchemaFault[];
    /** The error diagnostics to show: those of the faults, and errors in the text of the segment or its parts. */
    readonly diagnostics: readonly LocatedDiagnostic[];
}

/**
 * The segments of a loaded (validated) workspace that have a plan but must not run: a part of
 * the schema they read is missing from the database (`table-missing`, `column-missing`), or a
 * data-aware check found an error in their own text or a part's (a members file that cannot
 * be read). Other segments are not affected: only what a segment reads blocks it.
 */
export async function blockedSegments(ws: LoadedWorkspace, plans: ReadonlyMap<string, SegmentPlan>): Promise<Map<string, BlockedSegment>> {
    const model = ws.model;
    const facts = ws.services.data.DatabaseFacts;
    const file = model.database?.uri.fsPath;
    const faults = file && (await facts.status(file)).kind === 'ok' ? schemaFaults(model.schema, await facts.tables(file)) : [];
    const blocked = new Map<string, BlockedSegment>();
    for (const plan of plans.values()) {
        const found = faultsOf(plan, plans, faults);
        const diagnostics = [...found.flatMap(f => faultDiagnostics(ws, f)), ...textErrors(ws, plan, plans)];
        if (diagnostics.length > 0) blocked.set(plan.name, { faults: found, diagnostics });
    }
    return blocked;
}

/** The plans that may run: `plans` without the blocked ones. */
export function withoutBlocked(plans: ReadonlyMap<string, SegmentPlan>, blocked: ReadonlyMap<string, BlockedSegment>): Map<string, SegmentPlan> {
    return new Map([...plans].filter(([name]) => !blocked.has(name)));
}

/** The diagnostics `check` prints for a fault; one made from the fault when validation has not reported it. */
function faultDiagnostics(ws: LoadedWorkspace, fault: SchemaFault): LocatedDiagnostic[] {
    const entity = ws.model.entities.get(fault.entity);
    const node: AstNode | undefined = fault.attribute === undefined ? entity : entity?.attributes.find(a => a.name === fault.attribute);
    const range = node?.$cstNode?.range;
    if (!node || !range) return [];
    const document = AstUtils.getDocument(node);
    const own = ws.diagnostics(document).filter(d => String(d.code) === fault.code && within(d, range));
    if (own.length > 0) return own.map(diagnostic => ({ document, diagnostic }));
    const message = fault.message.charAt(0).toUpperCase() + fault.message.slice(1);
    return [{ document, diagnostic: { range, severity: 1, code: fault.code, message: `${message}.` } }];
}

/** Error diagnostics inside the text of a segment or of the segments it is made of. */
function textErrors(ws: LoadedWorkspace, plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>, seen = new Set<string>()): LocatedDiagnostic[] {
    if (seen.has(plan.name)) return [];
    seen.add(plan.name);
    const segment = ws.model.segments.get(plan.name);
    const range = segment?.$cstNode?.range;
    const found: LocatedDiagnostic[] = [];
    if (segment && range) {
        const document = AstUtils.getDocument(segment);
        for (const diagnostic of ws.diagnostics(document)) {
            if (diagnostic.severity === 1 && within(diagnostic, range)) found.push({ document, diagnostic });
        }
    }
    if (plan.kind === 'compound' && segment && ast.isCompoundSegment(segment)) {
        for (const part of plan.parts) {
            const inner = plans.get(part.segment);
            if (inner) found.push(...textErrors(ws, inner, plans, seen));
        }
    }
    return found;
}

function within(d: Diagnostic, range: { readonly start: { readonly line: number; readonly character: number }; readonly end: { readonly line: number; readonly character: number } }): boolean {
    const at = d.range.start;
    const afterStart = at.line > range.start.line || (at.line === range.start.line && at.character >= range.start.character);
    const beforeEnd = at.line < range.end.line || (at.line === range.end.line && at.character <= range.end.character);
    return afterStart && beforeEnd;
}
