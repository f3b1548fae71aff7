import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { AstUtils } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import type { SegmentPlan } from '../compiler/ir.js';
import { planWorkspace, type WorkspacePlans } from '../compiler/plan-workspace.js';
import { blockedSegments, withoutBlocked, type BlockedSegment } from '../language-server/schema-faults.js';
import { findWorkspaceRoot, loadWorkspace, type LoadedWorkspace } from '../language-server/node-workspace.js';
import { allDiagnostics, isError, type FileDiagnostic } from './diagnostics.js';
import { UsageError } from './errors.js';

export interface CliWorkspace {
    readonly ws: LoadedWorkspace;
    readonly plans: WorkspacePlans;
    /**
     * The plans that may run: those of `plans` whose segment reads no table or column missing from
     * the database and has no error from a data-aware check (a members file that cannot be used).
     */
    readonly runnable: ReadonlyMap<string, SegmentPlan>;
    /** Segments with a plan that must not run, with the diagnostics that say why. */
    readonly blocked: ReadonlyMap<string, BlockedSegment>;
    /** Segments declared in the given path (a file, or every file under a folder), in file order. */
    readonly declared: readonly ast.Segment[];
}

/** Loads the whole workspace folder of `path`, so that references to other files resolve. */
export async function openWorkspace(path: string): Promise<CliWorkspace> {
    const target = resolve(path);
    if (!existsSync(target)) throw new UsageError(`${path}: no such file or folder`);
    const info = statSync(target);
    if (!info.isDirectory() && !info.isFile()) throw new UsageError(`${path}: not a .segment file or a folder (it is a device, FIFO or socket)`);
    const ws = await loadWorkspace(findWorkspaceRoot(target));
    return cliWorkspace(ws, target);
}

/** Plans a loaded workspace: `declared` lists the segments of the files at or under `target`. */
export async function cliWorkspace(ws: LoadedWorkspace, target: string): Promise<CliWorkspace> {
    const inTarget = (file: string): boolean => file === target || file.startsWith(target.endsWith(sep) ? target : target + sep);
    const declared = ws.documents
        .filter(d => inTarget(d.uri.fsPath))
        .flatMap(d => (ast.isModel(d.parseResult.value) ? d.parseResult.value.segments : []))
        .filter(s => Boolean(s.name));
    const plans = planWorkspace(ws.model);
    const blocked = await blockedSegments(ws, plans.plans);
    return { ws, plans, runnable: withoutBlocked(plans.plans, blocked), blocked, declared };
}

/**
 * The error diagnostics that keep `segment` from running: for a segment blocked by the data, the
 * diagnostics of what it reads; else its own errors, its parts', and the schema's.
 */
export function blockingErrors(cw: CliWorkspace, segment: ast.Segment): FileDiagnostic[] {
    const blocked = cw.blocked.get(segment.name);
    if (blocked) {
        const seen = new Set<string>();
        return blocked.diagnostics
            .map(d => ({ file: d.document.uri.fsPath, document: d.document, diagnostic: d.diagnostic }))
            .filter(d => {
                const key = `${d.file}:${d.diagnostic.range.start.line}:${d.diagnostic.range.start.character}:${d.diagnostic.message}`;
                return !seen.has(key) && Boolean(seen.add(key));
            });
    }
    const errors = allDiagnostics(cw.ws).filter(d => isError(d.diagnostic));
    const segments = new Set<ast.Segment>();
    // Its own errors, and those of the segments it names (compound parts, `in segment`).
    const visit = (s: ast.Segment): void => {
        if (segments.has(s)) return;
        segments.add(s);
        if (ast.isCompoundSegment(s)) for (const p of s.parts) if (p.segment?.ref) visit(p.segment.ref);
        for (const n of AstUtils.streamAst(s)) if (ast.isSegmentCondition(n) && n.segment?.ref) visit(n.segment.ref);
    };
    visit(segment);
    const inside = (d: FileDiagnostic, s: ast.Segment): boolean => {
        const range = s.$cstNode?.range;
        if (!range || d.document.parseResult.value !== s.$container) return false;
        const line = d.diagnostic.range.start.line;
        return line >= range.start.line && line <= range.end.line;
    };
    const own = errors.filter(d => [...segments].some(s => inside(d, s)));
    const outside = errors.filter(d => !cw.ws.model.segments.size || ![...cw.ws.model.segments.values()].some(s => inside(d, s)));
    return [...own, ...outside];
}
