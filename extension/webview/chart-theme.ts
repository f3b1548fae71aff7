/** The charts' colours and font, read from the theme's CSS variables VS Code sets on the page. */
export interface ChartPalette {
    readonly line: string;
    readonly fill: string;
    readonly text: string;
    readonly grid: string;
    readonly background: string;
    readonly font: string;
    readonly lineWidth: number;
}

function highContrast(): boolean {
    return document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
}

/** A `#rgb` or `#rrggbb` colour at 14% opacity; other notations get no fill. */
function faint(color: string): string {
    const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color)?.[1];
    if (!hex) return 'transparent';
    const full = hex.length === 3 ? [...hex].map(c => c + c).join('') : hex;
    const [r, g, b] = [0, 2, 4].map(i => parseInt(full.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, 0.14)`;
}

export function chartPalette(): ChartPalette {
    const style = getComputedStyle(document.body);
    const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
    const line = v('--vscode-charts-blue', v('--vscode-textLink-foreground', '#3794ff'));
    const hc = highContrast();
    return {
        line,
        // The area under the line: the line's colour, faint (none in high contrast).
        fill: hc ? 'transparent' : faint(line),
        text: v('--vscode-descriptionForeground', v('--vscode-foreground', '#888888')),
        grid: hc ? v('--vscode-contrastBorder', '#6fc3df') : v('--vscode-panel-border', 'rgba(128,128,128,0.25)'),
        background: v('--vscode-editor-background', '#1f1f1f'),
        font: `${v('--vscode-font-size', '12px').replace(/^(\d+(\.\d+)?)$/, '$1px')} ${v('--vscode-font-family', 'sans-serif')}`,
        lineWidth: hc ? 2.5 : 1.75
    };
}

/**
 * Calls `redraw` after the theme changed: VS Code swaps the body's theme class and rewrites the
 * variables in the root element's style.
 */
export function onThemeChange(redraw: () => void): void {
    let pending = false;
    const observer = new MutationObserver(() => {
        if (pending) return;
        pending = true;
        requestAnimationFrame(() => { pending = false; redraw(); });
    });
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
    observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
