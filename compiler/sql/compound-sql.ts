import type { SegmentPlan } from '../ir.js';
import { planTables } from '../plan-walk.js';
import type { Dialect } from './dialect.js';

type CompoundPlan = Extract<SegmentPlan, { kind: 'compound' }>;

/**
 * The query of a compound segment. Its parts' queries are written in place when every segment
 * it refers to (through compound parts of compound parts) appears once in the expansion. When a
 * segment is reached more than once (`C2 = C1 union C1`, `C3 = C2 union C2`, ...), writing
 * parts in place repeats them, and the text doubles with each level (2^30 copies at 30 levels):
 * then every segment it refers to is written once, as a named query of a `WITH` clause, and
 * the parts refer to it by name. Either way the text is linear in the number of segments.
 *
 * `write` gives the query of a segment that is not compound (or starts from its own sample's
 * keys), its steps included; `stepped` applies a compound segment's steps to the query of its
 * parts combined. `leading` are named queries the statement starts with (its measures'),
 * before those of the segments. The result is `top`'s members after its steps.
 */
export function compoundSql(
    top: CompoundPlan, plans: ReadonlyMap<string, SegmentPlan> | undefined, dialect: Dialect,
    write: (plan: SegmentPlan) => string, stepped: (plan: CompoundPlan, base: string) => string, leading: readonly string[] = []
): string {
    const planOf = (name: string): SegmentPlan => {
        const part = plans?.get(name);
        if (!part) throw new Error(`no plan for segment ${name}`);
        return part;
    };
    // The segments `top` refers to, each after the segments it refers to; cycles are an error.
    const order: SegmentPlan[] = [];
    const state = new Map<string, 'open' | 'done'>();
    /** How many times each segment would be written in place (capped: only "more than once" matters). */
    const copies = new Map<string, number>();
    const visit = (plan: SegmentPlan): number => {
        const known = state.get(plan.name);
        if (known === 'open') throw new Error(`segment cycle through ${plan.name}`);
        if (known === 'done') return copies.get(plan.name)!;
        state.set(plan.name, 'open');
        let count = 1;
        if (combined(plan)) for (const p of plan.parts) count = Math.min(Number.MAX_SAFE_INTEGER, count + visit(planOf(p.segment)));
        state.set(plan.name, 'done');
        copies.set(plan.name, count);
        order.push(plan);
        return count;
    };
    const total = visit(top);
    const combine = (plan: CompoundPlan, sqlOf: (name: string) => string): string => {
        let sql = sqlOf(plan.parts[0].segment);
        plan.parts.slice(1).forEach((p, i) => {
            sql = dialect.setOperation(sql, p.operator ?? 'union', sqlOf(p.segment), `${plan.name.toLowerCase()}_${i + 1}`);
        });
        return plan.steps.length > 0 ? stepped(plan, sql) : sql;
    };
    if (total === order.length) {
        // Each segment once: the parts in place, as they read.
        const inPlace = (name: string): string => {
            const plan = planOf(name);
            return combined(plan) ? combine(plan, inPlace) : write(plan);
        };
        const sql = combine(top, inPlace);
        return leading.length > 0 ? `WITH\n${leading.join(',\n')}\n${sql}` : sql;
    }
    const names = queryNames(order.filter(p => p !== top), order);
    const named = (name: string): string => `SELECT key FROM ${dialect.quoteIdentifier(names.get(name)!)}`;
    const queries = order.filter(p => p !== top).map(plan =>
        `${dialect.quoteIdentifier(names.get(plan.name)!)} AS (\n${combined(plan) ? combine(plan, named) : write(plan)}\n)`);
    return `WITH\n${[...leading, ...queries].join(',\n')}\n${combine(top, named)}`;
}

/** A compound segment whose query combines its parts' (one whose last sample kept its members reads them as a list). */
function combined(plan: SegmentPlan): plan is CompoundPlan {
    return plan.kind === 'compound' && !plan.steps.some(s => s.node === 'sample');
}

/** A name for each segment's query that no table the queries read has (a named query hides a table of its name). */
function queryNames(plans: readonly SegmentPlan[], all: readonly SegmentPlan[]): Map<string, string> {
    const tables = new Set<string>();
    for (const plan of all) planTables(plan, tables);
    let prefix = 'segment_';
    const clashes = (candidate: string): boolean => plans.some((_, i) => tables.has(`${candidate}${i + 1}`));
    while (clashes(prefix)) prefix = `_${prefix}`;
    return new Map(plans.map((plan, i) => [plan.name, `${prefix}${i + 1}`]));
}
