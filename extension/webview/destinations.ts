import type { DestinationView } from '../src/shared/data.js';
import { h } from './dom.js';

/** A segment's destinations under its name on the dashboard: name, kind, target, and where delivery stands. */
export function destinationList(destinations: readonly DestinationView[] | undefined): HTMLElement | null {
    if (!destinations?.length) return null;
    return h('ul', { class: 'destinations', 'data-testid': 'destinations', 'aria-label': 'Destinations' },
        ...destinations.map(d => h('li', { class: `destination ${d.state}`, 'data-destination': d.name, 'data-state': d.state, title: d.error ?? d.summary },
            h('span', { class: 'destination-name' }, d.name), ' ', h('span', { class: 'destination-kind' }, d.kind), ' ',
            h('span', { class: 'destination-target' }, d.target), ': ',
            h('span', { class: 'destination-status', 'data-testid': 'destination-status' }, d.summary))));
}

/** The details view's section: one row per destination, with its status. */
export function destinationSection(destinations: readonly DestinationView[]): HTMLElement {
    if (destinations.length === 0) return h('section', { class: 'destinations-section' }, h('h2', {}, 'Destinations'), h('p', { class: 'hint' }, 'This segment activates no destination.'));
    return h('section', { class: 'destinations-section' }, h('h2', {}, 'Destinations'),
        h('table', { class: 'destinations-table' },
            h('thead', {}, h('tr', {}, ...['Destination', 'Kind', 'Where', 'Status'].map(c => h('th', { scope: 'col' }, c)))),
            h('tbody', {}, ...destinations.map(d => h('tr', { 'data-destination': d.name, 'data-state': d.state, class: `destination ${d.state}` },
                h('th', { scope: 'row' }, d.name),
                h('td', {}, d.kind),
                h('td', { class: 'destination-target' }, d.target),
                h('td', { class: 'destination-status', 'data-testid': 'destination-status' }, d.summary))))));
}
