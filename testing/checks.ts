import { keyText, type KeyValue } from '../compiler/keys.js';
import type { CheckPlan, TestReason } from '../compiler/test-plan.js';
import type { Explanation } from '../explain/types.js';
import { explanationLines, failingReasons, reasonText, sameReason } from './explain-text.js';
import type { CheckResult, KeyExplanation } from './results.js';

/** What a check needs from the run: the members of other segments, and the explanation of one key in the tested segment. */
export interface CheckEnv {
    readonly segment: string;
    keysOf(name: string): Promise<readonly KeyValue[]>;
    explain(key: KeyValue): Promise<Explanation>;
}

/** At most this many differing keys are explained per check (each takes a few queries). */
export const EXPLAINED_KEYS = 5;

/** One check against the tested segment's members. */
export async function evaluateCheck(check: CheckPlan, members: readonly KeyValue[], env: CheckEnv): Promise<CheckResult> {
    const base = { line: check.line, text: check.text };
    const inSegment = idSet(members);
    switch (check.node) {
        case 'members': {
            const found = check.keys.filter(k => inSegment.has(id(k)));
            const missing = check.keys.filter(k => !inSegment.has(id(k)));
            return withExplanations({
                ...base, passed: missing.length === 0,
                message: missing.length === 0 ? '' : `${keyList(missing)} ${missing.length === 1 ? 'is not a member' : 'are not members'} of ${env.segment}.`,
                expected: `members ${keyList(check.keys)}`, actual: found.length > 0 ? `members ${keyList(found)}` : 'none of them is a member',
                expectedKeys: check.keys, actualKeys: found, differing: missing
            }, env);
        }
        case 'not-members': {
            const inside = check.keys.filter(k => inSegment.has(id(k)));
            const out = check.keys.filter(k => !inSegment.has(id(k)));
            const problems = inside.map(k => `${keyText(k)} is a member of ${env.segment}.`);
            const wrong: KeyValue[] = [];
            const explained: KeyExplanation[] = [];
            if (check.reason) {
                for (const k of out) {
                    const e = await env.explain(k);
                    const found = failingReasons(e);
                    if (found.some(r => sameReason(check.reason!, r))) continue;
                    wrong.push(k);
                    problems.push(wrongReason(k, check.reason, found, e));
                    if (explained.length < EXPLAINED_KEYS) explained.push({ key: k, lines: explanationLines(e) });
                }
            }
            const holding = out.filter(k => !wrong.some(w => id(w) === id(k)));
            const result = {
                ...base, passed: problems.length === 0, message: problems.join(' '),
                expected: `not members ${keyList(check.keys)}${check.reason ? ` by ${reasonText(check.reason)}` : ''}`,
                actual: actualOut(inside, wrong, check.reason),
                expectedKeys: check.keys, actualKeys: holding, differing: [...inside, ...wrong]
            };
            return withExplanations(result, env, explained);
        }
        case 'count': {
            const n = members.length;
            const passed = n >= check.low && n <= check.high;
            const expected = check.low === check.high ? `count ${check.low}` : `count between ${check.low} and ${check.high}`;
            return { ...base, passed, message: passed ? '' : `${env.segment} has ${n} member${n === 1 ? '' : 's'}.`, expected, actual: `count ${n}`, differing: [], explanations: [] };
        }
        case 'share': {
            const total = (await env.keysOf(check.of)).length;
            const expected = `count ${check.percent}% of ${check.of} within ${check.tolerance}%`;
            if (total === 0) return { ...base, passed: false, message: `${check.of} has no members, so ${env.segment} is no share of it.`, expected, actual: `${check.of} has no members`, differing: [], explanations: [] };
            const share = (100 * members.length) / total;
            const passed = Math.abs(share - check.percent) <= check.tolerance + 1e-9;
            const actual = `count ${round(share)}% of ${check.of} (${members.length} of ${total})`;
            return { ...base, passed, message: passed ? '' : `${env.segment} is ${round(share)}% of ${check.of}, more than ${check.tolerance} points from ${check.percent}%.`, expected, actual, differing: [], explanations: [] };
        }
        case 'subset':
        case 'disjoint': {
            const other = idSet(await env.keysOf(check.of));
            const differing = members.filter(k => (check.node === 'subset') !== other.has(id(k)));
            const what = check.node === 'subset' ? `not in ${check.of}` : `also in ${check.of}`;
            return withExplanations({
                ...base, passed: differing.length === 0,
                message: differing.length === 0 ? '' : `${differing.length} member${differing.length === 1 ? '' : 's'} of ${env.segment} ${differing.length === 1 ? 'is' : 'are'} ${what}: ${keyList(differing.slice(0, 20))}${differing.length > 20 ? ` and ${differing.length - 20} more` : ''}.`,
                expected: check.node === 'subset' ? `members within ${check.of}` : `no members in ${check.of}`,
                actual: differing.length === 0 ? (check.node === 'subset' ? `members within ${check.of}` : `no members in ${check.of}`) : `${differing.length} member${differing.length === 1 ? '' : 's'} ${what}`,
                differing
            }, env);
        }
    }
}

/** The result with the explanations of its first differing keys (those not explained yet). */
async function withExplanations(result: Omit<CheckResult, 'explanations'>, env: CheckEnv, known: KeyExplanation[] = []): Promise<CheckResult> {
    const explanations = [...known];
    for (const k of result.differing) {
        if (explanations.length >= EXPLAINED_KEYS) break;
        if (explanations.some(e => id(e.key) === id(k))) continue;
        explanations.push({ key: k, lines: explanationLines(await env.explain(k)) });
    }
    return { ...result, explanations };
}

function wrongReason(k: KeyValue, reason: TestReason, found: readonly TestReason[], e: Explanation): string {
    if (!e.exists) return `${keyText(k)} is out because it is not a ${e.audience} at this instant, not by ${reasonText(reason)}.`;
    if (found.length === 0) return `${keyText(k)} is out, but not by ${reasonText(reason)}.`;
    return `${keyText(k)} is out by ${found.map(reasonText).join(' and ')}, not by ${reasonText(reason)}.`;
}

function actualOut(inside: readonly KeyValue[], wrong: readonly KeyValue[], reason: TestReason | undefined): string {
    const parts: string[] = [];
    if (inside.length > 0) parts.push(`members ${keyList(inside)}`);
    if (wrong.length > 0 && reason) parts.push(`not by ${reasonText(reason)}: ${keyList(wrong)}`);
    return parts.length > 0 ? parts.join('; ') : 'none of them is a member';
}

function round(n: number): string {
    return (Math.round(n * 100) / 100).toString();
}

export function keyList(keys: readonly KeyValue[]): string {
    return keys.map(k => (typeof k === 'string' ? JSON.stringify(k) : keyText(k))).join(', ');
}

function id(k: KeyValue): string {
    return typeof k === 'string' ? `s${k}` : `n${keyText(k)}`;
}

function idSet(keys: readonly KeyValue[]): Set<string> {
    return new Set(keys.map(id));
}
