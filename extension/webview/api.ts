import { isViewState, type HostToView, type ViewState, type ViewToHost } from '../src/shared/messages.js';

interface VsCodeApi {
    postMessage(message: ViewToHost): void;
    getState(): unknown;
    setState(state: ViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

/** The typed channel to the extension host, and the view's state kept across reloads. */
export const host = {
    post(message: ViewToHost): void {
        vscode.postMessage(message);
    },
    onMessage(handler: (message: HostToView) => void): void {
        window.addEventListener('message', (event: MessageEvent<HostToView>) => handler(event.data));
    },
    /** The saved state, else the one the page was built with. */
    state(): ViewState {
        const saved = vscode.getState();
        if (isViewState(saved)) return saved;
        const initial: unknown = JSON.parse(document.body.dataset.state ?? '{}');
        return isViewState(initial) ? initial : { view: 'preview' };
    },
    saveState(state: ViewState): void {
        vscode.setState(state);
    }
};
