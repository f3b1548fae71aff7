import type { AstNode } from 'langium';
import { exactNumberKey } from './exact-number.js';
import * as ast from '../grammar/generated/ast.js';
import type { CompareOperator, Condition, Domain, Literal, MeasurePlan, Operand, TimeValue } from './ir.js';
import { AliasSource, JoinTreeBuilder } from './join-tree.js';
import { attributeComparison } from './lower-comparand.js';
import { findPath } from './paths.js';
import { ProblemCodes, type ProblemSink } from './problems.js';
import type { AttributeType, Schema, SchemaAttribute, SchemaEntity } from './schema.js';
import { isValidDate, isValidDateTime, unitOf, type TimeOffset } from './time.js';

/** What lowering a condition needs to know of the rest of the model. */
export interface ConditionModel {
    /** A measure's plan, lowered once per model; undefined when it has errors (reported on the measure). */
    measure(node: ast.Measure): MeasurePlan | undefined;
    /** The name of a segment's audience entity; undefined when it has none (reported on that segment). */
    audienceOf(segment: ast.Segment): string | undefined;
}

export interface ConditionContext {
    readonly schema: Schema;
    readonly audience: SchemaEntity;
    readonly via: ReadonlySet<string>;
    readonly sink: ProblemSink;
    readonly aliases: AliasSource;
    readonly model: ConditionModel;
    /** Lowering a measure's own aggregate (reference, 6.4): a measure may not use another. */
    readonly inMeasure?: boolean;
    /** Where `via` is written, for messages: on the group (default), the sequence, or the measure. */
    readonly viaOwner?: 'group' | 'sequence' | 'measure';
    /** Set when a reference did not resolve (the linker reports it); no plan is made then. */
    unresolved: boolean;
}

/** Lowers one condition in the scope of `tree` (a group's records, or an aggregate's). */
export function lowerCondition(node: ast.Condition, tree: JoinTreeBuilder, ctx: ConditionContext, inAggregate = false): Condition | undefined {
    if (ast.isOrCondition(node) || ast.isAndCondition(node)) {
        // The chain's operands, left to right, gathered without recursion (a chain can hold
        // thousands); each is lowered, so every problem is reported, and nested lists of the same
        // operator become one list.
        const kind = ast.isOrCondition(node) ? 'or' : 'and';
        const sameKind = (c: ast.Condition): c is ast.AndCondition | ast.OrCondition => (kind === 'or' ? ast.isOrCondition(c) : ast.isAndCondition(c));
        const operands: (ast.Condition | undefined)[] = [];
        const pending: (ast.Condition | undefined)[] = [node];
        while (pending.length > 0) {
            const c = pending.pop();
            if (c && sameKind(c)) pending.push(c.right, c.left);
            else operands.push(c);
        }
        const items: Condition[] = [];
        let complete = true;
        for (const operand of operands) {
            const lowered = operand ? lowerCondition(operand, tree, ctx, inAggregate) : undefined;
            if (!lowered) complete = false;
            else if (lowered.node === kind) for (const item of lowered.items) items.push(item);
            else items.push(lowered);
        }
        return complete ? { node: kind, items } : undefined;
    }
    if (ast.isNotCondition(node)) {
        const item = node.operand ? lowerCondition(node.operand, tree, ctx, inAggregate) : undefined;
        return item && { node: 'not', item };
    }
    if (ast.isAttributeRef(node) || ast.isCountAggregate(node) || ast.isValueAggregate(node)) {
        ctx.sink.error(ProblemCodes.Incomplete, 'This condition is incomplete: compare the value, for example `= "Security"` or `> 10`.', node);
        return undefined;
    }
    if (ast.isSegmentCondition(node)) return memberCondition(node, tree, ctx);
    if (!node.left) { ctx.unresolved = true; return undefined; }
    const left = lowerOperand(node.left, tree, ctx, inAggregate);
    if (!left) return undefined;
    const type = left.type;
    const label = describeOperand(node.left);
    if (ast.isCompareCondition(node)) {
        const operator = node.operator as CompareOperator;
        if (type === 'boolean' && operator !== '=' && operator !== '!=') {
            ctx.sink.error(ProblemCodes.OperatorType, `${label} is true or false: compare it with \`=\` or \`!=\`, not \`${operator}\`.`, node, 'operator');
            return undefined;
        }
        if (ast.isAttributeValue(node.right)) return attributeComparison(node, left, operator, node.right, tree, ctx, inAggregate);
        const right = lowerValue(node.right, ctx);
        const domain = right && domainOf(type, right, label, node.right, ctx);
        return domain && right && { node: 'compare', left: left.operand, operator, right, domain };
    }
    if (ast.isInCondition(node)) {
        const values = node.values.map(v => lowerValue(v, ctx));
        if (values.some(v => v === undefined)) return undefined;
        const lits = values as Literal[];
        const domains = lits.map((v, i) => domainOf(type, v, label, node.values[i], ctx));
        if (domains.some(d => d === undefined)) return undefined;
        if (domains.every(d => d === domains[0])) {
            return { node: 'in', left: left.operand, values: lits, negated: node.negated, domain: domains[0]! };
        }
        // Dates and datetimes mixed: each value is compared in its own domain.
        const operand = left.operand;
        const items: Condition[] = lits.map((value, i) => ({ node: 'compare', left: operand, operator: node.negated ? '!=' : '=', right: value, domain: domains[i]! }));
        return { node: node.negated ? 'and' : 'or', items };
    }
    if (ast.isBetweenCondition(node)) {
        if (type === 'boolean') {
            ctx.sink.error(ProblemCodes.OperatorType, `${label} is true or false: \`between\` needs a number, a date or a text.`, node);
            return undefined;
        }
        const low = lowerValue(node.low, ctx);
        const high = lowerValue(node.high, ctx);
        if (!low || !high) return undefined;
        const d1 = domainOf(type, low, label, node.low, ctx);
        const d2 = domainOf(type, high, label, node.high, ctx);
        if (!d1 || !d2) return undefined;
        if (d1 === d2) return { node: 'between', left: left.operand, low, high, domain: d1 };
        // A date bound and a datetime bound: each bound is compared in its own domain.
        return {
            node: 'and', items: [
                { node: 'compare', left: left.operand, operator: '>=', right: low, domain: d1 },
                { node: 'compare', left: left.operand, operator: '<=', right: high, domain: d2 }
            ]
        };
    }
    if (ast.isTextCondition(node)) {
        const operator = node.operator ?? '';
        const mode = operator === 'contains' ? 'contains' : operator.startsWith('starts') ? 'starts' : 'ends';
        const word = mode === 'contains' ? 'contains' : `${mode} with`;
        if (type !== 'text') {
            ctx.sink.error(ProblemCodes.TextOperatorType, `\`${word}\` works on text, but ${label} is ${article(type)}.`, node, 'operator');
            return undefined;
        }
        const right = lowerValue(node.right, ctx);
        if (!right) return undefined;
        if (right.node !== 'text') {
            ctx.sink.error(ProblemCodes.TypeMismatch, `\`${word}\` needs a text value in quotes, for example ${label} ${word} "abc".`, node, 'right');
            return undefined;
        }
        return { node: 'match', left: left.operand, mode, value: right.value };
    }
    if (ast.isEmptyCondition(node)) {
        return { node: 'empty', left: left.operand, negated: node.negated };
    }
    if (ast.isWindowCondition(node)) {
        if (type !== 'date' && type !== 'datetime') {
            ctx.sink.error(ProblemCodes.WindowType, `\`in ${node.direction}\` works on dates and datetimes, but ${label} is ${article(type)}.`, node);
            return undefined;
        }
        // Text cut short by a syntax error: the parser reports it.
        if (node.unit === undefined || node.amount === undefined) { ctx.unresolved = true; return undefined; }
        const unit = unitOf(node.unit);
        if (type === 'date' && (unit === 'hour' || unit === 'minute')) {
            ctx.sink.error(ProblemCodes.TimeUnitType, `${label} is a date, so a window in ${node.unit} makes no sense: use days, weeks, months or years.`, node, 'unit');
            return undefined;
        }
        const base: TimeValue['base'] = type === 'date' ? { kind: 'today' } : { kind: 'now' };
        const edge: TimeValue = { node: 'time', base, offsets: [{ sign: node.direction === 'last' ? -1 : 1, amount: node.amount, unit }], type };
        const here: TimeValue = { node: 'time', base, offsets: [], type };
        return node.direction === 'last'
            ? { node: 'between', left: left.operand, low: edge, high: here, domain: type }
            : { node: 'between', left: left.operand, low: here, high: edge, domain: type };
    }
    if (ast.isOrderCondition(node)) {
        if (type !== 'date' && type !== 'datetime') {
            ctx.sink.error(ProblemCodes.OperatorType, `\`${node.operator}\` compares dates and datetimes, but ${label} is ${article(type)}: use \`<\` or \`>\`.`, node, 'operator');
            return undefined;
        }
        const operator = node.operator === 'before' ? '<' : '>';
        if (ast.isAttributeValue(node.right)) return attributeComparison(node, left, operator, node.right, tree, ctx, inAggregate);
        const right = lowerValue(node.right, ctx);
        const domain = right && domainOf(type, right, label, node.right, ctx);
        return domain && right && { node: 'compare', left: left.operand, operator, right, domain };
    }
    return undefined;
}

export interface TypedOperand {
    readonly operand: Operand;
    readonly type: AttributeType;
}

/** An attribute, a measure or an aggregate, in the scope of `tree` (attributes and measures join their entity's record). */
export function lowerOperand(node: ast.Operand, tree: JoinTreeBuilder, ctx: ConditionContext, inAggregate: boolean): TypedOperand | undefined {
    if (ast.isAttributeRef(node)) {
        const field = node.attribute?.ref;
        if (ast.isMeasure(field)) return measureOperand(node, field, tree, ctx, inAggregate);
        const resolved = resolveAttribute(node, ctx.schema);
        if (!resolved) { ctx.unresolved = true; return undefined; }
        const record = tree.attach(resolved.entity, node, node.entity ? 'entity' : 'attribute');
        return record && { operand: { node: 'column', alias: record.alias, attribute: resolved }, type: resolved.type };
    }
    if (inAggregate) {
        ctx.sink.error(ProblemCodes.NestedAggregate, 'An aggregate cannot be used inside another aggregate\'s `where`: write it as a condition of its own in the group.', node);
        return undefined;
    }
    let entityName: string | undefined;
    let attribute: SchemaAttribute | undefined;
    if (ast.isCountAggregate(node)) {
        entityName = node.entity?.ref?.name;
        if (!entityName) { ctx.unresolved = true; return undefined; }
    } else {
        const aggregated = node.attribute?.attribute?.ref;
        if (ast.isMeasure(aggregated)) {
            ctx.sink.error(ProblemCodes.NestedMeasure,
                `${describeOperand(node.attribute)} is a measure: \`${node.function}\` aggregates attributes of related records. ${ctx.inMeasure ? 'A measure cannot use another measure; use `in segment` of a segment that uses it.' : 'Compare the measure in the group itself, or use `in segment` of a segment that uses it.'}`,
                node, 'attribute');
            return undefined;
        }
        attribute = node.attribute ? resolveAttribute(node.attribute, ctx.schema) : undefined;
        if (!attribute) { ctx.unresolved = true; return undefined; }
        entityName = attribute.entity;
        const allowed: readonly AttributeType[] = node.function === 'sum' || node.function === 'avg' ? ['number'] : ['number', 'date', 'datetime'];
        if (!allowed.includes(attribute.type)) {
            ctx.sink.error(ProblemCodes.AggregateType, `\`${node.function}\` needs ${allowed.length === 1 ? 'a number' : 'a number, a date or a datetime'}, but ${describeOperand(node.attribute)} is ${article(attribute.type)}.`, node, 'attribute');
            return undefined;
        }
    }
    const outer = tree.root;
    const path = findPath(ctx.schema, outer.entity.name, entityName, ctx.via);
    if (path.kind !== 'found') {
        // Let the join tree report the same problem with its message.
        new JoinTreeBuilder(ctx.schema, outer.entity, new AliasSource(), ctx.via, ctx.sink, ctx.viaOwner).attach(entityName, node);
        return undefined;
    }
    const whereTree = new JoinTreeBuilder(ctx.schema, ctx.schema.entity(entityName)!, ctx.aliases, ctx.via, ctx.sink, ctx.viaOwner);
    let where: Condition | undefined;
    if (node.where) {
        where = lowerCondition(node.where, whereTree, ctx, true);
        if (!where) return undefined;
    }
    const fn = node.function as 'count' | 'sum' | 'avg' | 'min' | 'max';
    const operand: Operand = {
        node: 'aggregate', fn, target: whereTree.root, outer: { alias: outer.alias, entity: outer.entity },
        path: path.steps.map(step => ({ step, entity: ctx.schema.entity(step.to)! })),
        ...(attribute ? { attribute } : {}), ...(where ? { where } : {})
    };
    const type: AttributeType = fn === 'count' || fn === 'sum' || fn === 'avg' ? 'number' : attribute!.type;
    return { operand, type };
}

/** `Entity.Measure`: the measure's value for the joined record of its entity. */
function measureOperand(node: ast.AttributeRef, field: ast.Measure, tree: JoinTreeBuilder, ctx: ConditionContext, inAggregate: boolean): TypedOperand | undefined {
    if (inAggregate || ctx.inMeasure) {
        ctx.sink.error(ProblemCodes.NestedMeasure, ctx.inMeasure
            ? `${describeOperand(node)} is a measure, and a measure cannot use another measure: use \`in segment\` of a segment that uses it.`
            : `${describeOperand(node)} is a measure, which cannot be used inside an aggregate: compare it in the group itself, or use \`in segment\` of a segment that uses it.`,
            node, 'attribute');
        return undefined;
    }
    const measure = ctx.model.measure(field);
    if (!measure) { ctx.unresolved = true; return undefined; }
    const record = tree.attach(measure.entity.name, node, node.entity ? 'entity' : 'attribute');
    return record && { operand: { node: 'measure', alias: record.alias, measure }, type: measure.type };
}

/** `E [not] in segment NAME`: the joined record of E is (is not) a member of NAME, whose audience must be E. */
function memberCondition(node: ast.SegmentCondition, tree: JoinTreeBuilder, ctx: ConditionContext): Condition | undefined {
    const entity = node.entity?.ref?.name;
    const target = node.segment?.ref;
    if (!entity || !target) { ctx.unresolved = true; return undefined; }
    const audience = ctx.model.audienceOf(target);
    if (audience === undefined) { ctx.unresolved = true; return undefined; }
    if (audience !== entity) {
        ctx.sink.error(ProblemCodes.AudienceMismatch,
            `${target.name} returns ${audience} profiles, so a ${entity} is never one of its members: name a segment whose audience is ${entity}, or write \`${audience} in segment ${target.name}\`.`,
            node, 'segment');
        return undefined;
    }
    const record = tree.attach(entity, node, 'entity');
    return record && { node: 'member', alias: record.alias, entity: record.entity, segment: target.name, negated: node.negated };
}

/** The relationships a `via` list names (reference, 3.1); a name that is not one is reported. */
export function viaOf(owner: ast.Group | ast.Sequence | ast.Measure, schema: Schema, sink: ProblemSink, state: { unresolved: boolean }): Set<string> {
    const via = new Set<string>();
    owner.via.forEach((ref, index) => {
        const field = ref.attribute?.ref;
        const attribute = resolveAttribute(ref, schema);
        if (!attribute && !ast.isMeasure(field)) { state.unresolved = true; return; }
        if (!attribute?.target) {
            const name = describeOperand(ref);
            sink.problems.push({ severity: 'error', code: ProblemCodes.ViaNotRelationship, node: owner, property: 'via', index,
                message: `${name} is ${ast.isMeasure(field) ? 'a measure' : 'not a relationship'}: \`via\` names an attribute declared with \`-> Entity\`.` });
            return;
        }
        via.add(`${attribute.entity}.${attribute.name}`);
    });
    return via;
}

/** The attribute an `E.A` or bare `A` names; `undefined` when the linker could not resolve it. */
export function resolveAttribute(node: ast.AttributeRef, schema: Schema): SchemaAttribute | undefined {
    const target = node.attribute?.ref;
    return target && ast.isAttribute(target) ? schema.attribute(target.$container.name, target.name) : undefined;
}

export function lowerValue(node: ast.Value | undefined, ctx: Pick<ConditionContext, 'sink'>): Literal | undefined {
    if (!node) return undefined;
    if (ast.isStringLiteral(node)) return { node: 'text', value: node.value };
    if (ast.isNumberLiteral(node)) {
        const exact = exactNumberKey(node);
        return { node: 'number', value: node.negative ? -node.value : node.value, ...(typeof exact === 'bigint' ? { integer: exact } : {}) };
    }
    if (ast.isBooleanLiteral(node)) return { node: 'boolean', value: node.value };
    const base = node.base;
    let value: TimeValue['base'];
    if (ast.isTodayLiteral(base)) value = { kind: 'today' };
    else if (ast.isNowLiteral(base)) value = { kind: 'now' };
    else if (ast.isDateLiteral(base)) {
        if (!isValidDate(base.value)) {
            ctx.sink.error(ProblemCodes.InvalidDate, `${base.value} is not a calendar date.`, base, 'value');
            return undefined;
        }
        value = { kind: 'date', value: base.value };
    } else {
        if (!isValidDateTime(base.value)) {
            ctx.sink.error(ProblemCodes.InvalidDate, `${base.value} is not a valid datetime.`, base, 'value');
            return undefined;
        }
        value = { kind: 'datetime', value: base.value.replace('T', ' ') };
    }
    const type = value.kind === 'today' || value.kind === 'date' ? 'date' : 'datetime';
    const offsets: TimeOffset[] = [];
    for (const o of node.offsets) {
        if (o.unit === undefined || o.amount === undefined) return undefined;
        const unit = unitOf(o.unit);
        if (type === 'date' && (unit === 'hour' || unit === 'minute')) {
            ctx.sink.error(ProblemCodes.TimeUnitType, `A date moves by days, weeks, months or years; use \`now\` or a datetime to move by ${o.unit}.`, o, 'unit');
            return undefined;
        }
        const offset = timeOffset(o, ctx);
        if (!offset) return undefined;
        offsets.push(offset);
    }
    return { node: 'time', base: value, offsets, type };
}

/** An offset as written; months and years move by whole numbers (`+ 1.5 months` has no day to land on). */
export function timeOffset(o: ast.TimeOffset, ctx: Pick<ConditionContext, 'sink'>): TimeOffset | undefined {
    const unit = unitOf(o.unit);
    if ((unit === 'month' || unit === 'year') && !Number.isInteger(o.amount)) {
        ctx.sink.error(ProblemCodes.OffsetAmount, `Months and years move by whole numbers: write \`${o.sign} ${Math.round(o.amount) || 1} ${o.unit}\`, or use days.`, o, 'amount');
        return undefined;
    }
    return { sign: o.sign === '-' ? -1 : 1, amount: o.amount, unit };
}

function domainOf(type: AttributeType, value: Literal, label: string, node: AstNode | undefined, ctx: ConditionContext): Domain | undefined {
    const valueType = value.node === 'time' ? value.type : value.node;
    if (type === 'date' || type === 'datetime') {
        if (value.node === 'time') return type === 'date' || value.type === 'date' ? 'date' : 'datetime';
    } else if (type === valueType) {
        return type;
    }
    ctx.sink.error(ProblemCodes.TypeMismatch,
        `${label} is ${article(type)}, but this value is ${article(valueType)}: compare it with ${example(type)}.`,
        node ?? ctx.audience as unknown as AstNode);
    return undefined;
}

export function article(type: AttributeType): string {
    switch (type) {
        case 'text': return 'text';
        case 'number': return 'a number';
        case 'boolean': return 'a boolean';
        case 'date': return 'a date';
        case 'datetime': return 'a datetime';
    }
}

function example(type: AttributeType): string {
    switch (type) {
        case 'text': return 'a text in quotes, such as "Security"';
        case 'number': return 'a number, such as 60';
        case 'boolean': return '`true` or `false`';
        case 'date': return 'a date such as 2027-02-14 or `today - 30 days`';
        case 'datetime': return 'a datetime such as 2027-02-14T09:30:00, a date, or `now - 2 hours`';
    }
}

export function describeOperand(node: ast.Operand | undefined): string {
    if (!node) return 'this value';
    if (ast.isAttributeRef(node)) return node.entity ? `${node.entity.$refText}.${node.attribute?.$refText}` : node.attribute?.$refText ?? 'this attribute';
    if (ast.isCountAggregate(node)) return `count(${node.entity?.$refText})`;
    return `${node.function}(${describeOperand(node.attribute)})`;
}
