/** Edit distance between two names, ignoring case (a case slip counts for a little). */
export function distance(a: string, b: string): number {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
    for (let i = 1; i <= x.length; i++) {
        const current = [i];
        for (let j = 1; j <= y.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[y.length] + (a === b || x !== y ? 0 : 0.5);
}

/**
 * The candidates close enough to `name` to be what was meant, closest first: within an edit
 * distance of a third of its length, or one a prefix of the other. Each candidate costs at most
 * its length times the allowed distance (the distance is only computed within that band), so a
 * long name or a long list of candidates stays cheap.
 */
export function closest(name: string, candidates: Iterable<string>, limit = 3): string[] {
    const budget = Math.max(1, Math.ceil(name.length / 3));
    const lower = name.toLowerCase();
    const found: { c: string; d: number }[] = [];
    for (const c of new Set(candidates)) {
        if (c === name) continue;
        const other = c.toLowerCase();
        // One a prefix of the other: the distance is the difference in length.
        if (other.startsWith(lower) || lower.startsWith(other)) {
            found.push({ c, d: Math.abs(c.length - name.length) + (other === lower ? 0.5 : 0) });
            continue;
        }
        const d = boundedDistance(lower, other, budget);
        if (d <= budget) found.push({ c, d });
    }
    return found
        .sort((p, q) => p.d - q.d || p.c.localeCompare(q.c))
        .slice(0, limit)
        .map(({ c }) => c);
}

/**
 * The edit distance between `x` and `y` when it is at most `max`, else a number above `max`:
 * only the band of cells within `max` of the diagonal is computed, and the computation stops as
 * soon as a whole row exceeds `max`.
 */
export function boundedDistance(x: string, y: string, max: number): number {
    if (Math.abs(x.length - y.length) > max) return max + 1;
    const over = max + 1;
    let previous = new Array<number>(y.length + 1);
    let current = new Array<number>(y.length + 1);
    for (let j = 0; j <= y.length; j++) previous[j] = j <= max ? j : over;
    for (let i = 1; i <= x.length; i++) {
        const from = Math.max(1, i - max);
        const to = Math.min(y.length, i + max);
        current[0] = i <= max ? i : over;
        if (from > 1) current[from - 1] = over;
        let best = current[0];
        for (let j = from; j <= to; j++) {
            const cost = x.charCodeAt(i - 1) === y.charCodeAt(j - 1) ? 0 : 1;
            const value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
            current[j] = value > over ? over : value;
            if (current[j] < best) best = current[j];
        }
        if (to < y.length) current[to + 1] = over;
        if (best > max) return over;
        [previous, current] = [current, previous];
    }
    return previous[y.length];
}

/** ` Did you mean A?`, ` Did you mean A or B?`, or nothing. */
export function didYouMean(options: readonly string[], quote = (s: string) => s): string {
    if (options.length === 0) return '';
    const q = options.map(quote);
    return ` Did you mean ${q.length === 1 ? q[0] : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`}?`;
}
