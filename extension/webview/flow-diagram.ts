import type { SetOperatorName, SourceLocation, StepBreakdown } from '../src/shared/data.js';
import type { FlowGroup, FlowSegment, SegmentFlow } from '../src/shared/flow.js';
import { formatNumber, svg } from './dom.js';

/**
 * The Flow view's diagram, plain SVG built with DOM calls (`createElementNS`, `textContent`):
 * groups or parts as boxes, left to right, joined by their set operations, then the `top` and
 * `sample` steps, ending at the audience node. A sequence is drawn as a funnel: a box per step
 * with the profiles in the sequence cut after it. A compound segment's parts are drawn with
 * their own groups or parts (and steps) inside.
 * Every box and condition is a button that reveals its text. Colours come from the theme
 * through CSS classes (media/webview.css).
 */
export interface FlowActions {
    reveal(location: SourceLocation): void;
}

/** Something laid out: its size, and how to draw it with its top left corner at (x, y). */
interface Block {
    readonly width: number;
    readonly height: number;
    draw(x: number, y: number): SVGGElement;
}

const PAD = 10;
const HEAD = 22;
const SUB = 17;
const CONDITION = 24;
const CONNECTOR = 92;
/** The arrow to a `top` or `sample` step: no set operation to name. */
const THEN = 44;
/** A funnel step's box, and the gap (with an arrow) between two. */
const FUNNEL_STEP = 42;
const FUNNEL_GAP = 12;
/** A funnel step's text is cut beyond this width (its whole text in a tooltip). */
const MAX_STEP_TEXT = 420;
const MIN_WIDTH = 170;
const MAX_TEXT = 300;
const MARGIN = 12;
/** Connectors join boxes at this height below their top edge (the header line). */
const ANCHOR = PAD + HEAD / 2;

export function flowDiagram(flow: SegmentFlow, actions: FlowActions): SVGSVGElement {
    const root = flow.root;
    const content = withSteps(root.groups.length ? groupsRow(root.groups, actions) : root.parts.length ? partsRow(root, actions) : segmentBlock(root, actions), root.steps, actions);
    const audience = audienceBlock(flow.header.audience, root.count, () => actions.reveal(flow.header.location));
    const width = MARGIN * 2 + content.width + CONNECTOR + audience.width;
    const height = MARGIN * 2 + Math.max(content.height, audience.height);
    const el = svg('svg', { class: 'flow-diagram', width, height, viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': `Flow of ${root.name}` });
    el.append(
        content.draw(MARGIN, MARGIN),
        connector(MARGIN + content.width, MARGIN + ANCHOR, CONNECTOR, undefined),
        audience.draw(MARGIN + content.width + CONNECTOR, MARGIN)
    );
    return el;
}

// ---- blocks -------------------------------------------------------------------------------

function groupsRow(groups: readonly FlowGroup[], actions: FlowActions): Block {
    const base = Math.max(1, ...groups.map(g => g.conditions[0]?.count ?? g.count));
    return row(groups.map(g => ({ operator: g.operator, block: g.block === 'sequence' ? sequenceBlock(g, actions) : groupBlock(g, base, actions) })));
}

/** The content, then each `top` or `sample` step after it, joined by plain arrows. */
function withSteps(content: Block, steps: readonly StepBreakdown[], actions: FlowActions): Block {
    if (steps.length === 0) return content;
    return row([{ block: content }, ...steps.map(s => ({ operator: 'then' as const, block: stepBlock(s, actions) }))]);
}

function partsRow(segment: FlowSegment, actions: FlowActions): Block {
    return row(segment.parts.map(p => ({ operator: p.operator, block: segmentBlock(p.segment, actions) })));
}

/** A group: its label and count, the entities it joins, each condition and what remains after it. */
function groupBlock(g: FlowGroup, base: number, actions: FlowActions): Block {
    const countText = formatNumber(g.count);
    const conditionCounts = g.conditions.map(c => (c.count === undefined ? '' : formatNumber(c.count)));
    const countWidth = Math.max(0, ...conditionCounts.map(t => textWidth(t, 'count-small')));
    const inner = Math.max(
        textWidth(g.label, 'box-title') + 16 + textWidth(countText, 'box-count'),
        ...g.paths.map(p => textWidth(p, 'path')),
        ...g.conditions.map(c => textWidth(c.text, 'condition-text') + 12 + countWidth)
    );
    const width = Math.max(MIN_WIDTH, Math.min(inner, MAX_TEXT + countWidth + 12) + 2 * PAD);
    const height = PAD + HEAD + g.paths.length * SUB + g.conditions.length * CONDITION + PAD;
    return {
        width,
        height,
        draw: (x, y) => {
            const node = button(['node', 'group'], `Go to group ${g.label}`, () => actions.reveal(g.location), { 'data-group': g.label, 'data-count': g.count });
            node.append(frame(x, y, width, height), text(x + PAD, y + PAD + 15, g.label, 'box-title', width - 3 * PAD - textWidth(countText, 'box-count')),
                svg('text', { x: x + width - PAD, y: y + PAD + 15, class: 'box-count end' }, countText));
            let top = y + PAD + HEAD;
            for (const p of g.paths) {
                node.appendChild(text(x + PAD, top + 12, p, 'path', width - 2 * PAD));
                top += SUB;
            }
            g.conditions.forEach((c, i) => {
                const line = button(['condition'], `Go to condition ${c.text}`, () => actions.reveal(c.location), { 'data-condition': i });
                line.append(svg('rect', { x: x + 4, y: top, width: width - 8, height: CONDITION - 2, rx: 3, class: 'hit' }),
                    text(x + PAD, top + 14, c.text, 'condition-text', width - 3 * PAD - countWidth));
                if (c.count !== undefined) {
                    line.append(svg('text', { x: x + width - PAD, y: top + 14, class: 'count-small end' }, conditionCounts[i]),
                        svg('rect', { x: x + PAD, y: top + 18, width: width - 2 * PAD, height: 3, class: 'bar-track' }),
                        svg('rect', { x: x + PAD, y: top + 18, width: ((width - 2 * PAD) * Math.min(c.count, base)) / base, height: 3, class: 'bar' }));
                }
                node.appendChild(line);
                top += CONDITION;
            });
            return node;
        }
    };
}

/**
 * A sequence as a funnel (reference 6.3): its label and count, the entities its steps join,
 * then a box per step, top to bottom, with the profiles in the sequence cut after that step and
 * a bar as wide as their share of step 1, centred (the funnel's shape).
 */
function sequenceBlock(g: FlowGroup, actions: FlowActions): Block {
    const countText = formatNumber(g.count);
    const first = Math.max(1, g.conditions[0]?.count ?? 0);
    const stepCounts = g.conditions.map(c => (c.count === undefined ? '' : formatNumber(c.count)));
    const countWidth = Math.max(0, ...stepCounts.map(t => textWidth(t, 'box-count')));
    const inner = Math.max(
        textWidth(g.label, 'box-title') + 16 + textWidth('sequence', 'tag-text') + 16 + textWidth(countText, 'box-count'),
        ...g.paths.map(p => textWidth(p, 'path')),
        ...g.conditions.map(c => 22 + textWidth(c.text, 'condition-text') + 12 + countWidth + 2 * PAD)
    );
    const width = Math.max(MIN_WIDTH + 60, Math.min(inner, MAX_STEP_TEXT + 22 + 3 * PAD + countWidth) + 2 * PAD);
    const steps = g.conditions.length;
    const height = PAD + HEAD + g.paths.length * SUB + 4 + steps * FUNNEL_STEP + Math.max(0, steps - 1) * FUNNEL_GAP + PAD;
    return {
        width,
        height,
        draw: (x, y) => {
            const node = button(['node', 'group', 'sequence'], `Go to sequence ${g.label}`, () => actions.reveal(g.location), { 'data-group': g.label, 'data-block': 'sequence', 'data-count': g.count });
            const tagged = !g.label.startsWith('sequence ');
            const tagX = x + PAD + textWidth(g.label, 'box-title') + 8;
            const tagWidth = tagged ? textWidth('sequence', 'tag-text') + 12 : 0;
            node.append(frame(x, y, width, height), text(x + PAD, y + PAD + 15, g.label, 'box-title', width - 4 * PAD - tagWidth - textWidth(countText, 'box-count')),
                svg('text', { x: x + width - PAD, y: y + PAD + 15, class: 'box-count end' }, countText));
            if (tagged) {
                node.append(svg('rect', { x: tagX, y: y + PAD + 3, width: tagWidth, height: 16, rx: 8, class: 'tag' }),
                    svg('text', { x: tagX + tagWidth / 2, y: y + PAD + 15, class: 'tag-text middle' }, 'sequence'));
            }
            let top = y + PAD + HEAD;
            for (const p of g.paths) {
                node.appendChild(text(x + PAD, top + 12, p, 'path', width - 2 * PAD));
                top += SUB;
            }
            top += 4;
            const boxWidth = width - 2 * PAD;
            g.conditions.forEach((c, i) => {
                const left = x + PAD;
                const step = button(['funnel-step', ...(c.none ? ['none'] : [])], `Go to step ${i + 1}: ${c.text}`, () => actions.reveal(c.location), { 'data-step': i + 1, 'data-count': c.count ?? '' });
                const share = c.count === undefined ? 0 : Math.max(0.01, Math.min(1, c.count / first));
                const barWidth = (boxWidth - 2 * PAD) * share;
                step.append(svg('rect', { x: left, y: top, width: boxWidth, height: FUNNEL_STEP, rx: 3, class: 'step-frame' }),
                    svg('circle', { cx: left + PAD + 7, cy: top + 14, r: 8, class: 'step-index' }),
                    svg('text', { x: left + PAD + 7, y: top + 18, class: 'step-index-text middle' }, String(i + 1)),
                    text(left + PAD + 22, top + 18, c.text, 'condition-text', boxWidth - 3 * PAD - 22 - countWidth),
                    svg('text', { x: left + boxWidth - PAD, y: top + 18, class: 'box-count end' }, stepCounts[i]),
                    svg('rect', { x: left + PAD, y: top + 28, width: boxWidth - 2 * PAD, height: 6, rx: 1, class: 'bar-track' }),
                    svg('rect', { x: left + PAD + (boxWidth - 2 * PAD - barWidth) / 2, y: top + 28, width: barWidth, height: 6, rx: 1, class: c.none ? 'bar none' : 'bar' }));
                node.appendChild(step);
                top += FUNNEL_STEP;
                if (i < steps - 1) {
                    const cx = x + width / 2;
                    node.appendChild(svg('polygon', { points: `${cx - 5},${top + 3} ${cx + 5},${top + 3} ${cx},${top + FUNNEL_GAP - 2}`, class: 'arrow funnel-arrow' }));
                    top += FUNNEL_GAP;
                }
            });
            return node;
        }
    };
}

/** A `top` or `sample` step: the step as written, and the members before and after it. */
function stepBlock(s: StepBreakdown, actions: FlowActions): Block {
    const counts = `${formatNumber(s.before)} → ${formatNumber(s.after)}`;
    const width = Math.max(MIN_WIDTH - 20, Math.min(MAX_TEXT, textWidth(s.text, 'condition-text')) + 2 * PAD, textWidth(counts, 'box-count') + 2 * PAD);
    const height = PAD + HEAD + SUB + 8 + PAD;
    return {
        width,
        height,
        draw: (x, y) => {
            const node = button(['node', 'step', s.step], `Go to ${s.text}: ${counts}`, () => actions.reveal(s.location), { 'data-step': s.step, 'data-before': s.before, 'data-after': s.after });
            const barWidth = (width - 2 * PAD) * (s.before === 0 ? 0 : Math.min(1, s.after / s.before));
            node.append(svg('rect', { x, y, width, height, rx: 4, class: 'frame step-frame-outer' }),
                text(x + PAD, y + PAD + 14, s.text, 'condition-text', width - 2 * PAD),
                svg('text', { x: x + PAD, y: y + PAD + HEAD + 12, class: 'box-count' }, counts),
                svg('rect', { x: x + PAD, y: y + PAD + HEAD + SUB + 2, width: width - 2 * PAD, height: 4, class: 'bar-track' }),
                svg('rect', { x: x + PAD, y: y + PAD + HEAD + SUB + 2, width: barWidth, height: 4, class: 'bar' }));
            return node;
        }
    };
}

/** A segment (a part of a compound segment): name, kind, title and count, its own flow inside. */
function segmentBlock(s: FlowSegment, actions: FlowActions): Block {
    const content = s.groups.length ? groupsRow(s.groups, actions) : s.parts.length ? partsRow(s, actions) : undefined;
    const inner = content && withSteps(content, s.steps, actions);
    const countText = formatNumber(s.count);
    const subtitle = s.collapsed ? `${s.kind} · ${s.title} · parts not drawn` : `${s.kind} · ${s.title}`;
    const headWidth = Math.max(textWidth(s.name, 'box-title') + 16 + textWidth(countText, 'box-count'), Math.min(MAX_TEXT, textWidth(subtitle, 'path')));
    const width = Math.max(MIN_WIDTH, headWidth + 2 * PAD, inner ? inner.width + 2 * PAD : 0);
    const height = PAD + HEAD + SUB + (inner ? PAD + inner.height : 0) + PAD;
    return {
        width,
        height,
        draw: (x, y) => {
            const node = button(['node', 'part', s.kind], `Go to segment ${s.name}`, () => actions.reveal(s.location), { 'data-segment': s.name, 'data-count': s.count });
            node.append(frame(x, y, width, height), text(x + PAD, y + PAD + 15, s.name, 'box-title', width - 3 * PAD - textWidth(countText, 'box-count')),
                svg('text', { x: x + width - PAD, y: y + PAD + 15, class: 'box-count end' }, countText),
                text(x + PAD, y + PAD + HEAD + 11, subtitle, 'path', width - 2 * PAD));
            if (inner) node.appendChild(inner.draw(x + PAD, y + PAD + HEAD + SUB + PAD));
            return node;
        }
    };
}

/** Blocks side by side, top-aligned, each after the first joined by its set operation. */
function row(items: readonly { readonly operator?: SetOperatorName | 'then'; readonly block: Block }[]): Block {
    const gap = (it: { readonly operator?: SetOperatorName | 'then' }): number => (it.operator === 'then' ? THEN : CONNECTOR);
    const width = items.reduce((sum, it, i) => sum + it.block.width + (i > 0 ? gap(it) : 0), 0);
    const height = Math.max(0, ...items.map(it => it.block.height));
    return {
        width,
        height,
        draw: (x, y) => {
            const g = svg('g', { class: 'row' });
            let left = x;
            items.forEach((it, i) => {
                if (i > 0) {
                    g.appendChild(connector(left, y + ANCHOR, gap(it), it.operator === 'then' ? undefined : it.operator ?? 'union'));
                    left += gap(it);
                }
                g.appendChild(it.block.draw(left, y));
                left += it.block.width;
            });
            return g;
        }
    };
}

/** Where every flow ends: the audience, with the segment's member count. */
function audienceBlock(audience: string, count: number, onClick: () => void): Block {
    const countText = `${formatNumber(count)} ${count === 1 ? 'profile' : 'profiles'}`;
    const width = Math.max(130, textWidth(audience, 'box-title'), textWidth(countText, 'box-count')) + 2 * PAD + 8;
    const height = PAD + HEAD + HEAD + PAD;
    return {
        width,
        height,
        draw: (x, y) => {
            const node = button(['node', 'audience'], `${audience}: ${countText}; go to the segment`, onClick, { 'data-audience': audience });
            node.append(svg('rect', { x, y, width, height, rx: height / 2, class: 'frame' }),
                text(x + width / 2, y + PAD + 15, audience, 'box-title middle', width - 2 * PAD),
                svg('text', { x: x + width / 2, y: y + PAD + HEAD + 15, class: 'box-count middle', 'data-testid': 'flow-count' }, countText));
            return node;
        }
    };
}

// ---- pieces -------------------------------------------------------------------------------

/** A line with an arrowhead; with a set operation, its name on a pill in the middle. */
function connector(x: number, y: number, width: number, operator: SetOperatorName | undefined): SVGGElement {
    const g = svg('g', { class: `connector ${operator ?? 'result'}`, ...(operator ? { 'data-operator': operator } : {}) });
    g.append(svg('line', { x1: x + 4, y1: y, x2: x + width - 6, y2: y, class: 'edge' }),
        svg('polygon', { points: `${x + width - 2},${y} ${x + width - 9},${y - 4} ${x + width - 9},${y + 4}`, class: 'arrow' }));
    if (operator) {
        const w = textWidth(operator, 'operator-text') + 14;
        g.append(svg('rect', { x: x + (width - w) / 2, y: y - 10, width: w, height: 20, rx: 10, class: 'pill' }),
            svg('text', { x: x + width / 2, y: y + 4, class: 'operator-text middle' }, operator));
    }
    return g;
}

function frame(x: number, y: number, width: number, height: number): SVGRectElement {
    return svg('rect', { x, y, width, height, rx: 4, class: 'frame' });
}

/** A clickable group of shapes: a button for the keyboard and screen readers too. */
function button(classes: readonly string[], label: string, onClick: () => void, attrs: Record<string, string | number>): SVGGElement {
    const g = svg('g', { class: classes.join(' '), role: 'button', tabindex: 0, 'aria-label': label, ...attrs });
    g.appendChild(svg('title', {}, label));
    g.addEventListener('click', e => {
        e.stopPropagation();
        onClick();
    });
    g.addEventListener('keydown', e => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault();
        e.stopPropagation();
        onClick();
    });
    return g;
}

/** Text cut to `max` pixels with an ellipsis; the whole text stays in its tooltip. */
function text(x: number, y: number, value: string, cls: string, max: number): SVGTextElement {
    const shown = fit(value, cls, max);
    const el = svg('text', { x, y, class: cls }, shown);
    if (shown !== value) el.appendChild(svg('title', {}, value));
    return el;
}

function fit(value: string, cls: string, max: number): string {
    if (textWidth(value, cls) <= max) return value;
    let low = 0;
    let high = value.length;
    while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        if (textWidth(`${value.slice(0, mid)}…`, cls) <= max) low = mid;
        else high = mid - 1;
    }
    return `${value.slice(0, low)}…`;
}

// ---- measuring text -----------------------------------------------------------------------

let ruler: SVGTextElement | undefined;
const widths = new Map<string, number>();

/** The rendered width of `value` with the diagram's class `cls` (fonts come from the theme). */
function textWidth(value: string, cls: string): number {
    const key = `${cls}\n${value}`;
    const known = widths.get(key);
    if (known !== undefined) return known;
    if (!ruler) {
        const box = svg('svg', { class: 'flow-diagram measure', 'aria-hidden': 'true', width: 0, height: 0 });
        ruler = svg('text', { x: 0, y: 0 });
        box.appendChild(ruler);
        document.body.appendChild(box);
    }
    ruler.setAttribute('class', cls);
    ruler.textContent = value;
    const width = Math.ceil(ruler.getComputedTextLength() || value.length * 7);
    widths.set(key, width);
    return width;
}
