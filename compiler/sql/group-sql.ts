import type { Condition, GroupPlan, JoinNode } from '../ir.js';
import type { SchemaAttribute, SchemaEntity } from '../schema.js';
import { existsAmong, inSubquery, type SubqueryParts } from './dialect.js';
import { balancedJoin, boundedConjuncts } from './balanced.js';
import { leafOperands } from '../plan-walk.js';
import { joinedRecords, recordSource } from './measure-sql.js';
import { aliasOf, keyColumn, stepLink, treeAliases } from './relations.js';
import { chooseExists } from './semi-join-shape.js';
import { conditionSql, type RenderContext } from './to-sql.js';

/**
 * A group as a condition on the segment's audience record. The group's condition is split at
 * its top-level `and`s: parts naming only the audience record filter it directly, and each
 * related subtree becomes an `IN` semi-join that starts from the filtered related records
 * (`customer_id IN (SELECT customer_id FROM purchases WHERE product_id IN (SELECT ...))`).
 * When nothing but its own subtrees filters a related record (`probe`), its links to them are
 * written as the dialect's scan term (SQLite: `+product_id IN (...)`): the table is read once in
 * its order, where the index on `product_id` would read a random row for each selected record.
 * At medium on native SQLite (CPU, in turns): SecurityLowSatisfaction 1,594 -> 431 ms,
 * BoughtABestSeller's semi-join alike, and a category no one bought 0 -> 138 ms (one scan, the
 * price of the bound). Where the dialect can probe (`Dialect.rowProbes`, SQLite) and the figures
 * measured on the copy say so (semi-join-shape.ts: an index leading with the link, few audience
 * records tested, related records that pass common enough that each probe stops early), the
 * positive test is a correlated `EXISTS` through the index instead: SecurityLowSatisfaction
 * 431 -> 250 ms; with no figures (a context without storage facts), the scan.
 * A condition that ties two subtrees together (or one to the audience record) keeps the join
 * of the whole group, under an `IN`.
 */
export function groupPredicate(group: GroupPlan, audience: SchemaEntity, ctx: RenderContext): string {
    const parts = groupParts(group, audience, ctx);
    const sql = parts.map(p => (typeof p === 'string' ? p : p.inline ?? inSubquery(p.outer, p.subquery)));
    return sql.length === 0 ? '1 = 1' : sql.length === 1 ? sql[0] : balancedJoin(sql, '\n  AND ');
}

/**
 * "Not in the group", two-valued (an excluded group): each semi-join becomes the dialect's
 * anti-join, each other part its two-valued negation, joined by OR.
 */
export function groupExclusion(group: GroupPlan, audience: SchemaEntity, ctx: RenderContext): string {
    const d = ctx.dialect;
    const parts = groupParts(group, audience, ctx, true);
    const sql = parts.map(p => (typeof p === 'string' ? `NOT (${p})` : d.notAmong(p.outer, p.subquery)));
    return sql.length === 0 ? '1 = 0' : sql.length === 1 ? sql[0] : balancedJoin(sql, '\n  OR ');
}

/** One membership test: `outer` among the values of a subquery. */
interface SemiJoin {
    readonly outer: string;
    readonly subquery: SubqueryParts;
    /** The positive test as written when it differs from `outer IN (subquery)`. */
    readonly inline?: string;
    /** The subquery joins the related record's own related records (a condition spans them). */
    readonly joined?: boolean;
}

/**
 * The group's condition as conjuncts on the audience record: plain conditions (two-valued when
 * `strict`) and semi-joins.
 */
function groupParts(group: GroupPlan, audience: SchemaEntity, ctx: RenderContext, strict = false): (string | SemiJoin)[] {
    const split = splitConjuncts(group.root, conjuncts(group.condition));
    if (!split) {
        const inner = joinedGroupSql(group, audience, { ...ctx, rename: undefined });
        // Wrapped in a derived table for the anti-join, whose correlation must not see the
        // subquery's own record named like the outer one.
        const alias = `${group.root.alias}_g`;
        const outer = keyColumn(aliasOf(ctx, group.root.alias), audience.key, ctx.dialect, ctx);
        return [{ outer, subquery: { column: `${alias}.key`, from: `(${inner}) AS ${alias}`, where: [] }, inline: `${outer} IN (${inner})` }];
    }
    const plain = split.own.filter(c => !readsOtherRecords(c)).map(c => conditionSql(c, ctx, strict));
    const aggregates = split.own.filter(readsOtherRecords).map(c => conditionSql(c, ctx, strict));
    const semi = group.root.children.map((child, i) => {
        const s = semiJoin(group.root, child, split.perChild[i], ctx);
        // A positive test may be a correlated EXISTS where the figures say it reads less
        // (semi-join-shape.ts); not where the related conditions compute aggregates, measures
        // or segments, which the sample of rows would compute too.
        const link = linkAttribute(child);
        const plainLink = s.subquery.column === `${child.alias}.${ctx.dialect.quoteIdentifier(link.column)}`;
        const exists = !strict && !s.joined && plainLink && !split.perChild[i].some(readsOtherRecords) && chooseExists({
            audience, audienceAlias: aliasOf(ctx, group.root.alias), audienceConditions: plain,
            related: child, linkColumn: link, relatedConditions: s.subquery.where
        }, ctx.dialect, ctx);
        return exists ? { ...s, inline: existsAmong(s.outer, s.subquery) } : s;
    });
    return [...plain, ...semi, ...aggregates];
}

/** The column of a related record its link to the record before it reads: its key, or its foreign key. */
function linkAttribute(node: JoinNode): SchemaAttribute {
    const step = node.step!;
    return step.relationship.from === step.from ? node.entity.key : step.relationship.attribute;
}

/** The whole group joined, one row per (profile, combination): the form for conditions that span subtrees. */
export function joinedGroupSql(group: GroupPlan, audience: SchemaEntity, ctx: RenderContext): string {
    const root = group.root;
    const key = keyColumn(root.alias, audience.key, ctx.dialect, ctx);
    const where = [`${key} IS NOT NULL`, conditionSql(group.condition, ctx, false)];
    return `SELECT ${root.children.length > 0 ? 'DISTINCT ' : ''}${key} AS key FROM ${recordSource(root, ctx)}${joinedRecords(root, ctx)} WHERE ${where.join(' AND ')}`;
}

/**
 * `parent.link IN (SELECT node.link FROM node WHERE ...)`, recursively for the node's own
 * subtrees (the outermost one left to the caller, which may negate it).
 */
function semiJoin(parent: JoinNode, node: JoinNode, items: readonly Condition[], ctx: RenderContext): SemiJoin {
    const d = ctx.dialect;
    const link = stepLink(node.step!, aliasOf(ctx, parent.alias), parent.entity, node.alias, node.entity, d, ctx);
    const split = splitConjuncts(node, items);
    let from = recordSource(node, ctx);
    let where: string[];
    let probe = false;
    if (split) {
        probe = split.own.length === 0;
        where = [
            ...split.own.map(c => conditionSql(c, ctx, false)),
            ...node.children.map((child, i) => {
                const inner = semiJoin(node, child, split.perChild[i], ctx);
                // Nothing else filters this record: its link is read as it is stored, in table order.
                return inSubquery(probe ? d.groupByScan(inner.outer) : inner.outer, inner.subquery);
            })
        ];
    } else {
        from += joinedRecords(node, ctx);
        where = items.map(c => conditionSql(c, ctx, false));
    }
    return { outer: link.from, subquery: { column: link.to, from, where: boundedConjuncts(where), probe }, joined: !split };
}

/** The conditions that name only `node`, and those of each child's subtree; undefined when one spans two. */
function splitConjuncts(node: JoinNode, items: readonly Condition[]): { own: Condition[]; perChild: Condition[][] } | undefined {
    const subtree = new Map<string, number>();
    node.children.forEach((child, i) => treeAliases(child).forEach(a => subtree.set(a, i)));
    const own: Condition[] = [];
    const perChild: Condition[][] = node.children.map(() => []);
    for (const c of items) {
        const touched = new Set([...aliasesIn(c)].map(a => subtree.get(a) ?? -1));
        if (touched.size > 1) return undefined;
        const [only] = touched;
        if (only === undefined || only === -1) own.push(c);
        else perChild[only].push(c);
    }
    return { own, perChild };
}

function conjuncts(c: Condition): Condition[] {
    return c.node === 'and' ? c.items.flatMap(conjuncts) : [c];
}

/** The records a condition reads: columns', measures' and memberships' records, and the outer record of aggregates. */
function aliasesIn(c: Condition): Set<string> {
    const out = new Set<string>();
    const visit = (x: Condition): void => {
        switch (x.node) {
            case 'and':
            case 'or':
                x.items.forEach(visit);
                return;
            case 'not':
                visit(x.item);
                return;
            case 'member':
                out.add(x.alias);
                return;
            default:
                for (const o of leafOperands(x)) out.add(o.node === 'aggregate' ? o.outer.alias : o.alias);
        }
    };
    visit(c);
    return out;
}

/** Whether a condition reads more than its records' own columns (an aggregate, a measure, a membership): tested after the plain ones. */
function readsOtherRecords(c: Condition): boolean {
    switch (c.node) {
        case 'and':
        case 'or':
            return c.items.some(readsOtherRecords);
        case 'not':
            return readsOtherRecords(c.item);
        case 'member':
            return true;
        default:
            return leafOperands(c).some(o => o.node !== 'column');
    }
}
