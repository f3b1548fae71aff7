import * as ast from '../grammar/generated/ast.js';
import type { ColumnRef, CompareOperator, Condition, Domain, MeasurePlan, MeasureRef, Operand } from './ir.js';
import type { JoinTreeBuilder } from './join-tree.js';
import { article, describeOperand, lowerOperand, timeOffset, type ConditionContext, type TypedOperand } from './lower-condition.js';
import { ProblemCodes } from './problems.js';
import type { AttributeType } from './schema.js';
import { unitOf, type TimeOffset } from './time.js';

const isTime = (t: AttributeType): t is 'date' | 'datetime' => t === 'date' || t === 'datetime';

/**
 * A comparison whose right side is an attribute or a measure, with time offsets (reference,
 * 6.2): both are read from the records of `tree` (the group's, or an aggregate's `where`), so
 * `Purchase.Amount > Product.ListPrice` is about the product of that purchase. The types fit as
 * for values; offsets move only dates and datetimes (hours and minutes only datetimes), and
 * apply before a datetime is compared with a date by its calendar date. An aggregate on the left
 * becomes a measure of the record it is counted for, so that both sides are values of one row.
 */
export function attributeComparison(
    node: ast.CompareCondition | ast.OrderCondition, left: TypedOperand, operator: CompareOperator,
    right: ast.AttributeValue, tree: JoinTreeBuilder, ctx: ConditionContext, inAggregate: boolean
): Condition | undefined {
    if (!right.attribute) { ctx.unresolved = true; return undefined; }
    const lowered = lowerOperand(right.attribute, tree, ctx, inAggregate);
    if (!lowered) return undefined;
    const other = lowered.operand;
    if (other.node === 'aggregate') throw new Error('an attribute reference lowered to an aggregate');
    const rightType = lowered.type;
    const rightLabel = describeOperand(right.attribute);
    const offsets: TimeOffset[] = [];
    for (const o of right.offsets) {
        if (o.unit === undefined || o.amount === undefined) { ctx.unresolved = true; return undefined; }
        const unit = unitOf(o.unit);
        if (!isTime(rightType)) {
            ctx.sink.error(ProblemCodes.OffsetType, `${rightLabel} is ${article(rightType)}: only dates and datetimes move by ${o.unit}. Compare it without \`${o.sign} ${o.amount} ${o.unit}\`.`, o);
            return undefined;
        }
        if (rightType === 'date' && (unit === 'hour' || unit === 'minute')) {
            ctx.sink.error(ProblemCodes.TimeUnitType, `${rightLabel} is a date, so it moves by days, weeks, months or years, not ${o.unit} (hours on a date): use days, or compare a datetime.`, o, 'unit');
            return undefined;
        }
        const offset = timeOffset(o, ctx);
        if (!offset) return undefined;
        offsets.push(offset);
    }
    const leftLabel = describeOperand(node.left);
    let domain: Domain;
    if (isTime(left.type) && isTime(rightType)) {
        domain = left.type === 'date' || rightType === 'date' ? 'date' : 'datetime';
    } else if (ast.isOrderCondition(node)) {
        ctx.sink.error(ProblemCodes.TypeMismatch, `\`${node.operator}\` compares dates and datetimes, but ${rightLabel} is ${article(rightType)}.`, right);
        return undefined;
    } else if (left.type !== rightType) {
        ctx.sink.error(ProblemCodes.TypeMismatch,
            `${leftLabel} is ${article(left.type)}, but ${rightLabel} is ${article(rightType)}: compare attributes of fitting types (text with text, numbers with numbers, dates and datetimes with each other, booleans with booleans).`,
            right);
        return undefined;
    } else {
        domain = left.type;
    }
    const leftOperand = valueOperand(left.operand, left.type, tree);
    const rightOperand: ColumnRef | MeasureRef = other;
    if (rightOperand.node === 'measure') tree.useMeasure(rightOperand.alias, rightOperand.measure);
    return { node: 'compare', left: leftOperand, operator, right: { node: 'operand', operand: rightOperand, offsets, type: rightType }, domain };
}

/** The left side as a value of one row: an aggregate becomes an unnamed measure of the record it is counted for. */
function valueOperand(operand: Operand, type: AttributeType, tree: JoinTreeBuilder): ColumnRef | MeasureRef {
    if (operand.node === 'column') return operand;
    if (operand.node === 'measure') {
        tree.useMeasure(operand.alias, operand.measure);
        return operand;
    }
    const measure: MeasurePlan = { entity: operand.outer.entity, aggregate: operand, type };
    tree.useMeasure(operand.outer.alias, measure);
    return { node: 'measure', alias: operand.outer.alias, measure };
}
