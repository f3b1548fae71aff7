import { Worker } from 'node:worker_threads';
import type { SqlValue } from '../../engine/engine.js';
import type { CopyCounts } from '../../engine/shared-copies.js';
import { QueryCancelled, type DatabaseStatus, type QueryService, type TableInfo } from './query-service.js';
import { QUERY_WORKER_ROLE, type QueryWorkerData, type WorkerReply, type WorkerRequest, type WorkerResult } from './worker-protocol.js';

/** How to start the worker: the script (the server's own entry point) and its Node.js options. */
export interface WorkerScript {
    readonly file: string;
    readonly execArgv?: readonly string[];
    /**
     * Run the worker's thread at this niceness (Linux; 0 to 19, higher is lower priority). On a
     * machine with few cores a worker busy with a slow query otherwise competes with the
     * language server's own thread, and completion waits for the CPU.
     */
    readonly niceness?: number;
}

type Job = {
    readonly request: WorkerRequest;
    readonly resolve: (result: WorkerResult) => void;
    readonly reject: (error: Error) => void;
    readonly signal?: AbortSignal;
    /** Waits behind every quick job (the code lens counts). */
    readonly background: boolean;
    /** Aborted while it ran: its answer is dropped. */
    dropped?: boolean;
};

/**
 * How long a query aborted while it runs may still run before the worker is stopped. sql.js
 * cannot interrupt a query, and stopping the worker drops its copy of the data (read again by
 * the next job, 2 s at the benchmark's medium size): a query that ends soon is let finish.
 */
export const STOP_ABORTED_AFTER_MS = 3000;

type RequestBody = WorkerRequest extends infer R ? R extends WorkerRequest ? Omit<R, 'id'> : never : never;

/**
 * Queries run in a worker thread, one at a time, so a slow query never blocks the language
 * server's thread. The worker holds the server's one copy of each database, shared by the data
 * checks and the code lens counts (`background()`), whose jobs wait behind the quick ones.
 * A queued job whose signal aborts is dropped; a running one has its answer dropped, and the
 * worker is stopped only when it has not answered `STOP_ABORTED_AFTER_MS` later (the next job
 * then starts a new one, which reads the data again).
 */
export class WorkerQueryService implements QueryService {
    private worker: Worker | undefined;
    private readonly queue: Job[] = [];
    private running: Job | undefined;
    private stopTimer: NodeJS.Timeout | undefined;
    private nextId = 1;

    constructor(private readonly script: WorkerScript) {}

    status(file: string): Promise<DatabaseStatus> {
        return this.submit({ op: 'status', file }, false) as Promise<DatabaseStatus>;
    }

    tables(file: string): Promise<readonly TableInfo[]> {
        return this.submit({ op: 'tables', file }, false) as Promise<readonly TableInfo[]>;
    }

    query(file: string, sql: string, signal?: AbortSignal): Promise<SqlValue[][]> {
        return this.submit({ op: 'query', file, sql }, false, signal) as Promise<SqlValue[][]>;
    }

    /** How many copies the worker has read and closed, and holds now (tests and benchmarks). */
    copies(): Promise<CopyCounts> {
        return this.submit({ op: 'copies' }, false) as Promise<CopyCounts>;
    }

    /**
     * The same worker and copies, for slow work: its jobs run after every quick job queued, and
     * disposing of it disposes of nothing (the service's owner does that).
     */
    background(): QueryService {
        return {
            status: file => this.submit({ op: 'status', file }, true) as Promise<DatabaseStatus>,
            tables: file => this.submit({ op: 'tables', file }, true) as Promise<readonly TableInfo[]>,
            query: (file, sql, signal) => this.submit({ op: 'query', file, sql }, true, signal) as Promise<SqlValue[][]>,
            dispose: () => undefined
        };
    }

    dispose(): void {
        for (const job of this.queue.splice(0)) job.reject(new QueryCancelled());
        this.running?.reject(new QueryCancelled());
        this.running = undefined;
        this.stopWorker();
    }

    private submit(body: RequestBody, background: boolean, signal?: AbortSignal): Promise<WorkerResult> {
        if (signal?.aborted) return Promise.reject(new QueryCancelled());
        return new Promise<WorkerResult>((resolve, reject) => {
            const job: Job = { request: { ...body, id: this.nextId++ } as WorkerRequest, resolve, reject, background, ...(signal ? { signal } : {}) };
            signal?.addEventListener('abort', () => this.abort(job), { once: true });
            // A quick job goes before the background ones already waiting.
            const at = background ? -1 : this.queue.findIndex(j => j.background);
            if (at < 0) this.queue.push(job);
            else this.queue.splice(at, 0, job);
            this.pump();
        });
    }

    private abort(job: Job): void {
        const queued = this.queue.indexOf(job);
        if (queued >= 0) {
            this.queue.splice(queued, 1);
            job.reject(new QueryCancelled());
        } else if (this.running === job && !job.dropped) {
            job.dropped = true;
            job.reject(new QueryCancelled());
            this.stopTimer = setTimeout(() => {
                if (this.running !== job) return;
                this.running = undefined;
                this.stopWorker();
                this.pump();
            }, STOP_ABORTED_AFTER_MS);
            this.stopTimer.unref?.();
        }
    }

    private stopWorker(): void {
        clearTimeout(this.stopTimer);
        void this.worker?.terminate();
        this.worker = undefined;
    }

    private pump(): void {
        if (this.running) return;
        const job = this.queue.shift();
        if (!job) return;
        this.running = job;
        this.ensureWorker().postMessage(job.request);
    }

    private ensureWorker(): Worker {
        if (this.worker) return this.worker;
        const worker = new Worker(this.script.file, {
            workerData: { role: QUERY_WORKER_ROLE, ...(this.script.niceness !== undefined ? { niceness: this.script.niceness } : {}) } satisfies QueryWorkerData,
            execArgv: [...(this.script.execArgv ?? [])],
            stdout: true, stderr: false
        });
        worker.unref();
        worker.stdout.resume();
        worker.on('message', (reply: WorkerReply) => {
            const job = this.running;
            if (!job || job.request.id !== reply.id) return;
            this.running = undefined;
            clearTimeout(this.stopTimer);
            if (job.dropped) { /* aborted: its caller has its answer already */ } else if (reply.ok) job.resolve(reply.result);
            else job.reject(new Error(reply.message));
            this.pump();
        });
        const fail = (error: Error): void => {
            if (this.worker !== worker) return;
            this.worker = undefined;
            const job = this.running;
            this.running = undefined;
            job?.reject(error);
            this.pump();
        };
        worker.on('error', fail);
        worker.on('exit', code => fail(new Error(`query worker stopped (exit code ${code})`)));
        this.worker = worker;
        return worker;
    }
}
