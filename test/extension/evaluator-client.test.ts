import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledRequest, EvaluatorClient } from '../../extension/src/host/evaluator-client.js';
import { bundle } from './bundle-lock.js';
import { REPO, smallWorkspace } from './sample-workspace.js';

/** A cancellation token as VS Code hands one to a request. */
function cancellable(): { token: { isCancellationRequested: boolean; onCancellationRequested(listener: (e: unknown) => unknown): { dispose(): void } }; cancel(): void } {
    const listeners: ((e: unknown) => unknown)[] = [];
    const token = {
        isCancellationRequested: false,
        onCancellationRequested(listener: (e: unknown) => unknown) {
            listeners.push(listener);
            return { dispose: () => undefined };
        }
    };
    return { token, cancel: () => { token.isCancellationRequested = true; listeners.forEach(l => l(undefined)); } };
}

/**
 * The host's side of the evaluator (out/evaluator.cjs in a worker thread): Cancel really stops a
 * query. One sql.js query cannot be interrupted, so a request still running shortly after its
 * cancel stops the worker; the other requests are answered by a new one.
 */
describe('the evaluator client', () => {
    const log: string[] = [];
    let client: EvaluatorClient;
    afterAll(() => client?.dispose());

    it('stops a long query on Cancel, answers it as cancelled, and runs the requests after it on a new worker', async () => {
        await bundle();
        // A segment whose queries take many seconds on sql.js: two aggregates over 2 million visits.
        const workspace = await smallWorkspace(`CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) INSERT INTO people SELECT i, 'p' || i FROM n;
            CREATE TABLE visits (id INTEGER PRIMARY KEY, person_id INTEGER, pages INTEGER);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000) INSERT INTO visits SELECT i, i % 200000, i % 97 FROM n;`,
        [
            'entity Person from people key Id {', '  Id number column id', '  Name text column name', '}',
            'entity Visit from visits key Id {', '  Id number column id', '  PersonId number column person_id -> Person', '  Pages number column pages', '}',
            'dynamic segment Busy {', '  audience Person', '  group {', '    count(Visit where Visit.Pages > 3) > 9 and sum(Visit.Pages) > 400', '  }', '}', ''
        ].join('\n'));
        // The stop comes 5 ms after the cancel (1.5 s in the extension): a cancel that lands while a
        // query runs is then always stopped by the client, never answered by the worker between
        // two queries, whatever this machine's speed.
        client = new EvaluatorClient(join(REPO, 'out', 'evaluator.cjs'), { appendLine: line => log.push(line) }, () => undefined, 5);
        const context = { root: workspace.root, asOf: '2027-02-11' };
        // The model and the database are read first, so the preview starts on its queries at once.
        expect((await client.request(context, { op: 'outline' })).segments.map(s => s.name)).toEqual(['Busy']);
        const run = cancellable();
        const started = performance.now();
        const preview = client.request(context, { op: 'preview', segment: 'Busy', pageOffset: 0, pageSize: 5 }, run.token);
        // Queued behind it in the worker: answered after the stop, by the next worker.
        const queued = client.request(context, { op: 'segments' });
        // A second in, the worker is reading the database or running the first query (whole, the
        // preview takes many seconds even on a quiet machine).
        await new Promise(r => setTimeout(r, 1_000));
        run.cancel();
        const cancelledAt = performance.now();
        await expect(preview).rejects.toBeInstanceOf(CancelledRequest);
        const stoppedIn = performance.now() - cancelledAt;
        expect(client.stops).toBe(1);
        expect(stoppedIn).toBeLessThan(5_000);
        expect(log.some(l => l.includes('stopping the evaluator'))).toBe(true);
        expect((await queued).map(s => s.name)).toEqual(['Busy']);
        // (Run whole, this preview takes about 28 s on a loaded machine.)
        console.log(`cancelled ${Math.round(cancelledAt - started)} ms into the preview; answered ${Math.round(stoppedIn)} ms after the cancel`);
    }, 180_000);
});
