import type { DashboardData, DashboardRow, OverlapMatrix } from '../src/shared/data.js';
import { host } from './api.js';
import { busyIndicator } from './busy.js';
import { sparkline } from './charts.js';
import { destinationList } from './destinations.js';
import { button, formatNumber, h, linkButton, replaceChildren } from './dom.js';

/** Every segment of the workspace, their changes and sparklines, and overlaps per audience. */
const app = document.getElementById('app')!;
const state = host.state();
const setBusy = busyIndicator('Refreshing…');

host.onMessage(message => {
    switch (message.type) {
        case 'dashboard':
            host.saveState(state);
            render(message.dashboard);
            return;
        case 'busy':
            setBusy(message.busy);
            return;
        case 'failure':
            replaceChildren(app, h('div', { class: 'failure', role: 'alert' }, message.message));
            return;
        case 'preview':
        case 'flow':
        case 'explanation':
            return;
    }
});
host.post({ type: 'ready', state });

/** The columns, and the class of those folded into the segment's cell when the view is narrow (webview.css). */
const COLUMNS: readonly (readonly [string, string])[] = [
    ['Segment', 'segment'], ['Kind', 'wide-only'], ['Audience', 'wide-only'], ['Status', 'wide-only'],
    ['Members', 'number'], ['Change', 'number'], ['Trend', 'trend']
];

/** Each row drawn, by segment, with what it was drawn from: a row that did not change is kept (its sparkline too). */
let drawn = new Map<string, { readonly from: string; readonly tr: HTMLTableRowElement }>();

function rowOnce(r: DashboardRow, next: typeof drawn): HTMLTableRowElement {
    const from = JSON.stringify(r);
    const kept = drawn.get(r.name);
    const tr = kept?.from === from ? kept.tr : row(r);
    next.set(r.name, { from, tr });
    return tr;
}

function render(d: DashboardData): void {
    const next: typeof drawn = new Map();
    const body = h('tbody', {}, ...d.rows.map(r => rowOnce(r, next)));
    drawn = next;
    const counted = d.rows.filter(r => !r.pending).length;
    const when = d.counting
        ? h('span', { role: 'status', 'data-testid': 'counting' }, `counting: ${counted} of ${d.rows.length} · ${d.elapsedMs} ms`)
        : `refreshed ${d.refreshedAt.slice(0, 19).replace('T', ' ')} UTC · ${d.elapsedMs} ms`;
    replaceChildren(app,
        h('header', {},
            h('h1', {}, 'Segments'),
            h('p', { class: 'meta' }, `${d.rows.length} segments · as of ${d.asOf} · `, when,
                d.database ? ` · ${d.database.split(/[\\/]/).pop()}` : '', ' · ', h('span', { 'data-testid': 'engine' }, d.engine)),
            d.history?.note ? h('p', { class: 'history-note', role: 'status', 'data-testid': 'history' }, d.history.note)
                : d.history ? h('p', { class: 'meta', 'data-testid': 'history', title: d.history.file }, `History: ${d.history.file}`) : null,
            h('div', { class: 'actions' }, button('Refresh All', () => host.post({ type: 'command', command: 'refreshAll' })))),
        h('table', { class: 'dashboard' },
            h('thead', {}, h('tr', {}, ...COLUMNS.map(([c, cls]) => h('th', { scope: 'col', class: cls }, c)))),
            body),
        ...d.overlaps.map(overlap));
}

function row(r: DashboardRow): HTMLTableRowElement {
    const change = r.change === undefined ? '' : r.change > 0 ? `+${formatNumber(r.change)}` : r.change < 0 ? `−${formatNumber(-r.change)}` : '0';
    return h('tr', { 'data-segment': r.name, class: r.status },
        h('th', { scope: 'row' },
            linkButton(r.name, () => host.post({ type: 'openDetails', segment: r.name }), 'Open the details'),
            h('div', { class: 'title' }, r.title),
            // In a narrow view the kind, audience and status columns fold in here, under the name.
            h('div', { class: 'folded', 'data-testid': 'folded' }, h('span', { class: `kind ${r.kind}` }, r.kind), ' ', r.audience, ' · ', h('span', { class: `status ${r.status}` }, r.status)),
            r.error ? h('div', { class: 'error' }, linkButton(r.error, () => host.post({ type: 'reveal', location: r.location }), 'Go to the segment')) : null,
            destinationList(r.destinations)),
        h('td', { class: 'wide-only' }, h('span', { class: `kind ${r.kind}` }, r.kind)),
        h('td', { class: 'wide-only' }, r.audience),
        h('td', { class: 'wide-only' }, h('span', { class: `status ${r.status}` }, r.status)),
        r.pending ? h('td', { class: 'number pending', 'data-testid': 'count', 'aria-busy': 'true', title: 'Counting…' }, '…')
            : h('td', { class: 'number', 'data-testid': 'count' }, r.count === undefined ? '—' : formatNumber(r.count)),
        h('td', { class: `number change ${r.change ? (r.change > 0 ? 'up' : 'down') : ''}`, 'data-testid': 'change' }, change),
        h('td', { class: 'trend' }, sparkline(r.trend)));
}

function overlap(m: OverlapMatrix): HTMLElement {
    const level = (n: number, i: number, j: number): string => {
        const base = Math.min(m.counts[i][i], m.counts[j][j]) || 1;
        return `level-${Math.min(4, Math.ceil((n / base) * 4))}`;
    };
    return h('section', { class: 'overlap' },
        h('h2', {}, `Overlap between ${m.audience} segments`),
        h('p', { class: 'hint' }, 'Members in both segments; the diagonal is each segment’s size.'),
        h('div', { class: 'scroll' }, h('table', { class: 'matrix' },
            h('thead', {}, h('tr', {}, h('td'), ...m.segments.map(s => h('th', { scope: 'col', title: s }, h('span', {}, s))))),
            h('tbody', {}, ...m.segments.map((s, i) => h('tr', {},
                h('th', { scope: 'row' }, s),
                ...m.counts[i].map((n, j) => h('td', { class: `number ${i === j ? 'diagonal' : level(n, i, j)}`, title: `${s} ∩ ${m.segments[j]}: ${n}` }, formatNumber(n)))))))));
}
