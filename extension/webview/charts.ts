import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrendPoint } from '../src/shared/data.js';
import { formatNumber, h } from './dom.js';
import { chartPalette, onThemeChange, type ChartPalette } from './chart-theme.js';
import { adoptLibraryStylesheet } from './library-styles.js';

/**
 * The trendline and the sparklines, drawn by uPlot on a time axis (UTC): each point is placed
 * at its instant, the hovered or focused point's instant and count show in a tip, colours come
 * from the theme's CSS variables and follow a theme change. uPlot sets its sizes through the
 * CSSOM (never a `style` attribute) and its stylesheet is shipped beside the bundle.
 */
adoptLibraryStylesheet();

const DAY = 86_400;

interface Chart {
    readonly container: HTMLElement;
    plot?: uPlot;
    build(): void;
}

const charts = new Set<Chart>();

/** Charts whose container left the page are destroyed (uPlot listens on the window). */
function sweep(): void {
    for (const c of charts) {
        if (c.container.isConnected) continue;
        c.plot?.destroy();
        charts.delete(c);
    }
}

onThemeChange(() => {
    sweep();
    for (const c of charts) c.build();
});

/** `YYYY-MM-DD HH:MM:SS` (UTC), or a date, as Unix seconds. */
export function instantSeconds(asOf: string): number {
    const iso = asOf.length <= 10 ? `${asOf}T00:00:00Z` : `${asOf.replace(' ', 'T')}Z`;
    return Date.parse(iso) / 1000;
}

/** The instant as a user reads it: the date alone at midnight, else with the time, in UTC. */
export function instantText(asOf: string): string {
    const [date, time] = asOf.split(' ');
    return !time || time === '00:00:00' ? date : `${date} ${time.slice(0, 5)} UTC`;
}

function summary(points: readonly TrendPoint[]): string {
    if (points.length === 0) return 'No history yet';
    const first = points[0];
    const last = points[points.length - 1];
    if (points.length === 1) return `1 point: ${formatNumber(first.count)} members on ${instantText(first.asOf)}`;
    return `${points.length} points, from ${formatNumber(first.count)} members on ${instantText(first.asOf)} to ${formatNumber(last.count)} on ${instantText(last.asOf)}`;
}

/** The x range: the points' first and last instants with a little room, or a day either side of one point. */
function xRange(xs: readonly number[]): [number, number] {
    const min = xs[0];
    const max = xs[xs.length - 1];
    if (max === min) return [min - DAY, max + DAY];
    const pad = (max - min) * 0.03;
    return [min - pad, max + pad];
}

const measure = document.createElement('canvas').getContext('2d');

/** The width of `text` in `font`, in CSS pixels. */
function textWidth(text: string, font: string): number {
    if (!measure) return 8 * text.length;
    measure.font = font;
    return measure.measureText(text).width;
}

function tipText(p: TrendPoint): string {
    return `${instantText(p.asOf)}: ${formatNumber(p.count)} ${p.count === 1 ? 'member' : 'members'}`;
}

/**
 * A chart in `container`: built when it has a width, rebuilt on a theme change, resized with
 * its container; the tip follows the cursor, or the keyboard (left and right arrows) when focused.
 */
function mount(container: HTMLElement, points: readonly TrendPoint[], options: (p: ChartPalette, width: number) => uPlot.Options, fixedWidth?: number): void {
    const xs = points.map(p => instantSeconds(p.asOf));
    const data: uPlot.AlignedData = [xs, points.map(p => p.count)];
    const tip = h('div', { class: 'chart-tip', role: 'status', hidden: '' });
    container.append(tip);
    const chart: Chart = {
        container,
        build() {
            const width = fixedWidth ?? Math.floor(container.clientWidth);
            if (width <= 0) return;
            chart.plot?.destroy();
            const opts = options(chartPalette(), width);
            opts.hooks = { setCursor: [u => showTip(u, tip, points)] };
            chart.plot = new uPlot(opts, data, (u, init) => { container.insertBefore(u.root, tip); init(); });
        }
    };
    // After the page's render has put the new charts in place, the replaced ones go.
    queueMicrotask(sweep);
    charts.add(chart);
    if (fixedWidth !== undefined) chart.build();
    else {
        let width = 0;
        new ResizeObserver(() => {
            const next = Math.floor(container.clientWidth);
            if (next === width || next <= 0) return;
            width = next;
            if (chart.plot) chart.plot.setSize({ width, height: chart.plot.height });
            else chart.build();
        }).observe(container);
    }
    container.addEventListener('keydown', e => {
        const u = chart.plot;
        if (!u || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight' && e.key !== 'Home' && e.key !== 'End')) return;
        e.preventDefault();
        const current = u.cursor.idx ?? (e.key === 'ArrowLeft' ? points.length : -1);
        const idx = e.key === 'Home' ? 0 : e.key === 'End' ? points.length - 1
            : Math.max(0, Math.min(points.length - 1, current + (e.key === 'ArrowLeft' ? -1 : 1)));
        u.setCursor({ left: u.valToPos(xs[idx], 'x'), top: u.valToPos(points[idx].count, 'y') });
    });
    container.addEventListener('blur', () => { tip.hidden = true; });
}

/** The tip above the hovered point, kept inside the window (placed through the CSSOM). */
function showTip(u: uPlot, tip: HTMLElement, points: readonly TrendPoint[]): void {
    const idx = u.cursor.idx;
    if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
        tip.hidden = true;
        return;
    }
    const p = points[idx];
    tip.textContent = tipText(p);
    tip.dataset.index = String(idx);
    tip.hidden = false;
    const over = u.over.getBoundingClientRect();
    const x = over.left + u.valToPos(instantSeconds(p.asOf), 'x');
    const y = over.top + u.valToPos(p.count, 'y');
    const w = tip.offsetWidth;
    tip.style.left = `${Math.max(4, Math.min(window.innerWidth - w - 4, x - w / 2))}px`;
    tip.style.top = `${Math.max(4, y - tip.offsetHeight - 10)}px`;
}

function cursor(p: ChartPalette, size: number): uPlot.Cursor {
    return {
        y: false,
        drag: { x: false, y: false, setScale: false },
        points: { size, width: 2, stroke: p.line, fill: p.background }
    };
}

/** The membership trendline: counts at their "as of" instants on a time axis, values on hover. */
export function trendline(points: readonly TrendPoint[], height = 180): HTMLElement {
    const container = h('div', { class: 'chart trendline', role: 'img', tabindex: '0', 'aria-label': `Members over time: ${summary(points)}`, 'data-points': String(points.length) });
    const caption = h('p', { class: 'hint chart-caption' }, summary(points));
    const figure = h('figure', { class: 'trend-figure' }, container, caption);
    if (points.length === 0) return figure;
    const xs = points.map(p => instantSeconds(p.asOf));
    const single = new Set(xs).size === 1;
    mount(container, points, (p, width) => ({
        width,
        height,
        tzDate: ts => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
        legend: { show: false },
        cursor: cursor(p, 9),
        scales: { x: { time: true, range: () => xRange(xs) } },
        axes: [
            {
                stroke: p.text, font: p.font, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 },
                // One instant: one label under it, not the same date at both ends.
                ...(single ? { splits: () => [xs[0]], values: () => [instantText(points[0].asOf)] } : {})
            },
            {
                stroke: p.text, font: p.font, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 },
                // Wide enough for the longest label: the tick, the gap and the text, measured.
                size: (_u, values) => 20 + Math.max(0, ...(values ?? []).map(v => textWidth(v, p.font))),
                values: (_u, splits) => splits.map(v => (Number.isInteger(v) ? formatNumber(v) : ''))
            }
        ],
        series: [{}, { label: 'Members', stroke: p.line, width: p.lineWidth, fill: p.fill, points: { show: true, size: 6, fill: p.line, stroke: p.line } }]
    }));
    return figure;
}

/** A small trend for a table cell: no axes, the instant and count of the hovered point in a tip. */
export function sparkline(points: readonly TrendPoint[], width = 104, height = 28): HTMLElement {
    const container = h('div', { class: 'chart sparkline', role: 'img', 'aria-label': summary(points), 'data-points': String(points.length) });
    if (points.length === 0) {
        container.append(h('span', { class: 'hint' }, '—'));
        return container;
    }
    const xs = points.map(p => instantSeconds(p.asOf));
    mount(container, points, p => ({
        width,
        height,
        legend: { show: false },
        cursor: cursor(p, 7),
        scales: { x: { time: true, range: () => xRange(xs) } },
        axes: [{ show: false }, { show: false }],
        padding: [4, 4, 4, 4],
        series: [{}, { stroke: p.line, width: p.lineWidth, points: { show: points.length === 1, size: 5, fill: p.line } }]
    }), width);
    return container;
}
