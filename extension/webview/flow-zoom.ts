import { button, h } from './dom.js';

/**
 * Zoom and pan for the flow diagram. The diagram is drawn at its natural size (12 px text);
 * zoom scales it between READABLE and MAX, "Fit" scales a wide diagram down to the panel but
 * never below READABLE (9 px text), so a big diagram in a side panel stays legible and scrolls.
 * Dragging the diagram's background pans it; Ctrl (Cmd) with the wheel zooms. The scale is set
 * through the CSSOM (the page's policy forbids inline style attributes in markup).
 */
export const READABLE = 0.75;
const MAX = 2;
const STEP = 0.25;

export type Zoom = number | 'fit';

export interface ZoomControls {
    readonly toolbar: HTMLElement;
    /** Applies the current zoom to the diagram (after it is drawn, or the panel resized). */
    apply(): void;
}

export function zoomDiagram(diagram: SVGSVGElement, scroller: HTMLElement, initial: Zoom, onChange: (zoom: Zoom) => void): ZoomControls {
    let zoom = initial;
    const width = Number(diagram.getAttribute('width'));
    const height = Number(diagram.getAttribute('height'));
    const label = h('span', { class: 'zoom-level', 'data-testid': 'zoom-level', 'aria-live': 'polite' }, '');
    const out = button('−', () => set(clamp(scale() - STEP)), { title: 'Zoom Out', 'aria-label': 'Zoom out', 'data-action': 'zoom-out' });
    const into = button('+', () => set(clamp(scale() + STEP)), { title: 'Zoom In', 'aria-label': 'Zoom in', 'data-action': 'zoom-in' });
    const actual = button('100%', () => set(1), { title: 'Actual Size', 'data-action': 'zoom-reset' });
    const fit = button('Fit to Width', () => set(zoom === 'fit' ? 1 : 'fit'), { 'data-action': 'fit' });

    const scale = (): number => zoom === 'fit' ? fitScale() : zoom;
    const fitScale = (): number => Math.max(READABLE, Math.min(1, (scroller.clientWidth - 2) / width));
    function clamp(s: number): number {
        return Math.min(MAX, Math.max(READABLE, Math.round(s / STEP) * STEP));
    }
    function set(z: Zoom): void {
        zoom = z;
        apply();
        onChange(zoom);
    }
    function apply(): void {
        const s = scale();
        diagram.style.width = `${Math.round(width * s)}px`;
        diagram.style.height = `${Math.round(height * s)}px`;
        label.textContent = `${Math.round(s * 100)}%`;
        fit.setAttribute('aria-pressed', String(zoom === 'fit'));
        out.disabled = s <= READABLE;
        into.disabled = s >= MAX;
    }

    scroller.addEventListener('wheel', e => {
        if (!e.ctrlKey && !e.metaKey) return;
        e.preventDefault();
        set(clamp(scale() + (e.deltaY < 0 ? STEP : -STEP)));
    }, { passive: false });
    // Pan by dragging where nothing is clickable (boxes and conditions keep their clicks).
    let drag: { x: number; y: number; left: number; top: number } | undefined;
    scroller.addEventListener('pointerdown', e => {
        if (e.button !== 0 || (e.target as Element).closest('.node, .condition, .funnel-step, .connector')) return;
        drag = { x: e.clientX, y: e.clientY, left: scroller.scrollLeft, top: scroller.scrollTop };
        scroller.setPointerCapture(e.pointerId);
        scroller.classList.add('panning');
    });
    scroller.addEventListener('pointermove', e => {
        if (!drag) return;
        scroller.scrollLeft = drag.left - (e.clientX - drag.x);
        scroller.scrollTop = drag.top - (e.clientY - drag.y);
    });
    const stop = (): void => {
        drag = undefined;
        scroller.classList.remove('panning');
    };
    scroller.addEventListener('pointerup', stop);
    scroller.addEventListener('pointercancel', stop);
    new ResizeObserver(() => { if (zoom === 'fit') apply(); }).observe(scroller);

    return { toolbar: h('span', { class: 'zoom', role: 'group', 'aria-label': 'Zoom' }, out, label, into, actual, fit), apply };
}
