import { assertUnreachable, type AggregateRef, type Condition, type GroupPlan, type JoinNode, type Literal, type Operand, type SegmentPlan, type KeyValue } from '../ir.js';
import type { PathStep } from '../paths.js';
import type { SchemaEntity } from '../schema.js';
import { addOffset, type Clock } from '../time.js';
import type { Dialect } from './dialect.js';

export interface SqlContext {
    readonly dialect: Dialect;
    readonly clock: Clock;
    /** Plans of other segments, for compound segments. */
    readonly plans?: ReadonlyMap<string, SegmentPlan>;
    /** Keys of static segments read from files, by segment name. */
    readonly staticKeys?: ReadonlyMap<string, readonly KeyValue[]>;
}

/** The query returning the segment's keys as one column named `key`. */
export function segmentSql(plan: SegmentPlan, ctx: SqlContext, seen: ReadonlySet<string> = new Set()): string {
    switch (plan.kind) {
        case 'dynamic': {
            let sql = groupSql(plan.groups[0], plan.audience, ctx);
            plan.groups.slice(1).forEach((g, i) => {
                sql = ctx.dialect.setOperation(sql, g.operator ?? 'union', groupSql(g, plan.audience, ctx), `g${i + 1}`);
            });
            return sql;
        }
        case 'static': {
            const keys = plan.members.kind === 'keys' ? plan.members.keys : ctx.staticKeys?.get(plan.name);
            if (!keys) throw new Error(`the members of ${plan.name} have not been read`);
            return staticSql(plan.audience, keys, ctx.dialect);
        }
        case 'compound': {
            if (seen.has(plan.name)) throw new Error(`segment cycle through ${plan.name}`);
            const inner = new Set([...seen, plan.name]);
            const partSql = (name: string): string => {
                const part = ctx.plans?.get(name);
                if (!part) throw new Error(`no plan for segment ${name}`);
                return segmentSql(part, ctx, inner);
            };
            let sql = partSql(plan.parts[0].segment);
            plan.parts.slice(1).forEach((p, i) => {
                sql = ctx.dialect.setOperation(sql, p.operator ?? 'union', partSql(p.segment), `${plan.name.toLowerCase()}_${i + 1}`);
            });
            return sql;
        }
        default:
            return assertUnreachable(plan);
    }
}

export function staticSql(audience: SchemaEntity, keys: readonly KeyValue[], dialect: Dialect): string {
    const q = dialect.quoteIdentifier;
    const key = `s.${q(audience.key.column)}`;
    return `SELECT ${key} AS key FROM ${q(audience.table)} AS s WHERE ${keyIn(key, keys, dialect)}`;
}

/** `column IN (k1, k2, ...)`, or a false condition for no keys. */
export function keyIn(column: string, keys: readonly KeyValue[], dialect: Dialect): string {
    if (keys.length === 0) return '1 = 0';
    const list = keys.map(k => (typeof k === 'number' ? dialect.numberLiteral(k) : dialect.stringLiteral(k))).join(', ');
    return `${column} IN (${list})`;
}

function groupSql(group: GroupPlan, audience: SchemaEntity, ctx: SqlContext): string {
    const q = ctx.dialect.quoteIdentifier;
    const root = group.root;
    const key = `${root.alias}.${q(audience.key.column)}`;
    const joins = joinClauses(root, ctx.dialect);
    const distinct = root.children.length > 0 ? 'DISTINCT ' : '';
    const where = [`${key} IS NOT NULL`, conditionSql(group.condition, ctx, false)];
    return `SELECT ${distinct}${key} AS key\nFROM ${q(audience.table)} AS ${root.alias}${joins}\nWHERE ${where.join('\n  AND ')}`;
}

/** `JOIN child ON ...` for every record below `node`, depth first. */
function joinClauses(node: JoinNode, dialect: Dialect, separator = '\n'): string {
    let sql = '';
    for (const child of node.children) {
        sql += `${separator}JOIN ${dialect.quoteIdentifier(child.entity.table)} AS ${child.alias} ON ${stepCondition(child.step!, node.alias, node.entity, child.alias, child.entity, dialect)}`;
        sql += joinClauses(child, dialect, separator);
    }
    return sql;
}

/** The equality joining the record `fromAlias` to the record `toAlias` over one relationship. */
function stepCondition(step: PathStep, fromAlias: string, from: SchemaEntity, toAlias: string, to: SchemaEntity, dialect: Dialect): string {
    const q = dialect.quoteIdentifier;
    const fk = step.relationship.attribute.column;
    return step.relationship.from === step.from
        ? `${toAlias}.${q(to.key.column)} = ${fromAlias}.${q(fk)}`
        : `${toAlias}.${q(fk)} = ${fromAlias}.${q(from.key.column)}`;
}

/**
 * A condition as SQL. `strict` asks for two-valued logic (NULL read as false), needed under
 * `not`; elsewhere a NULL result filters the row exactly as false does.
 */
function conditionSql(c: Condition, ctx: SqlContext, strict: boolean): string {
    const d = ctx.dialect;
    const wrap = (sql: string): string => (strict ? d.isTrue(sql) : sql);
    switch (c.node) {
        case 'and':
        case 'or':
            return `(${c.items.map(i => conditionSql(i, ctx, strict)).join(c.node === 'and' ? ' AND ' : ' OR ')})`;
        case 'not':
            return `(NOT ${conditionSql(c.item, ctx, true)})`;
        case 'compare': {
            const op = c.operator === '!=' ? '<>' : c.operator;
            return wrap(`${operandSql(c.left, c.domain, ctx)} ${op} ${literalSql(c.right, c.domain, ctx)}`);
        }
        case 'in': {
            const list = c.values.map(v => literalSql(v, c.domain, ctx)).join(', ');
            return wrap(`${operandSql(c.left, c.domain, ctx)} ${c.negated ? 'NOT IN' : 'IN'} (${list})`);
        }
        case 'between':
            return wrap(`${operandSql(c.left, c.domain, ctx)} BETWEEN ${literalSql(c.low, c.domain, ctx)} AND ${literalSql(c.high, c.domain, ctx)}`);
        case 'match':
            return wrap(d.textMatch(operandSql(c.left, 'text', ctx), c.mode, c.value));
        case 'empty': {
            const value = operandSql(c.left, undefined, ctx);
            const isText = c.left.node === 'column' && c.left.attribute.type === 'text';
            const empty = isText ? `(${value} IS NULL OR ${value} = ${d.stringLiteral('')})` : `${value} IS NULL`;
            return c.negated ? `NOT ${empty}` : empty;
        }
        default:
            return assertUnreachable(c);
    }
}

function operandSql(o: Operand, domain: string | undefined, ctx: SqlContext): string {
    if (o.node === 'aggregate') return aggregateSql(o, ctx);
    const column = `${o.alias}.${ctx.dialect.quoteIdentifier(o.attribute.column)}`;
    const stored = o.attribute.type;
    if (stored === 'date' || stored === 'datetime') {
        if (domain === 'date') return ctx.dialect.columnAsDate(column, stored);
        if (domain === 'datetime') return ctx.dialect.columnAsDateTime(column, stored);
    }
    return column;
}

function literalSql(l: Literal, domain: string, ctx: SqlContext): string {
    const d = ctx.dialect;
    switch (l.node) {
        case 'text': return d.stringLiteral(l.value);
        case 'number': return d.numberLiteral(l.value);
        case 'boolean': return d.booleanLiteral(l.value);
        case 'time': {
            const value = resolveTime(l, ctx.clock);
            return domain === 'date' ? d.dateLiteral(value.slice(0, 10)) : d.dateTimeLiteral(value.length === 10 ? `${value} 00:00:00` : value);
        }
        default:
            return assertUnreachable(l);
    }
}

/** A time constant on the given clock: `YYYY-MM-DD` for dates, `YYYY-MM-DD HH:MM:SS` for datetimes. */
export function resolveTime(l: Extract<Literal, { node: 'time' }>, clock: Clock): string {
    const b = l.base;
    let value = b.kind === 'today' ? clock.today : b.kind === 'now' ? clock.now : b.value;
    for (const offset of l.offsets) value = addOffset(value, l.type === 'datetime', offset);
    return value;
}

/** A correlated subquery: the aggregate over the distinct related records of the outer record. */
function aggregateSql(a: AggregateRef, ctx: SqlContext): string {
    const d = ctx.dialect;
    const q = d.quoteIdentifier;
    const target = a.target;
    // The path from the outer record to the target: intermediate records get their own aliases.
    const chain = a.path.map(({ step, entity }, i) => ({
        alias: i === a.path.length - 1 ? target.alias : `${target.alias}_p${i}`,
        entity,
        step
    }));
    let from: string;
    const where: string[] = [];
    if (chain.length === 0) {
        from = `${q(target.entity.table)} AS ${target.alias}`;
        where.push(`${target.alias}.${q(target.entity.key.column)} = ${a.outer.alias}.${q(target.entity.key.column)}`);
    } else {
        from = `${q(chain[0].entity.table)} AS ${chain[0].alias}`;
        where.push(stepCondition(chain[0].step, a.outer.alias, a.outer.entity, chain[0].alias, chain[0].entity, d));
        for (let i = 1; i < chain.length; i++) {
            from += ` JOIN ${q(chain[i].entity.table)} AS ${chain[i].alias} ON ${stepCondition(chain[i].step, chain[i - 1].alias, chain[i - 1].entity, chain[i].alias, chain[i].entity, d)}`;
        }
    }
    from += joinClauses(target, d, ' ');
    if (a.where) where.push(conditionSql(a.where, ctx, false));
    const key = `${target.alias}.${q(target.entity.key.column)}`;
    const oneEach = chain.length <= 1 && target.children.length === 0;
    if (a.fn === 'count') {
        return `(SELECT COUNT(${oneEach ? '*' : `DISTINCT ${key}`}) FROM ${from} WHERE ${where.join(' AND ')})`;
    }
    const fn = a.fn.toUpperCase();
    const value = (alias: string): string => aggregateValue(a, `${alias}.${q(a.attribute!.column)}`, d);
    const sql = oneEach
        ? `(SELECT ${fn}(${value(target.alias)}) FROM ${from} WHERE ${where.join(' AND ')})`
        : `(SELECT ${fn}(${value('agg')}) FROM ${q(target.entity.table)} AS agg WHERE agg.${q(target.entity.key.column)} IN (SELECT ${key} FROM ${from} WHERE ${where.join(' AND ')}))`;
    return a.fn === 'sum' ? `COALESCE(${sql}, 0)` : sql;
}

function aggregateValue(a: AggregateRef, column: string, d: Dialect): string {
    const type = a.attribute!.type;
    if (type === 'date') return d.columnAsDate(column, 'date');
    if (type === 'datetime') return d.columnAsDateTime(column, 'datetime');
    return column;
}

