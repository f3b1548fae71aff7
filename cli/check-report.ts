import { relative } from 'node:path';
import { codeOf, formatDiagnostic, type FileDiagnostic } from './diagnostics.js';

export type CheckFormat = 'text' | 'json' | 'github';

/** One problem as `check --format json` prints it: positions 1-based, the end just past the last character. */
export interface CheckedProblem {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly endLine: number;
    readonly endColumn: number;
    readonly severity: 'error' | 'warning';
    readonly code: string;
    readonly message: string;
}

/** What `check` found: the problems in file and position order, and how many files it read. */
export interface CheckReport {
    readonly problems: readonly FileDiagnostic[];
    readonly files: number;
}

/** The problem as printed: the path relative to `cwd`, as the text format writes it. */
export function checkedProblem(d: FileDiagnostic, cwd = process.cwd()): CheckedProblem {
    const { start, end } = d.diagnostic.range;
    const raw = d.diagnostic.message;
    return {
        file: relative(cwd, d.file) || d.file,
        line: start.line + 1,
        column: start.character + 1,
        endLine: end.line + 1,
        endColumn: end.character + 1,
        severity: d.diagnostic.severity === 2 ? 'warning' : 'error',
        code: codeOf(d.diagnostic),
        message: typeof raw === 'string' ? raw : raw.value
    };
}

/** The report in the chosen format, one string to print (empty when text or github find nothing). */
export function formatCheckReport(report: CheckReport, format: CheckFormat, cwd = process.cwd()): string {
    switch (format) {
        case 'text':
            return report.problems.map(d => formatDiagnostic(d, cwd)).join('\n');
        case 'json':
            return checkJson(report, cwd);
        case 'github':
            return report.problems.map(d => githubCommand(checkedProblem(d, cwd))).join('\n');
        default:
            return assertUnreachable(format);
    }
}

/**
 * `{ version, diagnostics, summary }`: version 1 of the format; `diagnostics` as
 * `CheckedProblem`; `summary` the files read and the errors and warnings found.
 */
function checkJson(report: CheckReport, cwd: string): string {
    const diagnostics = report.problems.map(d => checkedProblem(d, cwd));
    const errors = diagnostics.filter(d => d.severity === 'error').length;
    return JSON.stringify({
        version: 1,
        diagnostics,
        summary: { files: report.files, errors, warnings: diagnostics.length - errors }
    }, null, 2);
}

/**
 * A GitHub Actions workflow command that annotates the file: `::error file=F,line=L,...::message`.
 * GitHub places a column range only within one line, so `col` and `endColumn` are left out of a
 * range over several lines.
 */
export function githubCommand(p: CheckedProblem): string {
    const properties: [string, string | number][] = [['file', p.file], ['line', p.line]];
    if (p.line === p.endLine) properties.push(['col', p.column]);
    properties.push(['endLine', p.endLine]);
    if (p.line === p.endLine) properties.push(['endColumn', p.endColumn]);
    properties.push(['title', p.code]);
    const props = properties.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',');
    return `::${p.severity} ${props}::${escapeData(p.message)}`;
}

/** The message of a workflow command: `%`, CR and LF percent-encoded (GitHub's `escapeData`). */
export function escapeData(text: string): string {
    return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value of a workflow command: as a message, and `:` and `,` too (GitHub's `escapeProperty`). */
export function escapeProperty(text: string): string {
    return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function assertUnreachable(value: never): never {
    throw new Error(`unexpected check format ${String(value)}`);
}
