import type { Condition, GroupPlan, JoinNode } from '../ir.js';
import type { SchemaEntity } from '../schema.js';
import { joinedRecords, recordSource } from './measure-sql.js';
import { keyColumn } from './relations.js';
import { conditionSql, type RenderContext } from './to-sql.js';

/** The records a group joins below its audience record, in join order (the root left out). */
export function joinedNodes(root: JoinNode): JoinNode[] {
    return root.children.flatMap(c => [c, ...joinedNodes(c)]);
}

/**
 * For Explain Membership on a group that joins related records: one profile's joined rows (one
 * per combination of its related records, as the group's condition reads them), each with the
 * keys of its records (`k0`, `k1`... in `joinedNodes` order) and whether each of `items`
 * holds on it (`c0`, `c1`... 1 or 0, a missing value counting as not holding), the rows meeting
 * most conditions first, at most `limit`. `rowsSql` counts the profile's rows, up to `cap`.
 * `key` is the profile's key as an SQL literal of the dialect.
 */
export function groupRecordsSql(group: GroupPlan, items: readonly Condition[], audience: SchemaEntity, key: string, ctx: RenderContext, limit: number, cap: number): { readonly closestSql: string; readonly rowsSql: string } {
    const d = ctx.dialect;
    const root = group.root;
    const nodes = joinedNodes(root);
    const from = `${recordSource(root, ctx)}${joinedRecords(root, ctx)} WHERE ${keyColumn(root.alias, audience.key, d, ctx)} = ${key}`;
    const keys = nodes.map((n, i) => `${keyColumn(n.alias, n.entity.key, d, ctx)} AS k${i}`);
    const flags = items.map((c, i) => `CASE WHEN ${conditionSql(c, ctx, false)} THEN 1 ELSE 0 END AS c${i}`);
    const score = items.length ? items.map((_, i) => `r.c${i}`).join(' + ') : '0';
    const order = [`${score} DESC`, ...nodes.map((_, i) => `r.k${i}`)].join(', ');
    return {
        closestSql: `SELECT * FROM (SELECT ${[...keys, ...flags].join(', ')} FROM ${from}) AS r ORDER BY ${order} LIMIT ${limit}`,
        rowsSql: `SELECT count(*) FROM (SELECT 1 AS one FROM ${from} LIMIT ${cap}) AS r`
    };
}
