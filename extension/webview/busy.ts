import { host } from './api.js';
import { button, h } from './dom.js';

/** Shown only when the work takes longer than this: quick answers do not flicker. */
export const BUSY_DELAY_MS = 300;

/**
 * The view's progress: after `BUSY_DELAY_MS`, a bar at the top with what runs, the seconds
 * elapsed and a Cancel button, which asks the host to stop the request (a long query is stopped
 * for real: the evaluator is restarted).
 */
export function busyIndicator(label: string): (busy: boolean) => void {
    const elapsed = h('span', { class: 'busy-elapsed' }, '');
    const cancel = button('Cancel', () => host.post({ type: 'cancel' }), { 'data-action': 'cancel' });
    const bar = h('div', { class: 'busy', role: 'status', hidden: '', 'data-testid': 'busy' }, h('span', {}, label), elapsed, cancel);
    document.body.prepend(bar);
    let show: ReturnType<typeof setTimeout> | undefined;
    let tick: ReturnType<typeof setInterval> | undefined;
    return busy => {
        if (show) clearTimeout(show);
        if (tick) clearInterval(tick);
        show = tick = undefined;
        bar.hidden = true;
        if (!busy) return;
        const started = Date.now();
        show = setTimeout(() => {
            bar.hidden = false;
            elapsed.textContent = '';
            tick = setInterval(() => { elapsed.textContent = ` ${Math.floor((Date.now() - started) / 1000)} s`; }, 1000);
        }, BUSY_DELAY_MS);
    };
}
