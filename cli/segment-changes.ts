import { CstUtils } from 'langium';
import type * as ast from '../grammar/generated/ast.js';
import type { SegmentPlan } from '../compiler/ir.js';
import { measureFingerprint, planFingerprint, type PlanFingerprint } from '../compiler/plan-fingerprint.js';
import { segmentReferences } from '../compiler/plan-walk.js';
import { codeOf, formatDiagnostic } from './diagnostics.js';
import { blockingErrors, type CliWorkspace } from './workspace.js';

/** A segment on one side of a diff. */
export type SegmentSide =
    | { readonly state: 'absent' }
    /** `error`: the first line of its diagnostics; `message`: that diagnostic without its place, for comparing. */
    | { readonly state: 'error'; readonly segment: ast.Segment; readonly error: string; readonly message: string }
    | { readonly state: 'ok'; readonly segment: ast.Segment; readonly plan: SegmentPlan; readonly fingerprint: PlanFingerprint };

/**
 * `changed`: its own definition differs (or it has errors on one side only); `depends`: it is the
 * same, but a segment it refers to or a measure it reads changed.
 */
export type ChangeKind = 'added' | 'removed' | 'changed' | 'depends';

export interface SegmentChange {
    readonly name: string;
    readonly change: ChangeKind;
    /** The changed segments it reaches (compound parts, `in segment`, also through measures) and the changed measures it reads (`measure Customer.X`). */
    readonly because: readonly string[];
    readonly before: SegmentSide;
    readonly after: SegmentSide;
}

/**
 * The segments named in `scope` whose members may differ between `before` and `after`: added,
 * removed, changed (their plans' fingerprints differ, `compiler/plan-fingerprint.ts`; for a
 * segment with errors on both sides, its tokens or first error differ; a static segment whose
 * members file differs, `membersChanged`), or depending on a changed segment or measure. In
 * `scope` order.
 */
export function segmentChanges(before: CliWorkspace, after: CliWorkspace, scope: readonly string[], membersChanged: ReadonlySet<string> = new Set()): SegmentChange[] {
    const sides = new Map<string, { before: SegmentSide; after: SegmentSide }>();
    const sideOf = (name: string): { before: SegmentSide; after: SegmentSide } => {
        let known = sides.get(name);
        if (!known) {
            known = { before: side(before, name), after: side(after, name) };
            sides.set(name, known);
        }
        return known;
    };
    const own = new Map<string, ChangeKind | undefined>();
    const ownChange = (name: string): ChangeKind | undefined => {
        if (own.has(name)) return own.get(name);
        const { before: b, after: a } = sideOf(name);
        const kind = compare(b, a) ?? (membersChanged.has(name) ? 'changed' : undefined);
        own.set(name, kind);
        return kind;
    };
    const changedMeasures = (name: string): string[] => {
        const { before: b, after: a } = sideOf(name);
        if (b.state !== 'ok' || a.state !== 'ok') return [];
        const found: string[] = [];
        for (const [measure, plan] of a.fingerprint.measures) {
            const old = b.fingerprint.measures.get(measure);
            if (old && measureFingerprint(old) !== measureFingerprint(plan)) found.push(`measure ${measure}`);
        }
        return found.sort();
    };
    const references = (name: string): string[] => {
        const { before: b, after: a } = sideOf(name);
        const names = new Set<string>();
        for (const s of [b, a]) if (s.state === 'ok') for (const r of segmentReferences(s.plan)) names.add(r);
        return [...names];
    };
    const result: SegmentChange[] = [];
    for (const name of scope) {
        const kind = ownChange(name);
        // The segments it reaches, each once (references may form a cycle on one side).
        const reached = new Set<string>([name]);
        const stack = references(name);
        const because = new Set<string>(changedMeasures(name));
        while (stack.length > 0) {
            const next = stack.pop()!;
            if (reached.has(next)) continue;
            reached.add(next);
            if (ownChange(next) !== undefined || changedMeasures(next).length > 0) because.add(next);
            stack.push(...references(next));
        }
        const { before: b, after: a } = sideOf(name);
        // Errors on one side only, with its own text the same: they come from what it depends on when that changed.
        const same = kind === 'changed' && b.state !== 'absent' && a.state !== 'absent' && b.state !== a.state && tokens(b.segment) === tokens(a.segment);
        const change = same && because.size > 0 ? 'depends' : kind ?? (because.size > 0 ? 'depends' : undefined);
        if (change === undefined) continue;
        result.push({ name, change, because: [...because].sort(), before: b, after: a });
    }
    return result;
}

function compare(before: SegmentSide, after: SegmentSide): ChangeKind | undefined {
    if (before.state === 'absent') return after.state === 'absent' ? undefined : 'added';
    if (after.state === 'absent') return 'removed';
    if (before.state === 'ok' && after.state === 'ok') return before.fingerprint.text === after.fingerprint.text ? undefined : 'changed';
    if (before.state === 'error' && after.state === 'error') {
        return tokens(before.segment) === tokens(after.segment) && before.message === after.message ? undefined : 'changed';
    }
    return 'changed';
}

function side(cw: CliWorkspace, name: string): SegmentSide {
    const segment = cw.ws.model.segments.get(name);
    if (!segment) return { state: 'absent' };
    const plan = cw.runnable.get(name);
    if (plan) return { state: 'ok', segment, plan, fingerprint: planFingerprint(plan) };
    const [first] = blockingErrors(cw, segment);
    if (!first) return { state: 'error', segment, error: 'it refers to a segment with errors, or to itself', message: '' };
    const raw = first.diagnostic.message;
    const message = `${typeof raw === 'string' ? raw : raw.value} [${codeOf(first.diagnostic)}]`;
    return { state: 'error', segment, error: formatDiagnostic(first), message };
}

/** A segment's text without layout and comments: its tokens, one space apart. */
function tokens(segment: ast.Segment): string {
    const root = segment.$cstNode;
    if (!root) return '';
    const words: string[] = [];
    for (const node of CstUtils.flattenCst(root)) if (!node.hidden) words.push(node.text);
    return words.join(' ');
}
