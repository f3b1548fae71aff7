import type { GroupBreakdown, PartBreakdown, PreviewState, SegmentReport, StepBreakdown } from '../src/shared/data.js';
import type { ViewState } from '../src/shared/messages.js';
import { host } from './api.js';
import { busyIndicator } from './busy.js';
import { trendline } from './charts.js';
import { button, formatNumber, h, linkButton, replaceChildren, svg } from './dom.js';
import { destinationSection } from './destinations.js';
import { errorsView } from './errors-list.js';
import { membersTable } from './members-table.js';

/** The preview beside the editor and the segment details page: one script, two layouts. */
const app = document.getElementById('app')!;
let state: ViewState = host.state();
/** The last result shown, kept dimmed under the errors while the text has them (as the Markdown preview keeps its last render). */
let lastGood: SegmentReport | undefined;
const setBusy = busyIndicator('Running…');

host.onMessage(message => {
    switch (message.type) {
        case 'preview':
            render(message.preview);
            return;
        case 'busy':
            setBusy(message.busy);
            return;
        case 'failure':
            replaceChildren(app, h('div', { class: 'failure', role: 'alert' }, message.message));
            return;
        case 'dashboard':
        case 'flow':
        case 'explanation':
            return;
    }
});
host.post({ type: 'ready', state });

function render(preview: PreviewState): void {
    if (preview.state === 'empty') {
        replaceChildren(app, h('p', { class: 'empty' }, preview.reason));
        return;
    }
    if (preview.state === 'errors') {
        const kept = lastGood?.header.name === preview.segment ? lastGood : undefined;
        if (!kept) {
            remember(preview.segment, 0);
            replaceChildren(app, errorsView(preview.segment, preview.problems));
            return;
        }
        const banner = errorsView(preview.segment, preview.problems, `${preview.segment} has errors: below is its last result, as of ${kept.asOf}, until they are fixed`);
        banner.classList.add('stale-banner');
        replaceChildren(app, banner, h('div', { class: 'stale', inert: '', 'data-testid': 'stale' }, ...layout(kept)));
        return;
    }
    const r = preview.report;
    lastGood = r;
    remember(r.header.name, r.page.offset);
    replaceChildren(app, ...layout(r));
}

function layout(r: SegmentReport): Node[] {
    return state.view === 'details' ? detailsLayout(r) : previewLayout(r);
}

function remember(segment: string, offset: number): void {
    state = { ...state, segment, offset };
    host.saveState(state);
}

function header(r: SegmentReport): HTMLElement {
    const seg = r.header.name;
    const actions = h('div', { class: 'actions' },
        state.view === 'preview' ? button('Details', () => host.post({ type: 'openDetails', segment: seg })) : null,
        button('SQL', () => host.post({ type: 'command', command: 'showSql', segment: seg })),
        button('Export CSV', () => host.post({ type: 'command', command: 'exportCsv', segment: seg })),
        button('Explain…', () => host.post({ type: 'command', command: 'explain', segment: seg })),
        r.header.kind !== 'static' ? button('Freeze', () => host.post({ type: 'command', command: 'freeze', segment: seg })) : null);
    return h('header', {},
        h('h1', {}, linkButton(r.header.title, () => host.post({ type: 'reveal', location: r.header.location }), 'Go to the segment')),
        h('p', { class: 'meta' },
            h('span', { class: `kind ${r.header.kind}` }, r.header.kind), ' ', seg, ' · audience ', r.header.audience,
            r.header.active ? '' : ' · inactive', ' · as of ', r.asOf, ` · ${r.elapsedMs} ms · `, h('span', { 'data-testid': 'engine', title: 'The engine that ran it (setting segments.engine)' }, r.engine)),
        r.header.description ? h('p', { class: 'description' }, r.header.description) : null,
        actions);
}

function countBlock(r: SegmentReport): HTMLElement {
    return h('p', { class: 'count' }, h('strong', { 'data-testid': 'count' }, formatNumber(r.count)), ` ${r.header.audience} ${r.count === 1 ? 'profile' : 'profiles'}`);
}

function previewLayout(r: SegmentReport): Node[] {
    return [
        header(r),
        countBlock(r),
        flow(r),
        changes(r),
        h('section', { class: 'trend' }, h('h2', {}, 'Trend'), r.trend.length ? trendline(r.trend) : h('p', { class: 'hint' }, 'No history yet: refresh, or run “Segments: Back-fill Trendlines”.')),
        h('section', {}, h('h2', {}, 'Members'), membersTable(r.page, page)),
        sql(r)
    ];
}

function detailsLayout(r: SegmentReport): Node[] {
    return [
        header(r),
        countBlock(r),
        h('section', { class: 'trend' }, h('h2', {}, 'Membership over time'), r.trend.length ? trendline(r.trend, 220) : h('p', { class: 'hint' }, 'No history yet.')),
        changes(r),
        destinationSection(r.destinations),
        h('section', {}, h('h2', {}, 'Members'), membersTable(r.page, page)),
        flow(r),
        sql(r)
    ];
}

function page(offset: number): void {
    host.post({ type: 'page', offset });
}

/**
 * The segment as a flow: groups (a sequence as its funnel) or parts as boxes joined by their
 * set operations, then the `top` and `sample` steps with the count before and after each.
 */
function flow(r: SegmentReport): HTMLElement {
    if (r.breakdownPending) {
        return h('section', { class: 'flow-section' }, h('h2', {}, r.header.kind === 'compound' ? 'Parts' : 'Groups'),
            h('p', { class: 'hint', role: 'status', 'data-testid': 'breakdown-pending' }, 'Counting each group and condition…'));
    }
    // Each operator travels with the box after it, so a narrow view never leaves one (the `=` above all) alone at the end of a line.
    const boxes: Node[] = [];
    const item = (operator: HTMLElement | null, box: HTMLElement): HTMLElement => h('div', { class: 'flow-item' }, operator, box);
    r.groups.forEach(g => boxes.push(item(g.operator ? h('div', { class: 'operator' }, g.operator) : null, g.block === 'sequence' ? sequenceBox(g) : groupBox(g))));
    r.parts.forEach(p => boxes.push(item(p.operator ? h('div', { class: 'operator' }, p.operator) : null, partBox(p))));
    if (boxes.length === 0) return h('div');
    r.steps.forEach(s => boxes.push(item(h('div', { class: 'operator then', 'aria-label': 'then' }, '→'), stepBox(s))));
    boxes.push(item(h('div', { class: 'operator' }, '='), h('div', { class: 'box result' }, h('div', { class: 'box-title' }, r.header.audience), h('div', { class: 'box-count' }, formatNumber(r.count)))));
    const title = r.groups.length ? (r.groups.every(g => g.block === 'sequence') ? 'Sequence' : 'Groups') : 'Parts';
    return h('section', { class: 'flow-section' }, h('h2', {}, r.steps.length ? `${title} and steps` : title), h('div', { class: 'flow' }, ...boxes));
}

function groupBox(g: GroupBreakdown): HTMLElement {
    const steps = g.steps.map((s, i) => h('li', {},
        linkButton(s.text, () => host.post({ type: 'reveal', location: s.location }), 'Go to the condition'),
        h('span', { class: 'step-count' }, i === 0 ? formatNumber(s.count) : `→ ${formatNumber(s.count)}`),
        h('progress', { max: String(Math.max(1, g.steps[0].count)), value: String(s.count) })));
    return h('div', { class: 'box group', 'data-group': g.label },
        h('div', { class: 'box-title' }, linkButton(g.label, () => host.post({ type: 'reveal', location: g.location }), 'Go to the group')),
        h('div', { class: 'box-count' }, formatNumber(g.count)),
        steps.length ? h('ol', { class: 'steps' }, ...steps) : null);
}

/**
 * A sequence as a funnel (reference 6.3): for each step, the profiles in the sequence cut after
 * it, a bar as wide as that share of step 1, and the share of the step before that went on.
 */
function sequenceBox(g: GroupBreakdown): HTMLElement {
    const first = Math.max(1, g.steps[0]?.count ?? 0);
    const steps = g.steps.map((s, i) => {
        const previous = i > 0 ? g.steps[i - 1].count : undefined;
        const share = previous === undefined ? '' : `${percent(s.count, previous)} of step ${i}`;
        return h('li', { class: `funnel-step${s.none ? ' none' : ''}`, 'data-step': String(i + 1), 'data-count': String(s.count) },
            h('div', { class: 'funnel-line' },
                h('span', { class: 'funnel-index', 'aria-hidden': 'true' }, String(i + 1)),
                linkButton(s.text, () => host.post({ type: 'reveal', location: s.location }), 'Go to the step'),
                h('span', { class: 'step-count', title: s.none ? 'Profiles in the whole sequence' : `Profiles in the sequence cut after step ${i + 1}` }, formatNumber(s.count))),
            funnelBar(s.count / first),
            i > 0 ? h('div', { class: 'funnel-share' }, s.none ? `with no such record after: the whole sequence, ${share}` : `went on: ${share}`) : null);
    });
    return h('div', { class: 'box sequence', 'data-group': g.label, 'data-block': 'sequence' },
        h('div', { class: 'box-title' }, linkButton(g.label, () => host.post({ type: 'reveal', location: g.location }), 'Go to the sequence'), g.label.startsWith('sequence ') ? null : h('span', { class: 'tag' }, 'sequence')),
        h('div', { class: 'box-count' }, formatNumber(g.count)),
        h('ol', { class: 'funnel' }, ...steps));
}

/** A bar centred in its row, `fraction` of the row wide: the funnel's shape. */
function funnelBar(fraction: number): SVGSVGElement {
    const width = Math.max(0.5, Math.min(1, fraction) * 100);
    return svg('svg', { class: 'funnel-bar', viewBox: '0 0 100 6', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
        svg('rect', { x: 0, y: 0, width: 100, height: 6, class: 'funnel-track' }),
        svg('rect', { x: (100 - width) / 2, y: 0, width, height: 6, class: 'funnel-fill' }));
}

function percent(n: number, of: number): string {
    return `${of === 0 ? 0 : Math.round((n / of) * 1000) / 10}%`;
}

/** A `top` or `sample` step: what it is, and the members before and after it. */
function stepBox(s: StepBreakdown): HTMLElement {
    return h('div', { class: `box step ${s.step}`, 'data-step': s.step, 'data-before': String(s.before), 'data-after': String(s.after) },
        h('div', { class: 'box-title' }, linkButton(s.text, () => host.post({ type: 'reveal', location: s.location }), 'Go to the step')),
        h('div', { class: 'box-count' }, h('span', { class: 'before' }, formatNumber(s.before)), ' → ', h('span', { class: 'after' }, formatNumber(s.after))),
        h('progress', { max: String(Math.max(1, s.before)), value: String(s.after) }),
        h('div', { class: 'hint' }, `${percent(s.after, s.before)} kept`));
}

function partBox(p: PartBreakdown): HTMLElement {
    return h('div', { class: 'box part' },
        h('div', { class: 'box-title' }, linkButton(p.segment, () => host.post({ type: 'openDetails', segment: p.segment }), 'Open its details')),
        h('div', { class: 'box-count' }, formatNumber(p.count)));
}

function changes(r: SegmentReport): HTMLElement {
    const c = r.changes;
    if (!c.since) return h('section', { class: 'changes' }, h('h2', {}, 'Changes'), h('p', { class: 'hint' }, 'Entered and left members show after the second refresh.'));
    const list = (keys: readonly (string | number)[]): HTMLElement =>
        h('span', { class: 'keys' }, keys.length ? keys.slice(0, 50).map(String).join(', ') + (keys.length > 50 ? ` … (${keys.length})` : '') : 'none');
    return h('section', { class: 'changes' }, h('h2', {}, `Changes since ${c.since}`),
        h('p', {}, h('span', { class: 'entered' }, `+${c.entered.length} entered: `), list(c.entered)),
        h('p', {}, h('span', { class: 'left' }, `−${c.left.length} left: `), list(c.left)));
}

function sql(r: SegmentReport): HTMLElement {
    return h('details', { class: 'sql' }, h('summary', {}, 'SQL'), h('pre', {}, h('code', {}, r.sql)));
}
