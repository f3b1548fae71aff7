import type { Cell } from '../src/shared/data.js';

/** The loaded rows as the grid shows them: filtered on a text, then sorted on one column. */
export interface GridOrder {
    /** The column sorted on, and which way; none keeps the host's order. */
    readonly sort?: { readonly column: number; readonly descending: boolean };
    /** Rows with a cell containing this text (any case) stay. */
    readonly filter: string;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function cellText(value: Cell): string {
    return value === null ? '' : String(value);
}

/** Missing values last either way; numbers by value; text by the collator; ties keep the loaded order. */
function compare(a: Cell, b: Cell): number {
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return collator.compare(String(a), String(b));
}

/** Indexes into `rows`, in the order shown. */
export function orderRows(rows: readonly (readonly Cell[])[], order: GridOrder): number[] {
    const needle = order.filter.trim().toLocaleLowerCase();
    let indexes = rows.map((_, i) => i);
    if (needle) indexes = indexes.filter(i => rows[i].some(c => cellText(c).toLocaleLowerCase().includes(needle)));
    const sort = order.sort;
    if (sort) {
        const sign = sort.descending ? -1 : 1;
        indexes.sort((x, y) => {
            const a = rows[x][sort.column];
            const b = rows[y][sort.column];
            // Missing values stay last whichever way the column is sorted.
            if (a === null || b === null) return compare(a, b) || x - y;
            return sign * compare(a, b) || x - y;
        });
    }
    return indexes;
}

/** A row as text to paste: tab-separated cells. */
export function rowText(row: readonly Cell[]): string {
    return row.map(c => cellText(c).replace(/[\t\r\n]+/g, ' ')).join('\t');
}

/** A first width per column, from the header and the longest of the first few hundred values. */
export function initialWidths(columns: readonly string[], rows: readonly (readonly Cell[])[]): number[] {
    const sample = rows.slice(0, 300);
    return columns.map((name, c) => {
        const longest = Math.max(name.length + 2, ...sample.map(r => cellText(r[c]).length));
        return Math.round(Math.min(360, Math.max(64, longest * 7.4 + 28)));
    });
}
