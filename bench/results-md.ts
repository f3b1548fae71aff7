/**
 * Writes bench/RESULTS.md from benchmark JSON files (default .bench/latest.json): one table per
 * size. Later files win for the same size and engine, so separate runs can be combined.
 *
 *   npx tsx bench/results-md.ts .bench/results-A.json .bench/results-B.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ENGINE_LABELS } from '../engine/open-engine.js';
import { BENCH_AS_OF } from './hand-tuned.js';
import { ms, segmentRows } from './report.js';
import type { WorkerResult } from './worker.js';

interface BenchFile {
    readonly date: string;
    readonly node: string;
    readonly command?: string;
    readonly results: readonly WorkerResult[];
    /** Output of the other benchmarks run by the same command (bench/language-server.bench.ts). */
    readonly extra?: readonly { readonly file: string; readonly output: string }[];
}

const ENGINE_LABEL: Readonly<Record<string, string>> = { ...ENGINE_LABELS, native: 'native SQLite' };


function table(rows: readonly (readonly string[])[]): string[] {
    const [header, ...body] = rows;
    return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...body.map(r => `| ${r.join(' | ')} |`)];
}

function sizeSection(size: string, results: readonly WorkerResult[], sources: ReadonlyMap<WorkerResult, BenchFile>): string[] {
    const lines = [`## ${size}`, ''];
    lines.push(...table([
        ['engine', 'load / copy ms', 'storage facts ms', 'peak RSS MiB', 'runs', 'measured', 'note'],
        ...results.map(r => [ENGINE_LABEL[r.engine] ?? r.engine, ms(r.loadMs), r.storageMs !== undefined ? ms(r.storageMs) : '-', String(r.peakRssMiB), String(r.runs), sources.get(r)?.date ?? '-', r.note ?? ''])
    ]), '');
    const header = ['segment', 'members', 'sql.js', 'hand-tuned (sql.js)', 'sql.js / hand', 'native', 'hand-tuned (native)', 'native / hand', 'sql.js / native', 'DuckDB', 'PostgreSQL'];
    const rows = segmentRows(results, ['duckdb', 'postgres'].map(e => results.find(r => r.engine === e)));
    lines.push(...table([header, ...rows]), '');
    return lines;
}

function main(): void {
    const files = process.argv.slice(2);
    const paths = files.length > 0 ? files : ['.bench/latest.json'];
    const sources = new Map<WorkerResult, BenchFile>();
    const bySlot = new Map<string, WorkerResult>();
    const extras = new Map<string, { date: string; output: string }>();
    for (const path of paths) {
        const file = JSON.parse(readFileSync(path, 'utf8')) as BenchFile;
        for (const e of file.extra ?? []) if (e.output.trim()) extras.set(e.file, { date: file.date, output: e.output.trim() });
        for (const r of file.results) {
            bySlot.set(`${r.size}/${r.engine}`, r);
            sources.set(r, file);
        }
    }
    const results = [...bySlot.values()];
    const nodes = [...new Set([...sources.values()].map(f => f.node))].join(', ');
    const lines = [
        '# Benchmark results',
        '',
        'Written by `npx tsx bench/results-md.ts` from the JSON that `npm run bench` writes to `.bench/`.',
        `Node ${nodes}; medians in milliseconds of the segment query as of ${BENCH_AS_OF} (compound parts inlined);`,
        'the compiled query and the hand-tuned one (bench/hand-tuned.ts) run in turns in one process,',
        'and "sql.js / native" compares sql.js with native SQLite (better-sqlite3) run in turns in the',
        'sql.js process; the "native" columns come from their own process. The machine is shared',
        '(2 cores), so single figures carry noise; ratios taken in turns are the reliable ones.',
        ''
    ];
    const commands = [...new Set([...sources.values()].map(f => f.command).filter((c): c is string => c !== undefined))];
    if (commands.length > 0) lines.push('Measured with:', '', ...commands.map(c => `    ${c}`), '');
    for (const size of ['small', 'medium', 'large']) {
        const sized = results.filter(r => r.size === size);
        if (sized.length > 0) lines.push(...sizeSection(size, sized, sources));
    }
    for (const [file, e] of extras) lines.push(`## bench/${file}`, '', `Measured ${e.date}:`, '', ...e.output.split('\n').map(l => `    ${l}`), '');
    writeFileSync('bench/RESULTS.md', `${lines.join('\n')}`);
    process.stdout.write(`written bench/RESULTS.md from ${paths.join(', ')}\n`);
}

main();
