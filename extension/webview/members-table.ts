import type { Cell, MemberPage } from '../src/shared/data.js';
import { button, formatNumber, h } from './dom.js';

/** One page of members, with the pager. Only this page's rows are ever in the DOM. */
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
    const table = h('table', { class: 'members' },
        h('thead', {}, h('tr', {}, ...page.columns.map(c => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...page.rows.map(row => h('tr', {}, ...row.map(cellElement)))));
    return h('section', { class: 'members-section' }, page.total > pageSize ? pager : null, table);
}

function cellElement(value: Cell): HTMLTableCellElement {
    if (value === null) return h('td', { class: 'missing' }, '—');
    return h('td', typeof value === 'number' ? { class: 'number' } : {}, String(value));
}
