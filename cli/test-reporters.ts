import { relative } from 'node:path';
import { stringifyJson } from '../compiler/keys.js';
import { ENGINE_LABELS } from '../engine/open-engine.js';
import type { CheckResult, TestResult } from '../testing/results.js';

export type ReporterName = 'default' | 'json' | 'junit' | 'github';
export const REPORTERS: readonly ReporterName[] = ['default', 'json', 'junit', 'github'];

/** The text a reporter prints for a run's results: paths relative to `cwd`. */
export function report(reporter: ReporterName, results: readonly TestResult[], cwd = process.cwd()): string {
    switch (reporter) {
        case 'default': return defaultReport(results, cwd);
        case 'json': return jsonReport(results, cwd);
        case 'junit': return junitReport(results, cwd);
        case 'github': return githubReport(results, cwd);
    }
}

const file = (r: TestResult, cwd: string): string => relative(cwd, r.test.file) || r.test.file;
const label = (r: TestResult): string => ENGINE_LABELS[r.engine];

/** Each test on a line (`ok`, `FAIL`, `ERROR`), failures with expected and actual and the explanations, then a summary. */
function defaultReport(results: readonly TestResult[], cwd: string): string {
    const lines: string[] = [];
    for (const r of results) {
        const head = `${file(r, cwd)}:${r.test.line} ${r.test.name} [${label(r)}]`;
        if (r.status === 'passed') {
            lines.push(`ok    ${head} (${r.ms} ms)`);
            continue;
        }
        if (r.status === 'error') {
            lines.push(`ERROR ${head}`, `      ${r.error ?? ''}`);
            continue;
        }
        lines.push(`FAIL  ${head}`);
        for (const c of r.checks.filter(c => !c.passed)) lines.push(...checkLines(c, '      '));
    }
    lines.push('', summary(results));
    return lines.join('\n');
}

function checkLines(c: CheckResult, indent: string): string[] {
    const lines = [`${indent}line ${c.line}: ${c.text}`, `${indent}  ${c.message}`, `${indent}  expected: ${c.expected}`, `${indent}  actual:   ${c.actual}`];
    for (const e of c.explanations) for (const l of e.lines) lines.push(`${indent}  ${l}`);
    return lines;
}

export function summary(results: readonly TestResult[]): string {
    const n = (status: TestResult['status']): number => results.filter(r => r.status === status).length;
    const engines = [...new Set(results.map(label))].join(', ');
    return `${n('passed')} passed, ${n('failed')} failed, ${n('error')} could not run${engines ? ` (${engines})` : ''}`;
}

/** One JSON array, an object per test and engine. */
function jsonReport(results: readonly TestResult[], cwd: string): string {
    return stringifyJson(results.map(r => ({
        file: file(r, cwd), line: r.test.line, name: r.test.name, segment: r.test.segment, engine: r.engine,
        asOf: r.test.plan?.asOf ?? null, status: r.status, ...(r.errorKind ? { errorKind: r.errorKind } : {}),
        ...(r.error ? { error: r.error } : {}), ...(r.count !== undefined ? { count: r.count } : {}), ms: r.ms,
        checks: r.checks.map(c => ({
            line: c.line, text: c.text, passed: c.passed, expected: c.expected, actual: c.actual,
            ...(c.expectedKeys ? { expectedKeys: c.expectedKeys } : {}), ...(c.actualKeys ? { actualKeys: c.actualKeys } : {}),
            differing: c.differing, ...(c.passed ? {} : { message: c.message }), explanations: c.explanations
        }))
    })), 2);
}

/**
 * JUnit XML, as CI systems read it: a `testsuite` per engine, a `testcase` per test (classname
 * its file, with `file` and `line`), a `failure` with each failing check's expected and actual
 * keys, an `error` for a test that could not run.
 */
function junitReport(results: readonly TestResult[], cwd: string): string {
    const engines = [...new Set(results.map(r => r.engine))];
    const count = (rs: readonly TestResult[], status: TestResult['status']): number => rs.filter(r => r.status === status).length;
    const seconds = (rs: readonly TestResult[]): string => (rs.reduce((t, r) => t + r.ms, 0) / 1000).toFixed(3);
    const lines = ['<?xml version="1.0" encoding="UTF-8"?>',
        `<testsuites name="segments test" tests="${results.length}" failures="${count(results, 'failed')}" errors="${count(results, 'error')}" time="${seconds(results)}">`];
    for (const engine of engines) {
        const rs = results.filter(r => r.engine === engine);
        lines.push(`  <testsuite name="${xml(ENGINE_LABELS[engine])}" tests="${rs.length}" failures="${count(rs, 'failed')}" errors="${count(rs, 'error')}" skipped="0" time="${seconds(rs)}">`);
        for (const r of rs) {
            const attrs = `classname="${xml(file(r, cwd))}" name="${xml(r.test.name)}" file="${xml(file(r, cwd))}" line="${r.test.line}" time="${(r.ms / 1000).toFixed(3)}"`;
            if (r.status === 'passed') {
                lines.push(`    <testcase ${attrs}/>`);
                continue;
            }
            lines.push(`    <testcase ${attrs}>`);
            if (r.status === 'error') {
                lines.push(`      <error message="${xml(r.error ?? '')}" type="${r.errorKind ?? 'error'}"/>`);
            } else {
                const failed = r.checks.filter(c => !c.passed);
                const body = failed.flatMap(c => checkLines(c, '')).join('\n');
                lines.push(`      <failure message="${xml(failed.map(c => `line ${c.line}: ${c.message}`).join(' '))}" type="assertion">${xml(body)}</failure>`);
            }
            lines.push('    </testcase>');
        }
        lines.push('  </testsuite>');
    }
    lines.push('</testsuites>');
    return lines.join('\n');
}

/** XML text and attribute values: the five special characters escaped, characters XML 1.0 forbids left out. */
function xml(text: string): string {
    return text
        .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
        .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * GitHub Actions workflow commands: an `::error` annotation on the line of each failing check
 * (on the test's line for a test that could not run), then the summary.
 */
function githubReport(results: readonly TestResult[], cwd: string): string {
    const lines: string[] = [];
    for (const r of results) {
        const title = `${r.test.name} [${label(r)}]`;
        if (r.status === 'error') lines.push(annotation(file(r, cwd), r.test.line, title, r.error ?? ''));
        for (const c of r.checks.filter(c => !c.passed)) {
            const explained = c.explanations.flatMap(e => e.lines);
            lines.push(annotation(file(r, cwd), c.line, title, [`${c.text}: ${c.message}`, `expected: ${c.expected}`, `actual: ${c.actual}`, ...explained].join('\n')));
        }
    }
    lines.push(summary(results));
    return lines.join('\n');
}

function annotation(path: string, line: number, title: string, message: string): string {
    return `::error file=${property(path)},line=${line},title=${property(title)}::${data(message)}`;
}

/** Escapes of workflow command data and properties (GitHub's toolkit `escapeData` / `escapeProperty`). */
function data(text: string): string {
    return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function property(text: string): string {
    return data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
