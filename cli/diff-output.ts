import type { KeyValue } from '../compiler/ir.js';
import { keyText, stringifyJson } from '../compiler/keys.js';
import type { ChangeKind } from './segment-changes.js';

/** A segment on one side: its count, its errors' first line, or absent. */
export type DiffSide =
    | { readonly state: 'ok'; readonly count: number; readonly audience: string }
    | { readonly state: 'error'; readonly error: string }
    | { readonly state: 'absent' };

/** Keys in one side only: all of them counted, the first `limit` listed (ascending). */
export interface KeyList {
    readonly count: number;
    readonly keys: readonly KeyValue[];
}

export interface DiffEntry {
    readonly name: string;
    readonly title: string;
    readonly change: ChangeKind;
    readonly because: readonly string[];
    readonly before: DiffSide;
    readonly after: DiffSide;
    /** Absent when a side has errors (no members to compare). */
    readonly entered?: KeyList;
    readonly left?: KeyList;
}

export interface DiffReport {
    /** The revision as given, and the commit it names. */
    readonly base: string;
    readonly commit: string;
    readonly asOf: string;
    /** The engine's label (sql.js, DuckDB, PostgreSQL). */
    readonly engine: string;
    /** How many keys each list shows at most. */
    readonly limit: number;
    readonly segments: readonly DiffEntry[];
}

/** JSON for scripts: 64-bit keys as exact numbers, a side with errors as `{ "state": "error", "error": ... }`. */
export function formatDiffJson(report: DiffReport): string {
    return stringifyJson({
        base: report.base, commit: report.commit, asOf: report.asOf, engine: report.engine,
        segments: report.segments.map(s => ({
            name: s.name, title: s.title, change: s.change, because: s.because,
            before: s.before, after: s.after, entered: s.entered ?? null, left: s.left ?? null
        }))
    }, 2);
}

const short = (commit: string): string => commit.slice(0, 7);

function count(side: DiffSide): string {
    return side.state === 'ok' ? String(side.count) : side.state === 'error' ? 'error' : '-';
}

function signed(list: KeyList | undefined, sign: '+' | '-'): string {
    return list ? `${sign}${list.count}` : '';
}

function noChange(report: DiffReport): string {
    return `No segment's definition differs from ${report.base} (${short(report.commit)}).`;
}

/** For terminals: one line per segment, then the keys that moved and the errors. */
export function formatDiffTable(report: DiffReport): string {
    const head = `${report.base} (${short(report.commit)}) -> working tree, as of ${report.asOf} on ${report.engine}`;
    if (report.segments.length === 0) return `${head}\n${noChange(report)}`;
    const rows = [
        ['segment', 'change', 'before', 'after', 'entered', 'left', 'because'],
        ...report.segments.map(s => [s.name, s.change, count(s.before), count(s.after), signed(s.entered, '+'), signed(s.left, '-'), s.because.join(', ')])
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
    const numeric = new Set([2, 3, 4, 5]);
    const line = (r: readonly string[]): string => r.map((v, i) => (numeric.has(i) ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
    const details = report.segments.flatMap(s => detailLines(s, report.limit).map(d => `  ${s.name}: ${d}`));
    return [head, '', line(rows[0]), ...rows.slice(1).map(line), ...(details.length ? ['', ...details] : [])].join('\n');
}

/** The details of one segment as plain sentences: keys entered and left, errors per side. */
function detailLines(s: DiffEntry, limit: number, key: (k: KeyValue) => string = keyText, text: (t: string) => string = t => t): string[] {
    const lines: string[] = [];
    const keys = (label: string, list: KeyList | undefined): void => {
        if (!list || list.count === 0) return;
        const shown = list.keys.map(key).join(', ');
        const more = list.count > list.keys.length ? ` (the first ${list.keys.length} of ${list.count})` : limit === 0 ? ` (${list.count}, none listed)` : '';
        lines.push(`${label} ${list.count}: ${shown}${more}`);
    };
    keys('entered', s.entered);
    keys('left', s.left);
    if (s.before.state === 'error') lines.push(`errors before: ${text(s.before.error)}`);
    if (s.after.state === 'error') lines.push(`errors now: ${text(s.after.error)}`);
    if (s.before.state === 'ok' && s.after.state === 'ok' && s.before.audience !== s.after.audience) lines.push(`audience ${s.before.audience} -> ${s.after.audience}`);
    return lines;
}

/** Markdown for a pull-request comment: a table, then the details of each segment. */
export function formatDiffMarkdown(report: DiffReport): string {
    const out = [`### Segment membership: \`${report.base}\` (${short(report.commit)}) → this change`, '', `As of ${report.asOf} on ${report.engine}, the same data on both sides.`, ''];
    if (report.segments.length === 0) return [...out, noChange(report)].join('\n');
    out.push('| Segment | Change | Before | After | Entered | Left |', '| --- | --- | ---: | ---: | ---: | ---: |');
    for (const s of report.segments) {
        const change = s.change === 'depends' ? `depends on ${s.because.map(reason).join(', ')}` : s.change;
        out.push(`| ${code(s.name)} | ${change.replace(/\|/g, '\\|')} | ${count(s.before)} | ${count(s.after)} | ${signed(s.entered, '+')} | ${signed(s.left, '-')} |`);
    }
    for (const s of report.segments) {
        const lines = detailLines(s, report.limit, k => code(keyText(k)), code);
        if (lines.length === 0) continue;
        out.push('', `#### ${code(s.name)}${s.title !== s.name ? `: ${escapeMarkdown(s.title)}` : ''}`, '', ...lines.map(l => `- ${l.charAt(0).toUpperCase()}${l.slice(1)}`));
    }
    return out.join('\n');
}

/** A segment's name, or `measure Entity.Name`, with the name as code. */
function reason(because: string): string {
    return because.startsWith('measure ') ? `measure ${code(because.slice('measure '.length))}` : code(because);
}

/** A code span that holds any text: fenced with more backticks than it contains in a row. */
function code(text: string): string {
    const runs = text.match(/`+/g) ?? [];
    const fence = '`'.repeat(Math.max(0, ...runs.map(r => r.length)) + 1);
    const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
    return `${fence}${pad}${text}${pad}${fence}`;
}

function escapeMarkdown(text: string): string {
    return text.replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, c => `\\${c}`);
}
