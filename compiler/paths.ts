import type { Relationship, Schema } from './schema.js';

/** One step of a relationship path: from entity `from` to entity `to` over `relationship`. */
export interface PathStep {
    readonly from: string;
    readonly to: string;
    readonly relationship: Relationship;
}

export type PathResult =
    | { readonly kind: 'found'; readonly steps: readonly PathStep[] }
    | { readonly kind: 'none' }
    | { readonly kind: 'ambiguous'; readonly paths: readonly (readonly PathStep[])[] }
    /** The `via` relationships are alternatives: no shortest path uses them all. */
    | { readonly kind: 'conflicting-via'; readonly paths: readonly (readonly PathStep[])[]; readonly via: readonly string[] };

const MAX_PATHS = 16;

/**
 * The shortest relationship path from `source` to `target`, walking foreign keys both ways.
 * When several shortest paths exist, those that use every `via` relationship found on any of
 * them are kept; more than one left is ambiguous.
 */
export function findPath(schema: Schema, source: string, target: string, via: ReadonlySet<string> = new Set()): PathResult {
    if (source === target) return { kind: 'found', steps: [] };
    const distance = distancesFrom(schema, source);
    if (!distance.has(target)) return { kind: 'none' };
    let paths = shortestPaths(schema, distance, source, target);
    const wanted = [...via].filter(id => paths.some(p => p.some(s => s.relationship.id === id)));
    if (wanted.length > 0) {
        const kept = paths.filter(p => wanted.every(id => p.some(s => s.relationship.id === id)));
        if (kept.length === 0) return { kind: 'conflicting-via', paths, via: wanted };
        paths = kept;
    }
    if (paths.length === 1) return { kind: 'found', steps: paths[0] };
    return { kind: 'ambiguous', paths };
}

function neighbours(schema: Schema, entity: string): PathStep[] {
    const steps: PathStep[] = [];
    for (const r of schema.relationships) {
        if (r.from === r.to) continue;
        if (r.from === entity) steps.push({ from: entity, to: r.to, relationship: r });
        else if (r.to === entity) steps.push({ from: entity, to: r.from, relationship: r });
    }
    return steps;
}

function distancesFrom(schema: Schema, source: string): Map<string, number> {
    const distance = new Map<string, number>([[source, 0]]);
    const queue = [source];
    while (queue.length > 0) {
        const current = queue.shift()!;
        for (const step of neighbours(schema, current)) {
            if (!distance.has(step.to)) {
                distance.set(step.to, distance.get(current)! + 1);
                queue.push(step.to);
            }
        }
    }
    return distance;
}

function shortestPaths(schema: Schema, distance: Map<string, number>, source: string, target: string): PathStep[][] {
    const result: PathStep[][] = [];
    const walk = (entity: string, suffix: PathStep[]): void => {
        if (result.length >= MAX_PATHS) return;
        if (entity === source) {
            result.push(suffix);
            return;
        }
        const d = distance.get(entity)!;
        for (const back of neighbours(schema, entity)) {
            if (distance.get(back.to) === d - 1) {
                walk(back.to, [{ from: back.to, to: entity, relationship: back.relationship }, ...suffix]);
            }
        }
    };
    walk(target, []);
    return result;
}

/** `Customer -> Purchase.CustomerId -> Purchase`, for messages. */
export function describePath(source: string, steps: readonly PathStep[]): string {
    return [source, ...steps.map(s => `${s.to} (by ${s.relationship.id})`)].join(' → ');
}
