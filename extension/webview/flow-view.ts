import type { FlowState, SegmentFlow } from '../src/shared/flow.js';
import type { ViewState } from '../src/shared/messages.js';
import { host } from './api.js';
import { busyIndicator } from './busy.js';
import { button, formatNumber, h, linkButton, replaceChildren } from './dom.js';
import { errorsView } from './errors-list.js';
import { flowDiagram } from './flow-diagram.js';
import { zoomDiagram, type Zoom } from './flow-zoom.js';

/** The Flow view: the segment under the cursor as a diagram; a click on a box goes to its text. */
const app = document.getElementById('app')!;
let state: ViewState = host.state();
/** The diagram's zoom, kept across updates: a scale, or fitted to the panel's width. */
let zoom: Zoom = 1;
const setBusy = busyIndicator('Running…');

host.onMessage(message => {
    switch (message.type) {
        case 'flow':
            render(message.flow);
            return;
        case 'busy':
            setBusy(message.busy);
            return;
        case 'failure':
            replaceChildren(app, h('div', { class: 'failure', role: 'alert' }, message.message));
            return;
        case 'preview':
        case 'dashboard':
        case 'explanation':
            return;
    }
});
host.post({ type: 'ready', state });

function render(flow: FlowState): void {
    if (flow.state === 'empty') {
        replaceChildren(app, h('p', { class: 'empty' }, flow.reason));
        return;
    }
    if (flow.state === 'errors') {
        remember(flow.segment);
        replaceChildren(app, errorsView(flow.segment, flow.problems));
        return;
    }
    remember(flow.flow.header.name);
    replaceChildren(app, ...layout(flow.flow));
}

function remember(segment: string): void {
    state = { ...state, view: 'flow', segment };
    host.saveState(state);
}

function layout(f: SegmentFlow): Node[] {
    const seg = f.header.name;
    const root = f.root;
    const drawn = flowDiagram(f, { reveal: location => host.post({ type: 'reveal', location }) });
    const scroller = h('div', { class: 'scroll flow-scroll' }, drawn);
    const controls = zoomDiagram(drawn, scroller, zoom, z => { zoom = z; });
    requestAnimationFrame(() => controls.apply());
    const sequences = root.groups.filter(g => g.block === 'sequence').length;
    const groups = root.groups.length - sequences;
    const what = [
        groups ? plural(groups, 'group') : '',
        sequences ? plural(sequences, 'sequence') : '',
        root.parts.length ? plural(root.parts.length, 'part') : '',
        root.groups.length || root.parts.length ? '' : 'listed members',
        root.steps.length ? plural(root.steps.length, 'step') : ''
    ].filter(Boolean).join(', ');
    return [
        h('header', {},
            h('h1', {}, linkButton(f.header.title, () => host.post({ type: 'reveal', location: f.header.location }), 'Go to the segment')),
            h('p', { class: 'meta' },
                h('span', { class: `kind ${f.header.kind}` }, f.header.kind), ' ', seg, ' · audience ', f.header.audience,
                f.header.active ? '' : ' · inactive', ' · as of ', f.asOf, ` · ${f.elapsedMs} ms · `, h('span', { 'data-testid': 'engine', title: 'The engine that ran it (setting segments.engine)' }, f.engine)),
            h('div', { class: 'actions' },
                button('Details', () => host.post({ type: 'openDetails', segment: seg })),
                button('Explain…', () => host.post({ type: 'command', command: 'explain', segment: seg })),
                controls.toolbar)),
        h('p', { class: 'count' }, h('strong', { 'data-testid': 'flow-total' }, formatNumber(root.count)), ` ${f.header.audience} ${root.count === 1 ? 'profile' : 'profiles'} · ${what}`),
        scroller,
        h('p', { class: 'hint' }, [
            root.groups.length ? 'Each condition’s count is how many profiles remain after it and those above it. Groups combine left to right.' : 'Parts combine left to right.',
            sequences ? 'A sequence is a funnel: each step’s count is how many profiles have its steps so far in order and within their windows (a “then no” step: the whole sequence).' : '',
            root.steps.length ? 'Top and sample steps then apply in turn, each with the members before and after it.' : '',
            'Click a box or a line to go to its text; drag the background to pan, Ctrl+wheel to zoom.'
        ].filter(Boolean).join(' '))
    ];
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? '' : 's'}`;
}
