import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { sqlJsCopyCounts } from '../../engine/sqljs-engine.js';
import { InProcessQueryService } from './in-process-query-service.js';
import type { WorkerReply, WorkerRequest, WorkerResult } from './worker-protocol.js';

/** The body of a query worker thread: answers requests one at a time with sql.js. */
export function serveQueries(niceness?: number): void {
    const port = parentPort;
    if (!port) throw new Error('serveQueries() runs in a worker thread');
    if (niceness !== undefined) lowerThreadPriority(niceness);
    const service = new InProcessQueryService();
    const answer = async (request: WorkerRequest): Promise<WorkerResult> => {
        switch (request.op) {
            case 'status': return service.status(request.file);
            case 'tables': return service.tables(request.file);
            case 'query': return service.query(request.file, request.sql);
            case 'copies': return sqlJsCopyCounts();
        }
    };
    let chain = Promise.resolve();
    port.on('message', (request: WorkerRequest) => {
        chain = chain.then(async () => {
            let reply: WorkerReply;
            try {
                reply = { id: request.id, ok: true, result: await answer(request) };
            } catch (e) {
                reply = { id: request.id, ok: false, message: e instanceof Error ? e.message : String(e) };
            }
            port.postMessage(reply);
        });
    });
}

/**
 * Lowers the priority of this thread only (Linux: `setpriority` on a thread id affects that
 * thread). Elsewhere, or when not allowed, the worker keeps the process's priority.
 */
function lowerThreadPriority(niceness: number): void {
    try {
        const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
        if (Number.isInteger(tid) && tid > 0) setPriority(tid, niceness);
    } catch {
        // Not Linux, or not permitted: nothing to do.
    }
}
