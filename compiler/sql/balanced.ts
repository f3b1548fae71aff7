/** Up to this many terms are joined as one flat list: `(a AND b AND c)`. */
export const FLAT_TERMS = 32;

/**
 * Terms joined by an associative operator (`AND`, `OR`), in parentheses. Up to `FLAT_TERMS` terms
 * are one flat list, as written; more are split in halves, recursively, into a balanced tree of
 * such lists. A database parses a flat list into a tree as deep as the list is long (SQLite
 * stops at a depth of 1,000, DuckDB likewise), so 100,000 terms would fail: balanced, the
 * depth (and this function's recursion) grows with the logarithm of the number of terms.
 */
export function balancedJoin(terms: readonly string[], separator: string): string {
    const join = (from: number, to: number): string => {
        if (to - from <= FLAT_TERMS) return `(${terms.slice(from, to).join(separator)})`;
        const mid = (from + to) >> 1;
        return `(${join(from, mid)}${separator}${join(mid, to)})`;
    };
    return join(0, terms.length);
}

/** A list of conditions that a caller joins with `AND`, with a long one made into one balanced term. */
export function boundedConjuncts(terms: readonly string[]): readonly string[] {
    return terms.length <= FLAT_TERMS ? terms : [balancedJoin(terms, ' AND ')];
}
