import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { EvaluationContext, EvaluatorRequest, EvaluatorResults, HostToWorker, TestOutcome, WorkerToHost } from '../evaluator/protocol.js';

export class CancelledRequest extends Error {
    constructor() {
        super('cancelled');
        this.name = 'CancelledRequest';
    }
}

interface Pending {
    resolve(value: unknown): void;
    reject(error: Error): void;
    progress?(value: TestOutcome): void;
}

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

    /** `onEngineNotInstalled`: called when an answer says the picked engine is not in this build. */
    constructor(private readonly script: string, private readonly log: vscode.OutputChannel, private readonly onEngineNotInstalled: () => void = () => undefined) {}

    /** `progress`: each part of the answer the worker sends before the whole (a `runTests`'s outcomes). */
    request<K extends EvaluatorRequest['op']>(context: EvaluationContext, request: Extract<EvaluatorRequest, { op: K }>, token?: vscode.CancellationToken, progress?: (value: TestOutcome) => void): Promise<EvaluatorResults[K]> {
        const worker = this.ensureWorker();
        const id = this.nextId++;
        return new Promise<EvaluatorResults[K]>((resolve, reject) => {
            if (token?.isCancellationRequested) return reject(new CancelledRequest());
            this.pending.set(id, { resolve: v => resolve(v as EvaluatorResults[K]), reject, ...(progress ? { progress } : {}) });
            token?.onCancellationRequested(() => this.post({ type: 'cancel', id }));
            this.post({ type: 'request', id, context, request }, worker);
        });
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
            if (this.worker === worker) this.worker = undefined;
            for (const p of this.pending.values()) p.reject(new Error(`the evaluator stopped (exit code ${code})`));
            this.pending.clear();
        });
        this.worker = worker;
        for (const [file, text] of this.overlays) this.post({ type: 'overlay', file, text }, worker);
        return worker;
    }

    private onMessage(m: WorkerToHost): void {
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
