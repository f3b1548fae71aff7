import type { SequenceStep } from '../ir.js';
import type { SchemaEntity } from '../schema.js';
import { groupPredicate } from './group-sql.js';
import { recordSource } from './measure-sql.js';
import { entitySource, keyColumn, stepCondition, storageOf } from './relations.js';
import type { RenderContext } from './to-sql.js';

/** The stage a step's records follow: its name, and whether the step has a window (the stage then has `u`). */
export interface After {
    readonly stage: string;
    readonly window: boolean;
}

/**
 * One step's records as `(p, t)` rows: the step's entity, the path back to the audience (the
 * audience's own record only when the path starts with a foreign key of the audience), the
 * step's `where` as a condition on its record (related records by semi-joins, as in a group).
 * Every record has a time: `entitySource` hides those of an event entity without one (6.1).
 * `after` bounds the times by the stage before: later than its earliest chain end and, with a
 * window, at most its latest window's end (records outside them end no chain), tested first on
 * the stored text where the dialect can, so most records are never read as times.
 */
export function stepRows(step: SequenceStep, audience: SchemaEntity, ctx: RenderContext, after?: After): string {
    const d = ctx.dialect;
    const target = step.target;
    const chain = step.path.map(({ step: s, entity }, i) => ({ alias: i === step.path.length - 1 ? target.alias : `${target.alias}_p${i}`, entity, step: s }));
    let from: string;
    let profile: string;
    // The step's own record with the measures its `where` reads on it.
    const record = (alias: string, entity: SchemaEntity): string => (alias === target.alias ? recordSource(target, ctx) : entitySource(entity, alias, d, ctx));
    if (chain.length === 0) {
        from = record(target.alias, audience);
        profile = keyColumn(target.alias, audience.key, d, ctx);
    } else {
        const first = chain[0];
        if (first.step.relationship.from !== first.step.from) {
            // The first record refers to the audience: its foreign key is the profile's key.
            from = record(first.alias, first.entity);
            profile = keyColumn(first.alias, first.step.relationship.attribute, d, ctx);
        } else {
            const a = `${target.alias}_a`;
            from = `${entitySource(audience, a, d, ctx)} JOIN ${record(first.alias, first.entity)} ON ${stepCondition(first.step, a, audience, first.alias, first.entity, d, ctx)}`;
            profile = keyColumn(a, audience.key, d, ctx);
        }
        for (let i = 1; i < chain.length; i++) {
            from += ` JOIN ${record(chain[i].alias, chain[i].entity)} ON ${stepCondition(chain[i].step, chain[i - 1].alias, chain[i - 1].entity, chain[i].alias, chain[i].entity, d, ctx)}`;
        }
    }
    const column = `${target.alias}.${d.quoteIdentifier(step.time.column)}`;
    const storage = storageOf(ctx, step.time);
    const time = d.columnAsDateTime(column, step.time.type, storage);
    const bounds: string[] = [];
    if (after) {
        const earliest = `(SELECT MIN(${after.stage}.t) FROM ${after.stage})`;
        const latest = `(SELECT MAX(${after.stage}.u) FROM ${after.stage})`;
        const text = [d.storedTimeBound(column, 'from', earliest, storage), ...(after.window ? [d.storedTimeBound(column, 'through', latest, storage)] : [])];
        bounds.push(...text.filter((b): b is string => b !== undefined), `${time} > ${earliest}`, ...(after.window ? [`${time} <= ${latest}`] : []));
    }
    const where = [
        `${profile} IS NOT NULL`,
        ...bounds,
        ...(step.where ? [groupPredicate({ node: 'group', root: target, condition: step.where }, target.entity, ctx)] : [])
    ];
    return `SELECT ${profile} AS p, ${time} AS t FROM ${from} WHERE ${where.join(' AND ')}`;
}
