import type { ColumnRef, Condition, Domain, Literal } from '../ir.js';

/** Up to this many terms are joined as one flat list: `(a AND b AND c)`. */
export const FLAT_TERMS = 32;

/** Lists longer than this are cut into halves joined by `CASE` rather than by the operator. */
export const CASE_FROM = 1024;

/**
 * Terms joined by `AND` or `OR`, in parentheses, for a condition read two-valued (a missing
 * result filters a row as false does; under `not` every term is already two-valued). Up to
 * `FLAT_TERMS` terms are one flat list, as written; more are split in halves, recursively, into a
 * balanced tree of such lists: a database parses a flat list into a tree as deep as the list is
 * long (SQLite stops at a depth of 1,000, DuckDB likewise), so 100,000 terms would fail, while
 * balanced the depth (and this function's recursion) grows with the logarithm of the number of
 * terms. Beyond `CASE_FROM` terms the halves are joined by `CASE WHEN left THEN ... END`, which
 * means the same two-valued: an optimizer that gathers every term of nested `OR`s into one list
 * (DuckDB's takes minutes over 100,000 terms) then sees lists of at most `CASE_FROM`.
 */
export function balancedJoin(terms: readonly string[], separator: ' AND ' | ' OR ' | '\n  AND ' | '\n  OR '): string {
    const or = separator.trim() === 'OR';
    const join = (from: number, to: number): string => {
        if (to - from <= FLAT_TERMS) return `(${terms.slice(from, to).join(separator)})`;
        const mid = (from + to) >> 1;
        const left = join(from, mid);
        const right = join(mid, to);
        if (to - from <= CASE_FROM) return `(${left}${separator}${right})`;
        return or ? `(CASE WHEN ${left} THEN 1 = 1 ELSE ${right} END)` : `(CASE WHEN ${left} THEN ${right} ELSE 1 = 0 END)`;
    };
    return join(0, terms.length);
}

/** A list of conditions that a caller joins with `AND`, with a long one made into one balanced term. */
export function boundedConjuncts(terms: readonly string[]): readonly string[] {
    return terms.length <= FLAT_TERMS ? terms : [balancedJoin(terms, ' AND ')];
}

/**
 * The items of a long `or` (more than `CASE_FROM`) with every `=` comparison of one column with a
 * value, and every `in` list of it, gathered into one `in` list at the place of the first; for a
 * long `and`, the `!=` comparisons and `not in` lists into one `not in`. The same meaning (`x = a
 * or x = b` is `x in (a, b)`, missing values included), and one test of a list instead of
 * thousands of terms for the database to parse, plan and run: a list of 100,000 values pasted
 * into a condition stays quick on every engine. Shorter lists are left as written.
 */
export function gatherValueLists(kind: 'and' | 'or', items: readonly Condition[]): readonly Condition[] {
    if (items.length <= CASE_FROM) return items;
    const operator = kind === 'or' ? '=' : '!=';
    const negated = kind === 'and';
    const lists = new Map<string, { at: number; left: ColumnRef; domain: Domain; values: Literal[]; seen: Set<string>; items: number }>();
    const out: Condition[] = [];
    for (const item of items) {
        const gathered = item.node === 'compare' && item.operator === operator && item.left.node === 'column' && item.right.node !== 'operand' ? { left: item.left, values: [item.right], domain: item.domain }
            : item.node === 'in' && item.negated === negated && item.left.node === 'column' ? { left: item.left, values: item.values, domain: item.domain }
                : undefined;
        if (!gathered) {
            out.push(item);
            continue;
        }
        const { left, domain } = gathered;
        const key = `${left.alias}\u0000${left.attribute.entity}\u0000${left.attribute.name}\u0000${domain}`;
        let list = lists.get(key);
        if (!list) {
            list = { at: out.length, left, domain, values: [], seen: new Set(), items: 0 };
            lists.set(key, list);
            out.push(item);
        }
        list.items++;
        // A value listed twice is tested once.
        for (const v of gathered.values) {
            const known = JSON.stringify(v);
            if (list.seen.has(known)) continue;
            list.seen.add(known);
            list.values.push(v);
        }
    }
    for (const list of lists.values()) {
        if (list.items > 1) out[list.at] = { node: 'in', left: list.left, values: list.values, negated, domain: list.domain };
    }
    return out;
}
