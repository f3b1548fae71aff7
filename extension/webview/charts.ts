import type { TrendPoint } from '../src/shared/data.js';
import { svg } from './dom.js';

/**
 * Sparklines and trendlines as plain SVG built with DOM calls: a few dozen lines instead of a
 * chart library, no inline script or style (the CSP forbids them), colours from the theme
 * through CSS classes.
 */
function scale(points: readonly TrendPoint[], width: number, height: number, pad: number): { x: (i: number) => number; y: (v: number) => number; min: number; max: number } {
    const counts = points.map(p => p.count);
    const min = Math.min(...counts);
    const max = Math.max(...counts);
    const span = max - min || 1;
    const step = points.length > 1 ? (width - 2 * pad) / (points.length - 1) : 0;
    return {
        x: i => pad + (points.length > 1 ? i * step : (width - 2 * pad) / 2),
        y: v => height - pad - ((v - min) / span) * (height - 2 * pad),
        min,
        max
    };
}

function polyline(points: readonly TrendPoint[], s: ReturnType<typeof scale>): string {
    return points.map((p, i) => `${s.x(i).toFixed(1)},${s.y(p.count).toFixed(1)}`).join(' ');
}

export function sparkline(points: readonly TrendPoint[], width = 96, height = 24): SVGSVGElement {
    const el = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'sparkline', role: 'img' });
    el.appendChild(svg('title', {}, points.length ? `${points.length} refreshes, from ${points[0].count} to ${points[points.length - 1].count}` : 'No history yet'));
    if (points.length === 0) return el;
    const s = scale(points, width, height, 3);
    el.appendChild(svg('polyline', { points: polyline(points, s), class: 'line' }));
    const last = points.length - 1;
    el.appendChild(svg('circle', { cx: s.x(last), cy: s.y(points[last].count), r: 2, class: 'dot' }));
    return el;
}

/** The membership trendline: counts over "as of" instants, with the extremes labelled. */
export function trendline(points: readonly TrendPoint[], width = 560, height = 160): SVGSVGElement {
    const el = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'trendline', role: 'img', 'data-points': points.length });
    el.appendChild(svg('title', {}, `Members over time: ${points.length} points`));
    if (points.length === 0) return el;
    const pad = 28;
    const s = scale(points, width, height, pad);
    el.appendChild(svg('line', { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, class: 'axis' }));
    el.appendChild(svg('text', { x: 4, y: s.y(s.max) + 4, class: 'label' }, String(s.max)));
    if (s.min !== s.max) el.appendChild(svg('text', { x: 4, y: s.y(s.min) + 4, class: 'label' }, String(s.min)));
    el.appendChild(svg('text', { x: pad, y: height - 8, class: 'label' }, points[0].asOf.slice(0, 10)));
    el.appendChild(svg('text', { x: width - pad, y: height - 8, class: 'label end' }, points[points.length - 1].asOf.slice(0, 10)));
    el.appendChild(svg('polyline', { points: polyline(points, s), class: 'line' }));
    points.forEach((p, i) => {
        el.appendChild(svg('circle', { cx: s.x(i), cy: s.y(p.count), r: 3, class: 'dot' }, svg('title', {}, `${p.asOf}: ${p.count}`)));
    });
    return el;
}
