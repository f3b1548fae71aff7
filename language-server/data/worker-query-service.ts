import { Worker } from 'node:worker_threads';
import type { SqlValue } from '../../engine/engine.js';
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
};

type RequestBody = WorkerRequest extends infer R ? R extends WorkerRequest ? Omit<R, 'id'> : never : never;

/**
 * Queries run in a worker thread, one at a time, so a slow query never blocks the language
 * server's thread. A queued job whose signal aborts is dropped; aborting the running job
 * terminates the worker (sql.js cannot interrupt a query), and the next job starts a new one.
 */
export class WorkerQueryService implements QueryService {
    private worker: Worker | undefined;
    private readonly queue: Job[] = [];
    private running: Job | undefined;
    private nextId = 1;

    constructor(private readonly script: WorkerScript) {}

    status(file: string): Promise<DatabaseStatus> {
        return this.submit({ op: 'status', file }) as Promise<DatabaseStatus>;
    }

    tables(file: string): Promise<readonly TableInfo[]> {
        return this.submit({ op: 'tables', file }) as Promise<readonly TableInfo[]>;
    }

    query(file: string, sql: string, signal?: AbortSignal): Promise<SqlValue[][]> {
        return this.submit({ op: 'query', file, sql }, signal) as Promise<SqlValue[][]>;
    }

    dispose(): void {
        for (const job of this.queue.splice(0)) job.reject(new QueryCancelled());
        this.running?.reject(new QueryCancelled());
        this.running = undefined;
        void this.worker?.terminate();
        this.worker = undefined;
    }

    private submit(body: RequestBody, signal?: AbortSignal): Promise<WorkerResult> {
        if (signal?.aborted) return Promise.reject(new QueryCancelled());
        return new Promise<WorkerResult>((resolve, reject) => {
            const job: Job = { request: { ...body, id: this.nextId++ } as WorkerRequest, resolve, reject, ...(signal ? { signal } : {}) };
            signal?.addEventListener('abort', () => this.abort(job), { once: true });
            this.queue.push(job);
            this.pump();
        });
    }

    private abort(job: Job): void {
        const queued = this.queue.indexOf(job);
        if (queued >= 0) {
            this.queue.splice(queued, 1);
            job.reject(new QueryCancelled());
        } else if (this.running === job) {
            this.running = undefined;
            job.reject(new QueryCancelled());
            void this.worker?.terminate();
            this.worker = undefined;
            this.pump();
        }
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
            if (reply.ok) job.resolve(reply.result);
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
