import { Worker } from 'node:worker_threads';
import type * as vscode from 'vscode';
import type { DatabaseOpened, EvaluationContext, EvaluatorProgress, EvaluatorRequest, EvaluatorResults, HostToWorker, ProgressOf, ProgressOp, WorkerToHost } from '../evaluator/protocol.js';

export class CancelledRequest extends Error {
    constructor() {
        super('cancelled');
        this.name = 'CancelledRequest';
    }
}

interface Pending {
    resolve(value: unknown): void;
    reject(error: Error): void;
    progress?(value: EvaluatorProgress[ProgressOp]): void;
    /** The request, to send again to a new worker when the old one was stopped for another's cancel. */
    readonly message: HostToWorker;
}

/**
 * How long a cancelled request may take to stop on its own: the worker checks between queries,
 * but one long query on sql.js cannot be interrupted, so past this the worker is stopped.
 */
export const STOP_AFTER_CANCEL_MS = 1_500;

/**
 * The extension host's side of the evaluator worker: numbered requests, answers matched by id,
 * cancellation forwarded, unsaved text mirrored. A crashed worker is started again on the next
 * request, with the unsaved text sent again.
 */
export class EvaluatorClient implements vscode.Disposable {
    private worker?: Worker;
    private nextId = 1;
    private readonly pending = new Map<number, Pending>();
    private readonly overlays = new Map<string, string>();

    /** Workers stopped because a cancelled request did not stop in time. */
    stops = 0;
    /** Called when a request read a database file into a new copy (`opened`). */
    onDatabaseOpened: (opened: DatabaseOpened) => void = () => undefined;

    /** `onEngineNotInstalled`: called when an answer says the picked engine is not in this build. */
    constructor(private readonly script: string, private readonly log: Pick<vscode.OutputChannel, 'appendLine'>, private readonly onEngineNotInstalled: () => void = () => undefined, private readonly stopAfterCancelMs = STOP_AFTER_CANCEL_MS) {}

    /** `progress`: each part of the answer the worker sends before the whole (`EvaluatorProgress`: a `runTests`'s outcomes, a preview's count). */
    request<K extends EvaluatorRequest['op']>(context: EvaluationContext, request: Extract<EvaluatorRequest, { op: K }>, token?: Pick<vscode.CancellationToken, 'isCancellationRequested' | 'onCancellationRequested'>, progress?: (value: ProgressOf<K>) => void): Promise<EvaluatorResults[K]> {
        const worker = this.ensureWorker();
        const id = this.nextId++;
        return new Promise<EvaluatorResults[K]>((resolve, reject) => {
            if (token?.isCancellationRequested) return reject(new CancelledRequest());
            const message: HostToWorker = { type: 'request', id, context, request };
            // The worker sends a request's own kind of progress only.
            this.pending.set(id, { resolve: v => resolve(v as EvaluatorResults[K]), reject, message, ...(progress ? { progress: v => progress(v as ProgressOf<K>) } : {}) });
            token?.onCancellationRequested(() => this.cancel(id));
            this.post(message, worker);
        });
    }

    /**
     * Cancels request `id`: the worker stops it at its next check; if it is still running after
     * `stopAfterCancelMs` (one long query), the worker is stopped, the request answered as
     * cancelled, and the other requests sent again to a new worker.
     */
    private cancel(id: number): void {
        if (!this.pending.has(id)) return;
        this.post({ type: 'cancel', id });
        const worker = this.worker;
        setTimeout(() => {
            const p = this.pending.get(id);
            if (!p || !worker || this.worker !== worker) return;
            this.log.appendLine(`request ${id} did not stop ${this.stopAfterCancelMs} ms after its cancel: stopping the evaluator`);
            this.stops++;
            this.worker = undefined;
            void worker.terminate();
            this.pending.delete(id);
            p.reject(new CancelledRequest());
            if (this.pending.size === 0) return;
            const next = this.ensureWorker();
            for (const other of this.pending.values()) this.post(other.message, next);
        }, this.stopAfterCancelMs);
    }

    /** Unsaved text of a `.segment` file, or undefined when the editor matches the disk. */
    overlay(file: string, text: string | undefined): void {
        if (text === undefined) this.overlays.delete(file);
        else this.overlays.set(file, text);
        if (this.worker) this.post({ type: 'overlay', file, ...(text !== undefined ? { text } : {}) });
    }

    invalidate(): void {
        if (this.worker) this.post({ type: 'invalidate' });
    }

    private ensureWorker(): Worker {
        if (this.worker) return this.worker;
        const worker = new Worker(this.script);
        worker.on('message', (m: WorkerToHost) => this.onMessage(m));
        worker.on('error', e => this.log.appendLine(`evaluator error: ${e.stack ?? e.message}`));
        worker.on('exit', code => {
            // A worker stopped on purpose (a cancel) has handed its requests to the next one.
            if (this.worker !== worker) return;
            this.worker = undefined;
            for (const p of this.pending.values()) p.reject(new Error(`the evaluator stopped (exit code ${code})`));
            this.pending.clear();
        });
        this.worker = worker;
        for (const [file, text] of this.overlays) this.post({ type: 'overlay', file, text }, worker);
        return worker;
    }

    private onMessage(m: WorkerToHost): void {
        if (m.type === 'opened') {
            const { type: _type, ...opened } = m;
            this.onDatabaseOpened(opened);
            return;
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        if (m.type === 'progress') {
            p.progress?.(m.value);
            return;
        }
        this.pending.delete(m.id);
        if (m.type === 'result') p.resolve(m.result);
        else if (m.type === 'cancelled') p.reject(new CancelledRequest());
        else {
            if (m.code === 'engine-not-installed') this.onEngineNotInstalled();
            p.reject(new Error(m.message));
        }
    }

    private post(message: HostToWorker, worker = this.worker): void {
        worker?.postMessage(message);
    }

    dispose(): void {
        void this.worker?.terminate();
        this.worker = undefined;
    }
}
