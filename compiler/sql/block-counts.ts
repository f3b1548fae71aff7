import type { BlockPlan, SegmentPlan } from '../ir.js';
import { groupPredicate } from './group-sql.js';
import { measureJoins, measureNames, measuresReached, measureTableSql } from './measure-sql.js';
import { entitySource, keyColumn } from './relations.js';
import { sequencePredicate } from './sequence-sql.js';
import type { RenderContext, SqlContext } from './to-sql.js';

type DynamicPlan = Extract<SegmentPlan, { kind: 'dynamic' }>;

/**
 * How many distinct audience keys each block holds alone (a group, a group cut to its first
 * conditions, a sequence cut after a step: the preview's breakdown), all in one pass over the
 * audience table: one conditional count per block (`Dialect.countDistinctWhere`), each block
 * the same condition on the audience record as in the segment's own query. One row, a column
 * `c0`, `c1`... per block. The blocks belong to `plan` (its audience, its measures).
 */
export function blockCountsSql(plan: DynamicPlan, blocks: readonly BlockPlan[], ctx: SqlContext): string {
    if (blocks.length === 0) throw new Error('no blocks to count');
    const alone: DynamicPlan = { ...plan, groups: blocks.map(withoutOperator), steps: [] };
    const measures = ctx.measureNames ? [] : measuresReached(alone, ctx.plans);
    if (measures.length === 0) return countsBody(alone, ctx);
    const names = measureNames(measures, alone, ctx.plans);
    const inner: SqlContext = { ...ctx, measureNames: names };
    const queries = measures.map(m => `${ctx.dialect.quoteIdentifier(names.get(m)!)} AS (\n${measureTableSql(m, inner)}\n)`);
    return `WITH\n${queries.join(',\n')}\n${countsBody(alone, inner)}`;
}

function countsBody(plan: DynamicPlan, ctx: SqlContext): string {
    const d = ctx.dialect;
    const audience = plan.audience;
    const blocks = plan.groups;
    const alias = blocks[0].root.alias;
    // Every block's audience record is the one record of the pass, as in the segment's own query.
    const rctx: RenderContext = { ...ctx, rename: new Map(blocks.map(b => [b.root.alias, alias])) };
    const key = keyColumn(alias, audience.key, d, ctx);
    const counts = blocks.map((b, i) => `${d.countDistinctWhere(key, b.node === 'group' ? groupPredicate(b, audience, rctx) : sequencePredicate(b, audience, rctx))} AS c${i}`);
    const measures = measureJoins(alias, blocks.flatMap(b => b.root.measures), rctx, '\n');
    return `SELECT ${counts.join(',\n  ')}\nFROM ${entitySource(audience, alias, d, ctx)}${measures}\nWHERE ${key} IS NOT NULL`;
}

function withoutOperator(block: BlockPlan): BlockPlan {
    const { operator: _operator, ...rest } = block;
    return rest;
}
