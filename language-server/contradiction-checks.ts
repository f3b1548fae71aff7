import type { ValidationAcceptor } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import { IssueCodes } from './issue-codes.js';

/** A constant a condition compares with, comparable with others of the same kind. */
type Constant = { readonly kind: 'number'; readonly value: number } | { readonly kind: 'text' | 'date' | 'datetime' | 'boolean'; readonly value: string };

interface Bound {
    readonly value: Constant;
    readonly inclusive: boolean;
    readonly node: ast.Condition;
}

/** What the `and`-joined conditions of one group say about one attribute. */
interface Facts {
    equal?: { value: Constant; node: ast.Condition };
    /** The values of the last `in` list, by `keyOf`. */
    allowed?: { values: ReadonlySet<string>; node: ast.Condition };
    /** Values excluded with `!=`, by `keyOf` (sets: a group of thousands of conditions is checked in linear time). */
    excluded: Set<string>;
    lower?: Bound;
    upper?: Bound;
}

/**
 * Conditions that can never hold together: one group's `and`-joined comparisons of the same
 * attribute (one record) with two different values, or bounds that leave an empty range.
 */
export function checkContradictions(condition: ast.Condition | undefined, accept: ValidationAcceptor, outcome = 'this group is always empty'): void {
    if (!condition) return;
    const facts = new Map<string, Facts>();
    for (const item of conjuncts(condition)) {
        if (ast.isBetweenCondition(item)) checkBetween(item, accept);
        const left = 'left' in item ? item.left : undefined;
        if (!left || !ast.isAttributeRef(left)) continue;
        const target = left.attribute?.ref;
        if (!target) continue;
        // A measure is one value of its record too (reference, 6.4).
        const key = `${ast.isMeasure(target) ? target.entity?.$refText : target.$container.name}.${target.name}`;
        let f = facts.get(key);
        if (!f) facts.set(key, f = { excluded: new Set() });
        addFact(key, f, item, accept, outcome);
    }
}

function addFact(label: string, f: Facts, item: ast.Condition, accept: ValidationAcceptor, outcome: string): void {
    const warn = (code: string, message: string): void => accept('warning', message, { node: item, code, data: { code } });
    if (ast.isCompareCondition(item)) {
        const value = ast.isValue(item.right) ? constant(item.right) : undefined;
        if (!value) return;
        if (item.operator === '=') {
            if (f.equal && !same(f.equal.value, value)) {
                warn(IssueCodes.Contradiction, `${label} cannot be both ${show(f.equal.value)} and ${show(value)}: joined by \`and\`, both conditions are about one record, so ${outcome}. For either value use \`in (${show(f.equal.value)}, ${show(value)})\`; for profiles with records of both, use two groups joined by \`intersect\`.`);
                return;
            }
            if (f.allowed && !f.allowed.values.has(keyOf(value))) {
                warn(IssueCodes.Contradiction, `${label} = ${show(value)} contradicts the \`in\` list before it, which does not include ${show(value)}: ${outcome}.`);
                return;
            }
            if (f.excluded.has(keyOf(value))) {
                warn(IssueCodes.Contradiction, `${label} cannot be ${show(value)} and differ from ${show(value)}: ${outcome}.`);
                return;
            }
            f.equal = { value, node: item };
            checkBounds(label, f, { value, inclusive: true, node: item }, 'lower', warn, outcome);
            checkBounds(label, f, { value, inclusive: true, node: item }, 'upper', warn, outcome);
            return;
        }
        if (item.operator === '!=') {
            if (f.equal && same(f.equal.value, value)) {
                warn(IssueCodes.Contradiction, `${label} cannot be ${show(value)} and differ from ${show(value)}: ${outcome}.`);
                return;
            }
            f.excluded.add(keyOf(value));
            return;
        }
        const inclusive = item.operator === '<=' || item.operator === '>=';
        checkBounds(label, f, { value, inclusive, node: item }, item.operator.startsWith('<') ? 'upper' : 'lower', warn, outcome);
        return;
    }
    if (ast.isOrderCondition(item)) {
        const value = ast.isValue(item.right) ? constant(item.right) : undefined;
        if (value) checkBounds(label, f, { value, inclusive: false, node: item }, item.operator === 'before' ? 'upper' : 'lower', warn, outcome);
        return;
    }
    if (ast.isBetweenCondition(item)) {
        const low = constant(item.low);
        const high = constant(item.high);
        if (low) checkBounds(label, f, { value: low, inclusive: true, node: item }, 'lower', warn, outcome);
        if (high) checkBounds(label, f, { value: high, inclusive: true, node: item }, 'upper', warn, outcome);
        return;
    }
    if (ast.isInCondition(item) && !item.negated) {
        const values = item.values.map(constant);
        if (values.some(v => !v)) return;
        const known = values as Constant[];
        if (f.equal && !known.some(v => same(v, f.equal!.value))) {
            warn(IssueCodes.Contradiction, `${label} is ${show(f.equal.value)}, which this \`in\` list does not include: ${outcome}.`);
            return;
        }
        f.allowed = { values: new Set(known.map(keyOf)), node: item };
    }
}

/** Narrows the range with a new bound, warning when nothing is left between lower and upper. */
function checkBounds(label: string, f: Facts, bound: Bound, side: 'lower' | 'upper', warn: (code: string, message: string) => void, outcome: string): void {
    const lower = side === 'lower' ? tighter(f.lower, bound, 'lower') : f.lower;
    const upper = side === 'upper' ? tighter(f.upper, bound, 'upper') : f.upper;
    if (lower && upper && isEmpty(lower, upper)) {
        warn(IssueCodes.EmptyRange, `No value of ${label} is ${describeBound(lower, 'lower')} and ${describeBound(upper, 'upper')}: ${outcome}. Check the two limits (did you mean \`or\`?).`);
        return;
    }
    if (side === 'lower') f.lower = lower;
    else f.upper = upper;
}

function tighter(current: Bound | undefined, next: Bound, side: 'lower' | 'upper'): Bound {
    if (!current || current.value.kind !== next.value.kind) return next;
    const c = compare(next.value, current.value);
    if (c === 0) return next.inclusive ? current : next;
    return (side === 'lower' ? c > 0 : c < 0) ? next : current;
}

function isEmpty(lower: Bound, upper: Bound): boolean {
    if (lower.value.kind !== upper.value.kind) return false;
    const c = compare(lower.value, upper.value);
    return c > 0 || (c === 0 && !(lower.inclusive && upper.inclusive));
}

function describeBound(b: Bound, side: 'lower' | 'upper'): string {
    const op = side === 'lower' ? (b.inclusive ? 'at least' : 'above') : (b.inclusive ? 'at most' : 'below');
    return `${op} ${show(b.value)}`;
}

function checkBetween(item: ast.BetweenCondition, accept: ValidationAcceptor): void {
    const low = constant(item.low);
    const high = constant(item.high);
    if (low && high && low.kind === high.kind && compare(low, high) > 0) {
        accept('warning', `\`between ${show(low)} and ${show(high)}\` is empty: the smaller value comes first. Write \`between ${show(high)} and ${show(low)}\`.`,
            { node: item, property: 'low', code: IssueCodes.EmptyRange, data: { code: IssueCodes.EmptyRange } });
    }
}

/** The items of a top-level `and` chain (not looking into `or` or `not`), left to right; no recursion, for chains of any length. */
export function conjuncts(condition: ast.Condition): ast.Condition[] {
    const items: ast.Condition[] = [];
    const pending: (ast.Condition | undefined)[] = [condition];
    while (pending.length > 0) {
        const c = pending.pop();
        if (!c) continue;
        if (ast.isAndCondition(c)) pending.push(c.right, c.left);
        else items.push(c);
    }
    return items;
}

function constant(value: ast.Value | undefined): Constant | undefined {
    if (!value) return undefined;
    if (ast.isStringLiteral(value)) return { kind: 'text', value: value.value };
    if (ast.isNumberLiteral(value)) return { kind: 'number', value: value.negative ? -value.value : value.value };
    if (ast.isBooleanLiteral(value)) return { kind: 'boolean', value: String(value.value) };
    if (value.offsets.length > 0) return undefined;
    if (ast.isDateLiteral(value.base)) return { kind: 'date', value: value.base.value };
    if (ast.isDateTimeLiteral(value.base)) return { kind: 'datetime', value: value.base.value };
    return undefined;
}

function compare(a: Constant, b: Constant): number {
    if (a.kind === 'number' && b.kind === 'number') return a.value - b.value;
    const x = String(a.value);
    const y = String(b.value);
    return x < y ? -1 : x > y ? 1 : 0;
}

/** Equal keys for constants that are `same`. */
function keyOf(c: Constant): string {
    return `${c.kind}\u0000${c.kind === 'number' ? String(c.value) : c.value}`;
}

function same(a: Constant, b: Constant): boolean {
    return a.kind === b.kind && compare(a, b) === 0;
}

function show(c: Constant): string {
    return c.kind === 'text' ? JSON.stringify(c.value) : String(c.value);
}
