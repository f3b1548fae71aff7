import type { MemberPage } from '../src/shared/data.js';
import { button, formatNumber, h } from './dom.js';
import { initialWidths } from './grid-rows.js';
import { MembersGrid, type GridSettings } from './members-grid.js';

/** Sort, filter and widths the user set, per set of columns, kept across pages and updates. */
const settingsByColumns = new Map<string, GridSettings>();

function settingsFor(page: MemberPage): GridSettings {
    const key = page.columns.join('\u0000');
    let s = settingsByColumns.get(key);
    if (!s) {
        s = { order: { filter: '' }, widths: initialWidths(page.columns, page.rows) };
        settingsByColumns.set(key, s);
    }
    return s;
}

/**
 * One page of members, with the pager, a filter and copy buttons over the grid. Sorting and
 * the filter work on the rows loaded (this page), and the table says so when the segment has
 * more members than that: the pager keeps moving through the segment's own order.
 */
export function membersTable(page: MemberPage, onPage: (offset: number) => void): HTMLElement {
    const pageSize = page.pageSize;
    const first = page.total === 0 ? 0 : page.offset + 1;
    const last = page.offset + page.rows.length;
    const pager = h('div', { class: 'pager' },
        button('« First', () => onPage(0), { 'data-page': 'first', ...(page.offset === 0 ? { disabled: '' } : {}) }),
        button('‹ Previous', () => onPage(Math.max(0, page.offset - pageSize)), { 'data-page': 'previous', ...(page.offset === 0 ? { disabled: '' } : {}) }),
        h('span', { class: 'range' }, `${formatNumber(first)}–${formatNumber(last)} of ${formatNumber(page.total)}`),
        button('Next ›', () => onPage(page.offset + pageSize), { 'data-page': 'next', ...(last >= page.total ? { disabled: '' } : {}) }),
        button('Last »', () => onPage(Math.floor((page.total - 1) / pageSize) * pageSize), { 'data-page': 'last', ...(last >= page.total ? { disabled: '' } : {}) })
    );
    const settings = settingsFor(page);
    const loaded = page.rows.length;
    const status = h('span', { class: 'grid-status', role: 'status', 'data-testid': 'grid-status' });
    const scope = h('p', { class: 'hint grid-scope', 'data-testid': 'grid-scope' },
        page.total === 0 ? 'No members.'
            : loaded < page.total
            ? `Sorting and the filter apply to the ${formatNumber(loaded)} rows loaded (${formatNumber(first)}–${formatNumber(last)} of ${formatNumber(page.total)}); the pager moves through the members in the segment’s order.`
            : `All ${formatNumber(page.total)} ${page.total === 1 ? 'member is' : 'members are'} loaded: sorting and the filter apply to all of them.`);
    let grid: MembersGrid | undefined;
    const describe = (notice?: string): void => {
        if (!grid) return;
        const sort = settings.order.sort;
        const parts = [
            settings.order.filter.trim() ? `${formatNumber(grid.shown)} of ${formatNumber(loaded)} loaded rows match “${settings.order.filter.trim()}”.` : '',
            sort ? `Sorted by ${page.columns[sort.column]}, ${sort.descending ? 'descending' : 'ascending'}.` : '',
            notice ?? ''
        ];
        status.textContent = parts.filter(Boolean).join(' ');
    };
    grid = new MembersGrid(page.columns, page.rows, settings, describe);
    describe();
    const filter = h('input', { type: 'search', class: 'grid-filter', placeholder: 'Filter loaded rows', 'aria-label': 'Filter the loaded rows', value: settings.order.filter });
    filter.addEventListener('input', () => grid?.setFilter(filter.value));
    const tools = h('div', { class: 'members-tools' },
        filter,
        button('Copy cell', () => void grid?.copy('cell'), { title: 'Copy the focused cell (Ctrl+C)' }),
        button('Copy row', () => void grid?.copy('row'), { title: 'Copy the focused row, tab-separated (Ctrl+Shift+C)' }),
        button('Copy shown rows', () => void grid?.copy('shown'), { title: 'Copy the rows shown, with the header, tab-separated' }),
        status);
    return h('section', { class: 'members-section' }, page.total > pageSize ? pager : null, tools, scope, grid.element);
}
