import type { SqlValue } from '../../engine/engine.js';
import type { CopyCounts } from '../../engine/shared-copies.js';
import type { DatabaseStatus, TableInfo } from './query-service.js';

/** `workerData.role` of a query worker: the server's entry point starts one when it sees it. */
export const QUERY_WORKER_ROLE = 'segments-query-worker';

/** What a query worker is started with (`workerData`). */
export interface QueryWorkerData {
    readonly role: typeof QUERY_WORKER_ROLE;
    /** Niceness for the worker's own thread (Linux): a worker for slow queries yields the CPU to the editing thread. */
    readonly niceness?: number;
}

export type WorkerRequest =
    | { readonly id: number; readonly op: 'status'; readonly file: string }
    | { readonly id: number; readonly op: 'tables'; readonly file: string }
    | { readonly id: number; readonly op: 'query'; readonly file: string; readonly sql: string }
    /** How many copies of databases the worker read and closed, and holds (tests and benchmarks). */
    | { readonly id: number; readonly op: 'copies' };

export type WorkerResult = DatabaseStatus | readonly TableInfo[] | SqlValue[][] | CopyCounts;

export type WorkerReply =
    | { readonly id: number; readonly ok: true; readonly result: WorkerResult }
    | { readonly id: number; readonly ok: false; readonly message: string };
