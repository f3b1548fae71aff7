import type { DashboardData, Key, MembershipExplanation, PreviewState, SourceLocation } from './data.js';
import type { FlowState } from './flow.js';

/**
 * Messages between the extension host and its webviews, both directions, as tagged unions.
 * Each view posts `ready` once its script runs; the host queues its messages until then.
 */
export type ViewKind = 'preview' | 'dashboard' | 'details' | 'flow' | 'explain';

export const VIEW_KINDS: readonly ViewKind[] = ['preview', 'dashboard', 'details', 'flow', 'explain'];

/** What a view keeps across reloads (`vscode.setState`) and what restores a panel. */
export interface ViewState {
    readonly view: ViewKind;
    /** The segment shown (preview, details, flow, explain). */
    readonly segment?: string;
    /** The workspace folder (a file system path) the segment belongs to. */
    readonly root?: string;
    readonly offset?: number;
    /** The profile explained (explain). */
    readonly key?: Key;
}

export type HostToView =
    | { readonly type: 'preview'; readonly preview: PreviewState }
    | { readonly type: 'dashboard'; readonly dashboard: DashboardData }
    | { readonly type: 'flow'; readonly flow: FlowState }
    | { readonly type: 'explanation'; readonly explanation: MembershipExplanation }
    | { readonly type: 'busy'; readonly busy: boolean }
    | { readonly type: 'failure'; readonly message: string };

export type ViewToHost =
    | { readonly type: 'ready'; readonly state?: ViewState }
    | { readonly type: 'page'; readonly offset: number }
    | { readonly type: 'reveal'; readonly location: SourceLocation }
    | { readonly type: 'openDetails'; readonly segment: string }
    | { readonly type: 'command'; readonly command: ViewCommand; readonly segment?: string }
    /** Stop the view's running request (the Cancel of its progress bar). */
    | { readonly type: 'cancel' };

/** Host commands a view may ask for; nothing else is accepted from a webview. */
export type ViewCommand = 'refreshAll' | 'exportCsv' | 'showSql' | 'freeze' | 'explain';

export const VIEW_COMMANDS: readonly ViewCommand[] = ['refreshAll', 'exportCsv', 'showSql', 'freeze', 'explain'];

/** Checks an untyped message from a webview; webviews are untrusted input. */
export function parseViewMessage(value: unknown): ViewToHost | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const m = value as Record<string, unknown>;
    switch (m.type) {
        case 'ready':
            return { type: 'ready', ...(isViewState(m.state) ? { state: m.state } : {}) };
        case 'cancel':
            return { type: 'cancel' };
        case 'page':
            return typeof m.offset === 'number' && Number.isInteger(m.offset) && m.offset >= 0 ? { type: 'page', offset: m.offset } : undefined;
        case 'reveal':
            return isLocation(m.location) ? { type: 'reveal', location: m.location } : undefined;
        case 'openDetails':
            return typeof m.segment === 'string' ? { type: 'openDetails', segment: m.segment } : undefined;
        case 'command':
            return VIEW_COMMANDS.includes(m.command as ViewCommand)
                ? { type: 'command', command: m.command as ViewCommand, ...(typeof m.segment === 'string' ? { segment: m.segment } : {}) }
                : undefined;
        default:
            return undefined;
    }
}

function isLocation(v: unknown): v is SourceLocation {
    if (typeof v !== 'object' || v === null) return false;
    const l = v as Record<string, unknown>;
    return typeof l.uri === 'string' && typeof l.line === 'number' && typeof l.character === 'number';
}

export function isViewState(v: unknown): v is ViewState {
    if (typeof v !== 'object' || v === null) return false;
    const s = v as Record<string, unknown>;
    return VIEW_KINDS.includes(s.view as ViewKind)
        && (s.segment === undefined || typeof s.segment === 'string')
        && (s.root === undefined || typeof s.root === 'string')
        && (s.key === undefined || typeof s.key === 'string' || typeof s.key === 'number');
}
