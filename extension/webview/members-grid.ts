import type { Cell } from '../src/shared/data.js';
import { copyText } from './clipboard.js';
import { h } from './dom.js';
import { cellText, orderRows, rowText, type GridOrder } from './grid-rows.js';

/** What the user set on a table, kept while the page's columns stay the same. */
export interface GridSettings {
    order: GridOrder;
    widths: number[];
}

/** Rows drawn beyond each edge of the visible ones, so a fast scroll shows no gap. */
const OVERSCAN = 8;
const MIN_WIDTH = 48;

/**
 * The members as an ARIA grid, virtualized: only the rows in view (and a few either side) are
 * in the DOM, placed through the CSSOM in a spacer as tall as all the rows. One cell at a
 * time is in the tab order; arrows, Home, End, Page Up and Down move between cells; Enter on a
 * column header sorts; Shift with the left or right arrow on a header resizes its column (the
 * header's edge can be dragged too); Ctrl+C copies the focused cell, Ctrl+Shift+C its row.
 */
export class MembersGrid {
    readonly element: HTMLDivElement;
    private readonly headers: HTMLDivElement[];
    private readonly spacer: HTMLDivElement;
    private readonly body: HTMLDivElement;
    private order: number[];
    /** The focused cell: a row of `order` (-1: the header row) and a column. */
    private active = { row: -1, col: 0 };
    private rowHeight = 24;
    /** Set while the grid takes the focus itself, so that does not scroll back to the focused cell. */
    private quiet = false;

    constructor(private readonly columns: readonly string[], private readonly rows: readonly (readonly Cell[])[], private readonly settings: GridSettings, private readonly onChange: (notice?: string) => void) {
        this.order = orderRows(rows, settings.order);
        this.headers = columns.map((name, c) => this.header(name, c));
        this.body = h('div', { class: 'grid-body', role: 'rowgroup' });
        this.spacer = h('div', { class: 'grid-spacer' }, this.body);
        this.element = h('div', { class: 'grid', role: 'grid', 'aria-label': 'Members', 'aria-colcount': String(columns.length), tabindex: '-1', 'data-testid': 'members' },
            h('div', { class: 'grid-head', role: 'rowgroup' }, h('div', { class: 'grid-row', role: 'row', 'aria-rowindex': '1' }, ...this.headers)),
            this.spacer);
        this.applyWidths();
        this.refresh();
        let frame = 0;
        this.element.addEventListener('scroll', () => {
            if (frame) return;
            frame = requestAnimationFrame(() => { frame = 0; this.renderWindow(); });
        });
        new ResizeObserver(() => {
            const height = parseFloat(getComputedStyle(this.element).getPropertyValue('--row-height'));
            if (height > 0 && height !== this.rowHeight) {
                this.rowHeight = height;
                this.spacer.style.height = `${this.order.length * height}px`;
            }
            this.renderWindow();
        }).observe(this.element);
        this.element.addEventListener('keydown', e => this.onKey(e));
        this.element.addEventListener('focusin', e => this.onFocus(e));
        this.element.addEventListener('copy', e => {
            e.clipboardData?.setData('text/plain', this.activeText(false));
            e.preventDefault();
        });
    }

    /** Rows shown after the filter. */
    get shown(): number {
        return this.order.length;
    }

    setFilter(filter: string): void {
        this.settings.order = { ...this.settings.order, filter };
        this.element.scrollTop = 0;
        this.refresh();
    }

    /** The focused cell's text, or its whole row (tab-separated); a header gives its column's name. */
    activeText(row: boolean): string {
        const { row: r, col } = this.active;
        if (r < 0) return row ? this.columns.join('\t') : this.columns[col];
        const values = this.rows[this.order[r]];
        return row ? rowText(values) : cellText(values[col]);
    }

    async copy(what: 'cell' | 'row' | 'shown'): Promise<void> {
        const text = what === 'shown'
            ? [this.columns.join('\t'), ...this.order.map(i => rowText(this.rows[i]))].join('\n')
            : this.activeText(what === 'row');
        await copyText(text);
        this.onChange(what === 'shown' ? `Copied ${this.order.length.toLocaleString('en')} rows.` : what === 'row' ? 'Copied the row.' : `Copied “${text}”.`);
    }

    private header(name: string, c: number): HTMLDivElement {
        const handle = h('div', { class: 'col-resize', role: 'separator', 'aria-orientation': 'vertical', 'aria-label': `Resize ${name}` });
        const cell = h('div', { class: 'grid-header', role: 'columnheader', 'aria-colindex': String(c + 1), 'data-col': String(c), tabindex: c === 0 ? '0' : '-1', title: `Sort by ${name}` },
            h('span', { class: 'grid-label' }, name), h('span', { class: 'sort-mark', 'aria-hidden': 'true' }), handle);
        cell.addEventListener('click', e => {
            if ((e.target as Element).closest('.col-resize')) return;
            this.toggleSort(c);
        });
        handle.addEventListener('pointerdown', e => {
            e.preventDefault();
            handle.setPointerCapture(e.pointerId);
            handle.classList.add('dragging');
            const start = e.clientX;
            const width = this.settings.widths[c];
            const move = (m: PointerEvent): void => this.resize(c, width + m.clientX - start);
            const end = (): void => {
                handle.classList.remove('dragging');
                handle.removeEventListener('pointermove', move);
                handle.removeEventListener('pointerup', end);
                handle.removeEventListener('pointercancel', end);
            };
            handle.addEventListener('pointermove', move);
            handle.addEventListener('pointerup', end);
            handle.addEventListener('pointercancel', end);
        });
        return cell;
    }

    /** None, ascending, descending, none again. */
    private toggleSort(c: number): void {
        const sort = this.settings.order.sort;
        const next = sort?.column !== c ? { column: c, descending: false } : !sort.descending ? { column: c, descending: true } : undefined;
        this.settings.order = { filter: this.settings.order.filter, ...(next ? { sort: next } : {}) };
        this.refresh();
    }

    private resize(c: number, width: number): void {
        this.settings.widths[c] = Math.round(Math.max(MIN_WIDTH, width));
        this.applyWidths();
    }

    private applyWidths(): void {
        const w = this.settings.widths;
        this.element.style.setProperty('--grid-columns', w.map(x => `${x}px`).join(' '));
        this.element.style.setProperty('--grid-width', `${w.reduce((a, b) => a + b, 0)}px`);
        this.headers.forEach((hd, c) => hd.querySelector('.col-resize')?.setAttribute('aria-valuenow', String(w[c])));
    }

    /** After the order or the filter changed: headers, the spacer's height, the rows in view. */
    private refresh(): void {
        this.order = orderRows(this.rows, this.settings.order);
        const sort = this.settings.order.sort;
        this.headers.forEach((hd, c) => {
            const dir = sort?.column === c ? (sort.descending ? 'descending' : 'ascending') : 'none';
            hd.setAttribute('aria-sort', dir);
            hd.querySelector('.sort-mark')!.textContent = dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : '';
        });
        this.element.setAttribute('aria-rowcount', String(this.order.length + 1));
        this.spacer.style.height = `${this.order.length * this.rowHeight}px`;
        this.active = { row: Math.min(this.active.row, this.order.length - 1), col: this.active.col };
        this.body.replaceChildren();
        this.renderWindow();
        this.onChange();
    }

    private visibleRows(): number {
        const height = this.element.clientHeight || 560;
        return Math.max(1, Math.floor((height - this.rowHeight) / this.rowHeight));
    }

    private renderWindow(): void {
        const n = this.order.length;
        const first = Math.max(0, Math.floor(this.element.scrollTop / this.rowHeight) - OVERSCAN);
        const last = Math.min(n - 1, first + this.visibleRows() + 2 * OVERSCAN);
        // Rows still in the window stay in place (the focused cell with them); the others go or are made.
        const hadFocus = this.body.contains(document.activeElement);
        let keptFirst = Infinity;
        let keptLast = -Infinity;
        this.body.querySelectorAll<HTMLDivElement>(':scope > [data-row]').forEach(r => {
            const i = Number(r.dataset.row);
            if (i < first || i > last) r.remove();
            else { keptFirst = Math.min(keptFirst, i); keptLast = Math.max(keptLast, i); }
        });
        const make = (from: number, to: number): HTMLDivElement[] => {
            const rows: HTMLDivElement[] = [];
            for (let i = from; i <= to; i++) rows.push(this.row(i));
            return rows;
        };
        if (keptLast < keptFirst) this.body.replaceChildren(...make(first, last));
        else {
            this.body.prepend(...make(first, keptFirst - 1));
            this.body.append(...make(keptLast + 1, last));
        }
        // The focused cell scrolled out of the DOM: the grid keeps the focus (and the tab stop) without scrolling back.
        if (hadFocus && !this.body.contains(document.activeElement)) {
            this.quiet = true;
            this.element.tabIndex = 0;
            this.element.focus({ preventScroll: true });
            this.quiet = false;
        }
        this.body.style.transform = `translateY(${first * this.rowHeight}px)`;
        const focusedInView = this.active.row < 0 || (this.active.row >= first && this.active.row <= last);
        // When the focused cell scrolled out of the DOM, the grid itself takes the tab stop.
        this.element.tabIndex = focusedInView ? -1 : 0;
        this.headers.forEach((hd, c) => { hd.tabIndex = this.active.row < 0 && c === this.active.col ? 0 : -1; });
    }

    private row(i: number): HTMLDivElement {
        const values = this.rows[this.order[i]];
        return h('div', { class: 'grid-row', role: 'row', 'aria-rowindex': String(i + 2), 'data-row': String(i) },
            ...values.map((v, c) => {
                const text = v === null ? '—' : String(v);
                const cell = h('div', {
                    class: `grid-cell${v === null ? ' missing' : typeof v === 'number' ? ' number' : ''}`,
                    role: 'gridcell',
                    'aria-colindex': String(c + 1),
                    'data-col': String(c),
                    tabindex: this.active.row === i && this.active.col === c ? '0' : '-1',
                    ...(text.length > 24 ? { title: text } : {})
                }, text);
                return cell;
            }));
    }

    private cellAt(row: number, col: number): HTMLElement | null {
        if (row < 0) return this.headers[col];
        return this.body.querySelector(`[data-row="${row}"] [data-col="${col}"]`);
    }

    private onFocus(e: FocusEvent): void {
        const target = e.target as HTMLElement;
        if (target === this.element) {
            if (!this.quiet) this.moveTo(this.active.row, this.active.col);
            return;
        }
        const cell = target.closest<HTMLElement>('[data-col]');
        if (!cell) return;
        const rowEl = cell.closest<HTMLElement>('[data-row]');
        this.active = { row: rowEl ? Number(rowEl.dataset.row) : -1, col: Number(cell.dataset.col) };
        this.element.querySelectorAll<HTMLElement>('[tabindex="0"]').forEach(el => { if (el !== cell) el.tabIndex = -1; });
        cell.tabIndex = 0;
        this.element.tabIndex = -1;
    }

    /** Focuses a cell, scrolling it into view (under the sticky header) first. */
    private moveTo(row: number, col: number): void {
        const n = this.order.length;
        row = Math.max(-1, Math.min(n - 1, row));
        col = Math.max(0, Math.min(this.columns.length - 1, col));
        this.active = { row, col };
        if (row >= 0) {
            const top = row * this.rowHeight;
            const view = (this.element.clientHeight || 560) - this.rowHeight;
            if (top < this.element.scrollTop) this.element.scrollTop = top;
            else if (top + this.rowHeight > this.element.scrollTop + view) this.element.scrollTop = top + this.rowHeight - view;
        }
        this.renderWindow();
        const cell = this.cellAt(row, col);
        if (!cell) return;
        cell.focus({ preventScroll: true });
        // Horizontally, the browser's own scrolling is right.
        const box = cell.getBoundingClientRect();
        const grid = this.element.getBoundingClientRect();
        if (box.left < grid.left || box.right > grid.right) this.element.scrollLeft += box.left < grid.left ? box.left - grid.left : box.right - grid.right;
    }

    private onKey(e: KeyboardEvent): void {
        const { row, col } = this.active;
        const page = this.visibleRows();
        const ctrl = e.ctrlKey || e.metaKey;
        if (ctrl && (e.key === 'c' || e.key === 'C')) {
            e.preventDefault();
            void this.copy(e.shiftKey ? 'row' : 'cell');
            return;
        }
        if (row < 0 && e.shiftKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
            e.preventDefault();
            this.resize(col, this.settings.widths[col] + (e.key === 'ArrowRight' ? 16 : -16));
            return;
        }
        if (row < 0 && (e.key === 'Enter' || e.key === ' ')) {
            e.preventDefault();
            this.toggleSort(col);
            this.moveTo(-1, col);
            return;
        }
        const moves: Record<string, () => [number, number]> = {
            ArrowUp: () => [row - 1, col],
            ArrowDown: () => [row + 1, col],
            ArrowLeft: () => [row, col - 1],
            ArrowRight: () => [row, col + 1],
            Home: () => (ctrl ? [0, 0] : [row, 0]),
            End: () => (ctrl ? [this.order.length - 1, this.columns.length - 1] : [row, this.columns.length - 1]),
            PageDown: () => [Math.max(0, row) + page, col],
            PageUp: () => [Math.max(0, row - page), col]
        };
        const move = moves[e.key];
        if (!move) return;
        e.preventDefault();
        const [r, c] = move();
        this.moveTo(r, c);
    }
}
