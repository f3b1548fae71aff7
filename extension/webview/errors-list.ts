import type { SegmentProblem } from '../src/shared/data.js';
import { host } from './api.js';
import { h, linkButton } from './dom.js';

/** A segment that did not run: its problems, each linking to its line, under `heading`. */
export function errorsView(segment: string, problems: readonly SegmentProblem[], heading = `${segment} has errors and was not run`): HTMLElement {
    return h('section', { class: 'errors', role: 'alert' },
        h('h1', {}, heading),
        h('ul', {}, ...problems.map(p => h('li', { class: p.severity },
            linkButton(`line ${p.location.line + 1}`, () => host.post({ type: 'reveal', location: p.location }), 'Go to the problem'), ' ', p.message))));
}
