import type { TestReason } from '../compiler/test-plan.js';
import type { Explanation } from '../explain/types.js';

/**
 * What keeps a profile out, as Explain Membership shows it: a group or sequence that fails it
 * (a first, `union` or `intersect` block that does not hold it, an `exclude` block that does), a
 * compound part that fails it the same way, a `top` or `sample` step that leaves out a profile
 * that was among the members before it.
 */
export function failingReasons(e: Explanation): TestReason[] {
    const reasons: TestReason[] = [];
    if (!e.exists) return reasons;
    e.groups.forEach((g, index) => {
        if (g.operator === 'exclude' ? g.passes : !g.passes) reasons.push({ kind: 'block', index, label: g.label });
    });
    e.parts.forEach((p, index) => {
        if (p.operator === 'exclude' ? p.member : !p.member) reasons.push({ kind: 'part', index, segment: p.segment });
    });
    for (const s of e.steps) if (s.before && !s.passes) reasons.push({ kind: 'step', step: s.step });
    return reasons;
}

/** Whether `reason` names the same group, sequence, part or step as `found`. */
export function sameReason(reason: TestReason, found: TestReason): boolean {
    if (reason.kind !== found.kind) return false;
    if (reason.kind === 'step') return found.kind === 'step' && found.step === reason.step;
    return 'index' in found && found.index === reason.index;
}

/** A reason as a test writes it after `by`. */
export function reasonText(reason: TestReason): string {
    switch (reason.kind) {
        case 'block': return reason.label;
        case 'part': return reason.segment;
        case 'step': return reason.step;
    }
}

/** The explanation of one key as indented lines of text, as the Explain Membership view lists it. */
export function explanationLines(e: Explanation): string[] {
    const key = String(e.key);
    if (!e.exists) {
        return [e.later
            ? `${key} is in the data, but its ${e.later.time} is after ${e.later.asOf}: the profile does not exist yet.`
            : `${key} is not a ${e.audience} at this instant.`];
    }
    const lines = [`${key} is ${e.member ? 'a member' : 'not a member'} of ${e.segment}:`];
    for (const g of e.groups) {
        const label = /^(group|sequence) \d+$/.test(g.label) ? g.label : `${g.block} ${g.label}`;
        lines.push(`  ${g.operator ? `${g.operator} ` : ''}${label}: ${g.passes ? 'holds it' : 'does not hold it'}`);
        for (const c of g.conditions) lines.push(`    ${c.text}: ${c.passes ? 'passes' : 'fails'}${c.detail ? `. ${c.detail}` : ''}`);
    }
    for (const p of e.parts) lines.push(`  ${p.operator ? `${p.operator} ` : ''}${p.segment}: ${p.member ? 'holds it' : 'does not hold it'}`);
    for (const s of e.steps) lines.push(`  ${s.text}: ${s.passes ? 'keeps it' : 'leaves it out'}. ${s.detail}`);
    if (e.kind === 'static') lines.push(e.member ? '  it is listed' : '  it is not listed');
    return lines;
}
