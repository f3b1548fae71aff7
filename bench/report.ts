/** The benchmark's printed tables: per size, per segment, engines side by side, with ratios. */
import type { WorkerResult } from './worker.js';

export const ms = (v: number | undefined): string => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(0));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b === 0 ? '-' : `${(a / b).toFixed(2)}x`);

/**
 * One size's results, a row per segment: name, members, then sql.js, hand-tuned on sql.js and
 * their ratio, the same for native SQLite, sql.js ÷ native (taken in turns in the sql.js process
 * when it ran there), then each of `others` (an engine that did not run shows `-`).
 */
export function segmentRows(sized: readonly WorkerResult[], others: readonly (WorkerResult | undefined)[]): string[][] {
    const sqljs = sized.find(r => r.engine === 'sqljs');
    const native = sized.find(r => r.engine === 'native');
    const names = (sqljs ?? native ?? sized[0]).segments.map(s => s.segment);
    return names.map(name => {
        const a = sqljs?.segments.find(s => s.segment === name);
        const b = native?.segments.find(s => s.segment === name);
        const agree = [a, b].every(x => x?.handTunedAgrees !== false) ? '' : ' (hand-tuned keys differ!)';
        const members = a?.members ?? b?.members;
        return [
            name + agree, String(members ?? '-'),
            ms(a?.compiledMs), ms(a?.handTunedMs), ratio(a?.compiledMs, a?.handTunedMs),
            ms(b?.compiledMs), ms(b?.handTunedMs), ratio(b?.compiledMs, b?.handTunedMs),
            a?.nativeSameRunMs !== undefined ? ratio(a.compiledMs, a.nativeSameRunMs) : ratio(a?.compiledMs, b?.compiledMs),
            ...others.map(o => {
                const s = o?.segments.find(x => x.segment === name);
                return s ? `${ms(s.compiledMs)}${members !== undefined && s.members !== members ? ' (members differ!)' : ''}` : '-';
            })
        ];
    });
}

export function formatTables(results: readonly WorkerResult[]): string {
    const lines: string[] = [];
    for (const size of [...new Set(results.map(r => r.size))]) {
        const bySize = results.filter(r => r.size === size);
        lines.push(`\n== ${size}: load ms / storage facts ms / peak RSS MiB: ${bySize.map(r => `${r.engine} ${ms(r.loadMs)} / ${r.storageMs !== undefined ? ms(r.storageMs) : '-'} / ${r.peakRssMiB}`).join(', ')}`);
        const others = bySize.filter(r => r.engine !== 'sqljs' && r.engine !== 'native');
        const header = ['segment', 'members', 'sql.js', 'hand sql.js', 'vs hand', 'native', 'hand native', 'vs hand', 'sql.js/native', ...others.map(o => o.engine)];
        const rows: string[][] = [header, ...segmentRows(bySize, others)];
        const widths = header.map((_, i) => Math.max(...rows.map(r => r[i].length)));
        for (const r of rows) lines.push(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    }
    lines.push('\ntimes: median milliseconds of the segment query (compound parts inlined); "vs hand": compiled / hand-tuned, run in turns;');
    lines.push('"sql.js/native": against native SQLite run in turns in the sql.js process (the native column is its own process)');
    return lines.join('\n');
}
