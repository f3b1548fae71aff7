import type { Condition, GroupPlan, JoinNode, SegmentPlan } from '../compiler/ir.js';
import type { KeyValue } from '../compiler/keys.js';
import { keyLiteral } from '../compiler/sql/dialect.js';
import { groupRecordsSql, joinedNodes } from '../compiler/sql/group-records.js';
import type { SqlEngine, SqlValue } from '../engine/engine.js';
import type { SegmentRunner } from '../engine/runner.js';
import type { ExplainedRecords, Key } from './types.js';

/** Rows shown as closest to passing. */
const CLOSEST = 3;
/** A profile's joined rows are counted up to this many. */
const CAP = 10_000;

/**
 * For a group that joins related records (a condition on `Interaction` under a `Customer`
 * audience), the profile's joined rows closest to passing: a group holds when one row meets
 * every condition, so each condition holding on some row is not enough. Undefined for a group
 * on the audience's record alone, and for one reading measures on its records (their values
 * come from the statement's `WITH` queries, which this query does not carry).
 */
export async function explainRecords(plan: SegmentPlan, group: GroupPlan, items: readonly Condition[], key: KeyValue, runner: SegmentRunner, engine: SqlEngine): Promise<ExplainedRecords | undefined> {
    if (group.root.children.length === 0 || readsMeasures(group.root)) return undefined;
    const ctx = await runner.sqlContext(plan);
    const { closestSql, rowsSql } = groupRecordsSql(group, items, plan.audience, keyLiteral(engine.dialect, key), ctx, CLOSEST, CAP);
    const [[rows]] = await engine.query(rowsSql);
    const closest = (await engine.query(closestSql)).map(row => {
        const nodes = joinedNodes(group.root).length;
        return {
            keys: row.slice(0, nodes).map(shownKey),
            failing: items.flatMap((_, i) => Number(row[nodes + i]) === 1 ? [] : [i])
        };
    });
    return { entities: joinedNodes(group.root).map(n => n.entity.name), rows: Number(rows), cap: CAP, closest };
}

function readsMeasures(node: JoinNode): boolean {
    return node.measures.length > 0 || node.children.some(readsMeasures);
}

/** A key as plain JSON: a 64-bit integer beyond 2^53 as its digits. */
function shownKey(v: SqlValue): Key {
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (typeof v === 'number' || typeof v === 'string') return v;
    return String(v);
}
