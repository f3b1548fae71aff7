import Papa from 'papaparse';
import type { KeyValue } from '../compiler/ir.js';
import { stringifyJson } from '../compiler/keys.js';
import type { ShowValue } from '../engine/runner.js';

/** One segment's result as the command line prints it. */
export interface RunOutput {
    readonly name: string;
    readonly title: string;
    readonly kind: 'static' | 'dynamic' | 'compound';
    readonly audience: string;
    readonly status: 'active' | 'inactive';
    readonly asOf: string;
    readonly count: number;
    readonly keys: readonly KeyValue[];
    /** Key and `show` columns of the listed keys. */
    readonly members: { readonly columns: readonly string[]; readonly rows: readonly (readonly ShowValue[])[] };
}

/** JSON with 64-bit keys as exact numbers. */
export function formatJson(results: readonly RunOutput[]): string {
    return stringifyJson(results.map(r => ({
        name: r.name, title: r.title, kind: r.kind, audience: r.audience, status: r.status, asOf: r.asOf,
        count: r.count, keys: r.keys,
        members: r.members.rows.map(row => Object.fromEntries(r.members.columns.map((c, i) => [c, cell(row[i])])))
    })), 2);
}

export function formatCsv(results: readonly RunOutput[]): string {
    if (results.length === 1) {
        const r = results[0];
        return Papa.unparse({ fields: [...r.members.columns], data: r.members.rows.map(row => row.map(cell)) });
    }
    return Papa.unparse({ fields: ['segment', 'key'], data: results.flatMap(r => r.keys.map(k => [r.name, k])) });
}

/** A readable report: one block per segment, with its first members. */
export function formatTable(results: readonly RunOutput[]): string {
    const blocks = results.map(r => {
        const head = `${r.name}  (${r.kind}, audience ${r.audience}${r.status === 'inactive' ? ', inactive' : ''})  ${r.count} member${r.count === 1 ? '' : 's'} as of ${r.asOf}`;
        const title = r.title !== r.name ? `  ${r.title}` : '';
        if (r.members.rows.length === 0) return [head, title].filter(Boolean).join('\n');
        const rows = [r.members.columns.map(String), ...r.members.rows.map(row => row.map(v => String(cell(v) ?? '')))];
        const widths = rows[0].map((_, i) => Math.min(40, Math.max(...rows.map(row => row[i].length))));
        const line = (row: readonly string[]): string => '  ' + row.map((v, i) => (v.length > widths[i] ? v.slice(0, widths[i] - 1) + '…' : v.padEnd(widths[i]))).join('  ').trimEnd();
        const more = r.count > r.members.rows.length ? [`  … and ${r.count - r.members.rows.length} more`] : [];
        return [head, title, line(rows[0]), line(widths.map(w => '-'.repeat(w))), ...rows.slice(1).map(line), ...more].filter(Boolean).join('\n');
    });
    return blocks.join('\n\n');
}

function cell(v: ShowValue | undefined): string | number | bigint | boolean | null {
    if (v === undefined || v === null) return null;
    if (v instanceof Uint8Array) return `<${v.length} bytes>`;
    return v;
}
