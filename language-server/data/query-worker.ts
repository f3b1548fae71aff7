import { parentPort } from 'node:worker_threads';
import { InProcessQueryService } from './in-process-query-service.js';
import type { WorkerReply, WorkerRequest, WorkerResult } from './worker-protocol.js';

/** The body of a query worker thread: answers requests one at a time with sql.js. */
export function serveQueries(): void {
    const port = parentPort;
    if (!port) throw new Error('serveQueries() runs in a worker thread');
    const service = new InProcessQueryService();
    const answer = async (request: WorkerRequest): Promise<WorkerResult> => {
        switch (request.op) {
            case 'status': return service.status(request.file);
            case 'tables': return service.tables(request.file);
            case 'query': return service.query(request.file, request.sql);
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
