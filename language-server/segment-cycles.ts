import { AstUtils } from 'langium';
import * as ast from '../grammar/generated/ast.js';

/**
 * Cycles of references between segments (reference, 3.3 and 6.5): a compound segment's parts,
 * the segments `in segment` names, and, through measures, the segments named in a measure's
 * `where`. A segment that refers to itself, directly or through others, is an error.
 */

/** What the cycle check needs of a model. */
export interface CycleModel {
    readonly segments: ReadonlyMap<string, ast.Segment>;
    readonly entities: ReadonlyMap<string, ast.Entity>;
    readonly measures: ReadonlyMap<string, ReadonlyMap<string, ast.Measure>>;
}

/** The names a segment or a measure refers to, read from its text (kept per node: a file parsed again has new nodes). */
interface Written {
    /** Segments: compound parts and `in segment` targets. */
    readonly segments: readonly string[];
    /** `Entity.Name` references, which may name measures. */
    readonly fields: readonly (readonly [string, string])[];
}

const written = new WeakMap<ast.Segment | ast.Measure, Written>();

function writtenIn(node: ast.Segment | ast.Measure): Written {
    let known = written.get(node);
    if (known) return known;
    const segments = new Set<string>();
    const fields = new Map<string, readonly [string, string]>();
    if (ast.isCompoundSegment(node)) for (const p of node.parts) if (p.segment?.$refText) segments.add(p.segment.$refText);
    for (const n of AstUtils.streamAst(node)) {
        if (ast.isSegmentCondition(n) && n.segment?.$refText) segments.add(n.segment.$refText);
        else if (ast.isAttributeRef(n) && n.entity?.$refText && n.attribute?.$refText) {
            fields.set(`${n.entity.$refText}.${n.attribute.$refText}`, [n.entity.$refText, n.attribute.$refText]);
        }
    }
    known = { segments: [...segments], fields: [...fields.values()] };
    written.set(node, known);
    return known;
}

/** Graph nodes: `s:Name` for a segment, `m:Entity.Name` for a measure. */
function edges(id: string, model: CycleModel): string[] {
    const isSegment = id.startsWith('s:');
    const node = isSegment ? model.segments.get(id.slice(2)) : measureOf(id.slice(2), model);
    if (!node) return [];
    const { segments, fields } = writtenIn(node);
    const out = segments.filter(n => model.segments.has(n)).map(n => `s:${n}`);
    // A measure using another measure is an error of its own: only segments lead to measures.
    if (isSegment) {
        for (const [entity, name] of fields) {
            const declared = model.entities.get(entity);
            if (declared?.attributes.some(a => a.name === name)) continue;
            if (model.measures.get(entity)?.has(name)) out.push(`m:${entity}.${name}`);
        }
    }
    return out;
}

function measureOf(key: string, model: CycleModel): ast.Measure | undefined {
    const dot = key.indexOf('.');
    return model.measures.get(key.slice(0, dot))?.get(key.slice(dot + 1));
}

/** Per model (a new one after each change): the segments on a cycle. */
const onCycles = new WeakMap<object, ReadonlySet<string>>();

/**
 * The cycle through segment `start`, as names from `start` back to it (measures written
 * `Entity.Name`), after one pass over the whole model that finds every segment on a cycle: the
 * checks of segments that reuse parts (`C2 = C1 union C1`, ...) take time linear in the number
 * of segments, instead of a search from each of them.
 */
export function cycleThrough(start: string, model: CycleModel): string[] | undefined {
    let cyclic = onCycles.get(model);
    if (!cyclic) onCycles.set(model, cyclic = segmentsOnCycles(model));
    return cyclic.has(start) ? findCycle(start, model) : undefined;
}

/** The segments on a cycle: Tarjan's strongly connected components, with a stack of its own (no recursion). */
export function segmentsOnCycles(model: CycleModel): Set<string> {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const found = new Set<string>();
    for (const name of model.segments.keys()) {
        const root = `s:${name}`;
        if (index.has(root)) continue;
        const work: { id: string; next: string[]; at: number }[] = [];
        const open = (id: string): void => {
            index.set(id, index.size);
            low.set(id, index.get(id)!);
            stack.push(id);
            onStack.add(id);
            work.push({ id, next: edges(id, model), at: 0 });
        };
        open(root);
        while (work.length > 0) {
            const top = work[work.length - 1];
            if (top.at < top.next.length) {
                const next = top.next[top.at++];
                if (!index.has(next)) open(next);
                else if (onStack.has(next)) low.set(top.id, Math.min(low.get(top.id)!, index.get(next)!));
                continue;
            }
            work.pop();
            const parent = work[work.length - 1];
            if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(top.id)!));
            if (low.get(top.id) !== index.get(top.id)) continue;
            const component: string[] = [];
            let member: string;
            do {
                member = stack.pop()!;
                onStack.delete(member);
                component.push(member);
            } while (member !== top.id);
            if (component.length > 1 || top.next.includes(top.id)) {
                for (const m of component) if (m.startsWith('s:')) found.add(m.slice(2));
            }
        }
    }
    return found;
}

/** The cycle through segment `start`, as names from `start` back to it. */
export function findCycle(start: string, model: CycleModel): string[] | undefined {
    const target = `s:${start}`;
    const path: string[] = [];
    const visiting = new Set<string>();
    const done = new Set<string>();
    const label = (id: string): string => id.slice(2);
    // Depth first with a stack of its own: chains of references can be long.
    const work: { id: string; next: string[]; at: number }[] = [];
    const enter = (id: string): void => {
        visiting.add(id);
        path.push(id);
        work.push({ id, next: edges(id, model), at: 0 });
    };
    enter(target);
    while (work.length > 0) {
        const top = work[work.length - 1];
        if (top.at < top.next.length) {
            const next = top.next[top.at++];
            if (next === target) return [...path, target].map(label);
            if (!visiting.has(next) && !done.has(next)) enter(next);
            continue;
        }
        work.pop();
        path.pop();
        visiting.delete(top.id);
        done.add(top.id);
    }
    return undefined;
}
