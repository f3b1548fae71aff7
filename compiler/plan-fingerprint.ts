import type { MeasurePlan, SegmentPlan } from './ir.js';

/**
 * What a plan says about which records are members, as canonical text: two plans with the same
 * fingerprint have the same members on the same data at the same instant. `segments diff` compares
 * them, so an edit of layout, comments or wording is no change.
 *
 * Left out, as they choose no member: names (of the segment, its groups and sequences, entities,
 * attributes and measures: tables and columns stay), `title`, `description`, `show`, `activate`,
 * `active`/`inactive`, an entity's attributes that the plan does not read. Kept: everything else
 * (audience, tables, columns, types, conditions, literals, paths, steps, a sample's seed, members).
 * Segments a plan refers to (`in segment`, compound parts) are kept by name: compare them apart.
 */
export interface PlanFingerprint {
    readonly text: string;
    /** The declared measures the plan reads, each written by name in `text`: compare them with `measureFingerprint`. */
    readonly measures: ReadonlyMap<string, MeasurePlan>;
}

const LEFT_OUT = new Set(['name', 'title', 'description', 'show', 'destinations', 'active', 'attributes', 'label']);

export function planFingerprint(plan: SegmentPlan): PlanFingerprint {
    const measures = new Map<string, MeasurePlan>();
    return { text: canonical(plan, measures), measures };
}

/** A declared measure's definition as canonical text (the measures it reads written out in full). */
export function measureFingerprint(measure: MeasurePlan): string {
    return canonical(measure, undefined);
}

function isMeasure(value: object): value is MeasurePlan {
    return 'aggregate' in value && 'entity' in value && !('node' in value);
}

/** Canonical JSON: keys sorted, `undefined` left out, bigints tagged; named measures by name when `measures` collects them. */
function canonical(root: unknown, measures: Map<string, MeasurePlan> | undefined): string {
    const open = new Set<object>();
    const write = (value: unknown): string => {
        if (value === undefined || value === null) return 'null';
        switch (typeof value) {
            case 'bigint': return `{"bigint":"${value.toString()}"}`;
            case 'number':
            case 'string':
            case 'boolean': return JSON.stringify(value);
            case 'object': break;
            default: throw new Error(`a plan holds a ${typeof value}`);
        }
        if (open.has(value)) throw new Error('a plan refers to itself');
        if (measures && value !== root && isMeasure(value) && value.name !== undefined) {
            measures.set(value.name, value);
            return `{"measure":${JSON.stringify(value.name)}}`;
        }
        open.add(value);
        let text: string;
        if (Array.isArray(value)) text = `[${value.map(write).join(',')}]`;
        else if (value instanceof Map) text = `[${[...value.entries()].map(e => write(e)).sort().join(',')}]`;
        else {
            const entries = Object.entries(value)
                .filter(([k, v]) => v !== undefined && !LEFT_OUT.has(k))
                .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
            text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`).join(',')}}`;
        }
        open.delete(value);
        return text;
    };
    return write(root);
}
