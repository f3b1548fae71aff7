import { isMainThread, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { serveQueries } from './data/query-worker.js';
import { QUERY_WORKER_ROLE, type QueryWorkerData } from './data/worker-protocol.js';
import { WorkerQueryService, type WorkerScript } from './data/worker-query-service.js';
import { followAsOfSetting } from './as-of-setting.js';
import { refreshCodeLensesOnCount } from './refresh-code-lenses.js';
import { createSegmentServices } from './segment-module.js';

// The language server process (stdio or IPC, as the client asks on the command line). The same
// file, started as a worker thread, runs the queries: the bundle has one entry point.
const data = workerData as Partial<QueryWorkerData> | null;
if (!isMainThread && data?.role === QUERY_WORKER_ROLE) {
    serveQueries(data.niceness);
} else {
    const self = fileURLToPath(import.meta.url);
    // From source (tests), the worker needs tsx to load TypeScript; the bundle needs nothing.
    const script: WorkerScript = self.endsWith('.ts') ? { file: self, execArgv: ['--import', 'tsx'] } : { file: self };
    const connection = createConnection(ProposedFeatures.all);
    // One worker, so one copy of the data in this process, shared by the data checks and the
    // counts; counts can be slow, so they wait behind the quick queries, and the worker's thread
    // gives way to this one (completion, diagnostics).
    const queries = new WorkerQueryService({ ...script, niceness: 10 });
    const { shared, Segment } = createSegmentServices({
        connection, ...NodeFileSystem,
        queries: () => queries,
        countQueries: () => queries.background()
    });
    refreshCodeLensesOnCount(connection, shared, Segment.data.SegmentCounts);
    followAsOfSetting(shared, Segment.data.SegmentCounts);
    startLanguageServer(shared);
}
