import type { Explanation, ExplainedGroup, MembershipExplanation, ExplainedPart, ExplainedRecords, ExplainedStep } from '../src/shared/data.js';
import type { ViewState } from '../src/shared/messages.js';
import { host } from './api.js';
import { busyIndicator } from './busy.js';
import { button, h, linkButton, replaceChildren } from './dom.js';

/** Explain Membership: for one key, the groups and conditions it passes or fails, or the parts holding it. */
const app = document.getElementById('app')!;
let state: ViewState = host.state();
const setBusy = busyIndicator('Explaining…');
replaceChildren(app, h('p', { class: 'empty' }, 'Run “Segments: Explain Membership” and pick a key.'));

host.onMessage(message => {
    switch (message.type) {
        case 'explanation':
            state = { ...state, view: 'explain', segment: message.explanation.segment, key: message.explanation.key };
            host.saveState(state);
            replaceChildren(app, ...render(message.explanation));
            return;
        case 'busy':
            setBusy(message.busy);
            return;
        case 'failure':
            replaceChildren(app, h('div', { class: 'failure', role: 'alert' }, message.message));
            return;
        case 'preview':
        case 'dashboard':
        case 'flow':
            return;
    }
});
host.post({ type: 'ready', state });

const mark = (ok: boolean): HTMLElement => h('span', { class: `mark ${ok ? 'pass' : 'fail'}`, 'aria-hidden': 'true' }, ok ? '✓' : '✗');

function render(e: MembershipExplanation): Node[] {
    const key = String(e.key);
    const verdict = e.later
        ? `${key} does not exist yet as of ${e.later.asOf}: its ${e.later.time} is later, or missing, so it is in no segment.`
        : !e.exists
        ? `${key} is not a key of ${e.audience}: no profile has it, so it is in no segment.`
        : `${key} ${e.member ? 'is' : 'is not'} a member of ${e.segment}.`;
    return [
        h('header', {},
            h('h1', {}, linkButton(e.title, () => host.post({ type: 'reveal', location: e.location }), 'Go to the segment')),
            h('p', { class: 'meta' }, h('span', { class: `kind ${e.kind}` }, e.kind), ' ', e.segment, ' · audience ', e.audience, ' · ', h('span', { 'data-testid': 'engine', title: 'The engine that ran it (setting segments.engine)' }, e.engine)),
            h('div', { class: 'actions' },
                button('Explain another key…', () => host.post({ type: 'command', command: 'explain', segment: e.segment })),
                button('Details', () => host.post({ type: 'openDetails', segment: e.segment })))),
        h('p', { class: `verdict ${e.exists && e.member ? 'pass' : 'fail'}`, 'data-testid': 'verdict' }, mark(e.exists && e.member), ' ', verdict),
        e.groups.length ? groupsSection(e) : null,
        e.parts.length ? partsSection(e.parts) : null,
        e.steps.length ? stepsSection(e.steps) : null,
        e.kind === 'static' && e.exists ? h('p', { class: 'hint' }, e.member ? 'The key is listed in the segment’s members.' : 'The key is not listed in the segment’s members.') : null
    ].filter((n): n is HTMLElement => n !== null);
}

function groupsSection(e: Explanation): HTMLElement {
    return h('section', { class: 'explain-groups' },
        h('h2', {}, 'Groups'),
        h('p', { class: 'hint' }, e.groups.some(g => g.block === 'sequence')
            ? 'Each group and each of its top-level conditions tested alone for this profile; a sequence step by step, with the records of the chain found. Groups and sequences combine left to right.'
            : 'Each group and each of its top-level conditions tested alone for this profile; groups combine left to right.'),
        h('ol', { class: 'explained' }, ...e.groups.map(groupItem)));
}

function groupItem(g: ExplainedGroup): HTMLElement {
    // An excluded group: holding the profile is the bad outcome, so the mark says what happens to it.
    const excluded = g.operator === 'exclude';
    const outcome = excluded ? (g.passes ? ` holds it: excluded by ${g.label}` : ' does not hold it: not excluded')
        : `${g.passes ? ' passes' : ' fails'}${g.operator === 'intersect' && !g.passes ? ' — so the intersection drops it' : ''}`;
    return h('li', { class: `${g.block} ${g.passes ? 'pass' : 'fail'}`, 'data-group': g.label, 'data-block': g.block, 'data-passes': String(g.passes) },
        mark(excluded ? !g.passes : g.passes), ' ',
        g.operator ? h('span', { class: 'operator' }, `${g.operator} `) : null,
        linkButton(g.label, () => host.post({ type: 'reveal', location: g.location }), `Go to the ${g.block}`),
        g.block === 'sequence' && !g.label.startsWith('sequence ') ? h('span', { class: 'tag' }, 'sequence') : null,
        h('span', { class: 'outcome' }, outcome),
        g.conditions.length ? h(g.block === 'sequence' ? 'ol' : 'ul', { class: `conditions${g.block === 'sequence' ? ' chain' : ''}` }, ...g.conditions.map(c =>
            h('li', { class: `condition ${c.passes ? 'pass' : 'fail'}`, 'data-passes': String(c.passes), ...(c.time ? { 'data-time': c.time } : {}) },
                mark(c.passes), ' ',
                linkButton(c.text, () => host.post({ type: 'reveal', location: c.location }), g.block === 'sequence' ? 'Go to the step' : 'Go to the condition'),
                h('span', { class: 'outcome' }, c.passes ? (g.records ? ' passes alone' : ' passes') : ' fails'),
                c.detail ? h('div', { class: 'detail' }, c.detail) : null))) : null,
        g.records ? recordsNote(g, g.records) : null);
}

/** Which of the profile's related records come closest to meeting the group's conditions together. */
function recordsNote(g: ExplainedGroup, r: ExplainedRecords): HTMLElement {
    const what = r.entities.join(' with ');
    const of = (keys: readonly (string | number)[]): string => keys.map((k, i) => `${r.entities[i]} ${k}`).join(', ');
    const note = h('div', { class: 'records', 'data-testid': 'records', 'data-rows': String(r.rows) });
    if (r.rows === 0) {
        note.append(h('p', { class: 'detail' }, `This profile has no ${what} record, so no condition on it can hold.`));
        return note;
    }
    const count = r.rows >= r.cap ? `${r.cap.toLocaleString('en')} or more` : r.rows.toLocaleString('en');
    if (g.passes) {
        const met = r.closest.find(c => c.failing.length === 0);
        note.append(h('p', { class: 'detail' }, `Every condition holds on the same record${met ? `: ${of(met.keys)}` : ''} (of ${count} ${what} ${r.rows === 1 ? 'record' : 'records'}).`));
        return note;
    }
    note.append(h('p', { class: 'detail' }, `The conditions must hold on the same ${what} record, and none of its ${count} does. Closest:`),
        h('ul', { class: 'closest' }, ...r.closest.map(c => h('li', { 'data-keys': c.keys.join(','), 'data-failing': c.failing.join(',') },
            h('span', { class: 'record' }, of(c.keys)), ' fails ',
            ...c.failing.flatMap((i, n) => [n > 0 ? ', ' : '', h('code', {}, g.conditions[i]?.text ?? `condition ${i + 1}`)])))));
    return note;
}

function partsSection(parts: readonly ExplainedPart[]): HTMLElement {
    return h('section', { class: 'explain-parts' },
        h('h2', {}, 'Parts'),
        h('p', { class: 'hint' }, 'Which parts hold this profile; parts combine left to right.'),
        h('ol', { class: 'explained' }, ...parts.map(p => h('li', { class: `part ${p.member ? 'pass' : 'fail'}`, 'data-segment': p.segment, 'data-passes': String(p.member) },
            mark(p.member), ' ',
            p.operator ? h('span', { class: 'operator' }, `${p.operator} `) : null,
            p.location ? linkButton(p.segment, () => { if (p.location) host.post({ type: 'reveal', location: p.location }); }, 'Go to the segment') : p.segment,
            h('span', { class: 'outcome' }, p.member ? ' contains it' : ' does not contain it')))));
}

function stepsSection(steps: readonly ExplainedStep[]): HTMLElement {
    return h('section', { class: 'explain-steps' },
        h('h2', {}, 'Steps'),
        h('p', { class: 'hint' }, 'Applied left to right to the members before them.'),
        h('ol', { class: 'explained' }, ...steps.map(s => h('li', { class: `step ${s.passes ? 'pass' : 'fail'}`, 'data-step': s.step, 'data-passes': String(s.passes) },
            mark(s.passes), ' ',
            linkButton(s.text, () => host.post({ type: 'reveal', location: s.location }), 'Go to the step'),
            h('span', { class: 'outcome' }, !s.before ? ' — not among the members before it' : s.passes ? ' keeps it' : ' drops it'),
            h('div', { class: 'detail' }, s.detail)))));
}
