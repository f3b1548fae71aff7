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

/** The candidates close enough to `name` to be what was meant, closest first. */
export function closest(name: string, candidates: Iterable<string>, limit = 3): string[] {
    const budget = Math.max(1, Math.ceil(name.length / 3));
    return [...new Set(candidates)]
        .map(c => ({ c, d: distance(name, c) }))
        .filter(({ c, d }) => c !== name && (d <= budget || c.toLowerCase().startsWith(name.toLowerCase()) || name.toLowerCase().startsWith(c.toLowerCase())))
        .sort((p, q) => p.d - q.d || p.c.localeCompare(q.c))
        .slice(0, limit)
        .map(({ c }) => c);
}

/** ` Did you mean A?`, ` Did you mean A or B?`, or nothing. */
export function didYouMean(options: readonly string[], quote = (s: string) => s): string {
    if (options.length === 0) return '';
    const q = options.map(quote);
    return ` Did you mean ${q.length === 1 ? q[0] : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`}?`;
}
