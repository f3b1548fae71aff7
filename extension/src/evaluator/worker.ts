import { parentPort } from 'node:worker_threads';
import { CancelledError, CancelToken } from './cancel.js';
import { EngineChoiceError } from '../../../engine/open-engine.js';
import { handleRequest } from './handle-request.js';
import type { HostToWorker, WorkerToHost } from './protocol.js';
import { WorkspaceSession } from './session.js';

/**
 * The evaluator thread: parses the workspace, runs segments on sql.js and writes the history,
 * away from the extension host's event loop. Requests run one at a time, in order.
 */
const port = parentPort;
if (!port) throw new Error('the evaluator must run in a worker thread');

const overlays = new Map<string, string>();
const sessions = new Map<string, WorkspaceSession>();
const tokens = new Map<number, CancelToken>();
let queue: Promise<void> = Promise.resolve();
/** Per folder, the copy last said to the host (`opened`). */
const said = new Map<string, string>();

const post = (message: WorkerToHost): void => port.postMessage(message);

function session(root: string): WorkspaceSession {
    let s = sessions.get(root);
    if (!s) {
        s = new WorkspaceSession(root, overlays);
        sessions.set(root, s);
    }
    return s;
}

port.on('message', (message: HostToWorker) => {
    switch (message.type) {
        case 'overlay':
            if (message.text === undefined) overlays.delete(message.file);
            else overlays.set(message.file, message.text);
            for (const s of sessions.values()) s.fileChanged(message.file);
            return;
        case 'invalidate':
            for (const s of sessions.values()) s.invalidateAll();
            return;
        case 'cancel':
            tokens.get(message.id)?.cancel();
            return;
        case 'request': {
            const token = new CancelToken();
            tokens.set(message.id, token);
            queue = queue.then(async () => {
                try {
                    if (token.isCancelled) throw new CancelledError();
                    const result = await handleRequest(session(message.context.root), message.context, message.request, token, value => post({ type: 'progress', id: message.id, value }));
                    post({ type: 'result', id: message.id, result });
                } catch (e) {
                    if (e instanceof CancelledError) post({ type: 'cancelled', id: message.id });
                    else post({ type: 'error', id: message.id, message: e instanceof Error ? e.message : String(e), ...(e instanceof EngineChoiceError && e.code ? { code: e.code } : {}) });
                } finally {
                    tokens.delete(message.id);
                    await sayOpened(message.context.root);
                }
            });
        }
    }
});

/** Tells the host about a database copy a request read, once per copy. */
async function sayOpened(root: string): Promise<void> {
    const opened = await sessions.get(root)?.openedFile();
    if (!opened) return;
    const key = `${opened.engine}|${opened.file}|${opened.bytes}`;
    if (said.get(root) === key) return;
    said.set(root, key);
    post({ type: 'opened', root, ...opened });
}
