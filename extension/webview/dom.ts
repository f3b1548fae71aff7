/**
 * Building the page with DOM calls only. Text goes through `textContent` and attributes through
 * `setAttribute`, so data can never become markup; there is no `innerHTML` in the views.
 */
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) if (value !== undefined) el.setAttribute(name, value);
    append(el, children);
    return el;
}

export function append(parent: Node, children: readonly Child[]): void {
    for (const child of children) {
        if (child === null || child === undefined || child === false) continue;
        parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    }
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
    append(el, children);
    return el;
}

/** A button that runs `onClick`; `label` is text. */
export function button(label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
    const b = h('button', { type: 'button', ...attrs }, label);
    b.addEventListener('click', onClick);
    return b;
}

/** A link-looking button (webviews have no navigation). */
export function linkButton(label: string, onClick: () => void, title?: string): HTMLButtonElement {
    return button(label, onClick, { class: 'link', ...(title ? { title } : {}) });
}

export function formatNumber(n: number): string {
    return n.toLocaleString('en');
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
    parent.replaceChildren();
    append(parent, children);
}
