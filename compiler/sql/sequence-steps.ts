import type { SequenceStep } from '../ir.js';
import type { SchemaEntity } from '../schema.js';
import type { TimeOffset } from '../time.js';
import { offsetAmount } from './dialect.js';
import { groupPredicate } from './group-sql.js';
import { measureJoins } from './measure-sql.js';
import { entitySource, keyColumn, stepCondition, storageOf } from './relations.js';
import type { RenderContext } from './to-sql.js';

/**
 * What bounds a later step's records: the first step's stage (named `first`: every chain starts
 * there, so its records are later than its earliest time) and, when every step up to this one
 * has a window, the offsets that take the first stage's latest window end (`u`) to this step's.
 */
export interface After {
    readonly first: string;
    readonly upper?: readonly TimeOffset[];
}

/**
 * An offset as a whole number of seconds, when it is one (hours, days, weeks: not months or
 * years, whose length varies, nor fractions of a second).
 */
export function wholeSecondsOf(offset: TimeOffset): number | undefined {
    const amount = offsetAmount(offset);
    return 'milliseconds' in amount && amount.milliseconds % 1000 === 0 ? amount.milliseconds / 1000 : undefined;
}

/** How `stepRows` writes a step's records. */
export interface RowsOptions {
    /** Bounds on the times of a later step's records. */
    readonly after?: After;
    /** `t` in whole seconds since 1970 (`Dialect.wholeSeconds`; the caller checked every step's time has such a reading). */
    readonly seconds?: boolean;
    /**
     * The profile's key written so the planner does not read the table through an index on it
     * (`Dialect.groupByScan`): every record is read anyway, and SQLite otherwise may take the
     * foreign key's index to give the rows in profile order for a sort, a random row per record.
     */
    readonly scan?: boolean;
}

/** `wholeSecondsOf` where the caller checked the offset has whole seconds. */
export function secondsIn(offset: TimeOffset): number {
    const seconds = wholeSecondsOf(offset);
    if (seconds === undefined) throw new Error('a window in months or fractions of a second has no fixed number of seconds');
    return seconds;
}

/**
 * One step's records as `(p, t)` rows: the step's entity, the path back to the audience (the
 * audience's own record only when the path starts with a foreign key of the audience), the
 * step's `where` as a condition on its record (related records by semi-joins, as in a group).
 * Every record has a time: `entitySource` hides those of an event entity without one (6.1).
 * `after` bounds the times of a later step's records (records outside them end no chain), on the
 * stored text only (a necessary condition, to the day): the sorted pass that reads the rows is
 * exact anyway, and an exact bound would read each record's time twice more (`datetime()` is
 * not computed once per row), which cost more on the benchmark than the few records of the
 * bounds' days it drops (bench/RESULTS.md: AbandonedCart, EmailConverted). The
 * bounds come from the first stage only: a named query referred to by another that is itself
 * referred to more than once is resolved again for each reference (SQLite: "nested too deep").
 * `options`: see `RowsOptions`.
 */
export function stepRows(step: SequenceStep, audience: SchemaEntity, ctx: RenderContext, options: RowsOptions = {}): string {
    const { after, seconds = false, scan = false } = options;
    const d = ctx.dialect;
    const target = step.target;
    const chain = step.path.map(({ step: s, entity }, i) => ({ alias: i === step.path.length - 1 ? target.alias : `${target.alias}_p${i}`, entity, step: s }));
    let from: string;
    let profile: string;
    if (chain.length === 0) {
        from = entitySource(audience, target.alias, d, ctx);
        profile = keyColumn(target.alias, audience.key, d, ctx);
    } else {
        const first = chain[0];
        if (first.step.relationship.from !== first.step.from) {
            // The first record refers to the audience: its foreign key is the profile's key.
            from = entitySource(first.entity, first.alias, d, ctx);
            profile = keyColumn(first.alias, first.step.relationship.attribute, d, ctx);
        } else {
            const a = `${target.alias}_a`;
            from = `${entitySource(audience, a, d, ctx)} JOIN ${entitySource(first.entity, first.alias, d, ctx)} ON ${stepCondition(first.step, a, audience, first.alias, first.entity, d, ctx)}`;
            profile = keyColumn(a, audience.key, d, ctx);
        }
        for (let i = 1; i < chain.length; i++) {
            from += ` JOIN ${entitySource(chain[i].entity, chain[i].alias, d, ctx)} ON ${stepCondition(chain[i].step, chain[i - 1].alias, chain[i - 1].entity, chain[i].alias, chain[i].entity, d, ctx)}`;
        }
    }
    // The measures the step's `where` reads on its record, joined after it.
    from += measureJoins(target.alias, target.measures, ctx);
    const column = `${target.alias}.${d.quoteIdentifier(step.time.column)}`;
    const storage = storageOf(ctx, step.time);
    const time = (seconds ? d.wholeSeconds?.read(column, storage) : undefined) ?? d.columnAsDateTime(column, step.time.type, storage);
    const bounds: string[] = [];
    if (after) {
        // Each bound is computed once, inside its subquery over the first stage (around it, the
        // functions that turn it into stored text would run for every record: sql.js, 2026-12-02).
        const [min, max] = [`MIN(${after.first}.t)`, `MAX(${after.first}.u)`];
        const earliest = seconds && d.wholeSeconds ? d.wholeSeconds.asDateTime(min) : min;
        const latest = after.upper === undefined
            ? undefined
            : seconds && d.wholeSeconds
              ? d.wholeSeconds.asDateTime(after.upper.reduce((t, offset) => `${t} + ${secondsIn(offset)}`, max))
              : after.upper.reduce((t, offset) => d.shiftTime(t, 'datetime', offset), max);
        const from = d.storedTimeBound('from', earliest, storage);
        const through = latest === undefined ? undefined : d.storedTimeBound('through', latest, storage);
        if (from !== undefined) bounds.push(`${column} >= (SELECT ${from} FROM ${after.first})`);
        if (through !== undefined) bounds.push(`${column} < (SELECT ${through} FROM ${after.first})`);
    }
    if (scan) profile = d.groupByScan(`(${profile})`);
    const where = [
        `${profile} IS NOT NULL`,
        ...bounds,
        ...(step.where ? [groupPredicate({ node: 'group', root: target, condition: step.where }, target.entity, ctx)] : [])
    ];
    return `SELECT ${profile} AS p, ${time} AS t FROM ${from} WHERE ${where.join(' AND ')}`;
}
