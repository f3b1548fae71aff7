import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueryCancelled } from '../../language-server/data/query-service.js';
import { WorkerQueryService } from '../../language-server/data/worker-query-service.js';
import { bundle } from '../extension/bundle-lock.js';
import { SAMPLE, SERVER } from './lsp-process.js';

/**
 * The language server's query worker, the bundled server started as a worker thread as the
 * server starts it (`main.ts`): one worker,
 * so one copy of each database in the server process, shared by the data checks and the code
 * lens counts (`background()`), whose jobs wait behind the quick ones.
 */
describe('the language server holds one copy of the data', () => {
    const database = join(SAMPLE, 'retail.sqlite');
    let service: WorkerQueryService | undefined;
    const start = (): WorkerQueryService => {
        service = new WorkerQueryService({ file: SERVER, niceness: 10 });
        return service;
    };
    beforeAll(() => bundle());
    afterEach(() => service?.dispose());

    it('data checks and counts read the file once, into one copy', async () => {
        const quick = start();
        const counts = quick.background();
        expect(await quick.status(database)).toMatchObject({ kind: 'ok' });
        const [tables, customers, purchases] = await Promise.all([
            quick.tables(database),
            counts.query(database, 'SELECT count(*) FROM customers'),
            counts.query(database, 'SELECT count(*) FROM purchases')
        ]);
        expect(tables.map(t => t.name)).toContain('customers');
        expect(customers[0][0]).toBeGreaterThan(0);
        expect(purchases[0][0]).toBeGreaterThan(0);
        expect(await quick.copies()).toEqual({ reads: 1, closes: 0, open: 1 });
    });

    it('a quick query goes before the counts waiting, and its answer is not held up by them', async () => {
        const quick = start();
        const counts = quick.background();
        await quick.status(database);
        const order: string[] = [];
        const slow = 'SELECT count(*) FROM purchases';
        const background = [1, 2, 3].map(i => counts.query(database, slow).then(() => order.push(`count ${i}`)));
        const first = quick.query(database, 'SELECT 1').then(() => order.push('quick'));
        await Promise.all([...background, first]);
        // The first count was running already; the quick one went before the two waiting.
        expect(order).toEqual(['count 1', 'quick', 'count 2', 'count 3']);
    });

    it('a count aborted while it runs is dropped, and the worker keeps its copy', async () => {
        const quick = start();
        const counts = quick.background();
        await quick.status(database);
        const abort = new AbortController();
        const running = counts.query(database, 'SELECT sum(amount) FROM purchases', abort.signal);
        // Sent to the worker at once (nothing else waits), so it is running when aborted.
        abort.abort();
        await expect(running).rejects.toBeInstanceOf(QueryCancelled);
        expect(await quick.query(database, 'SELECT count(*) FROM products')).toEqual([[200]]);
        expect(await quick.copies()).toEqual({ reads: 1, closes: 0, open: 1 });
    });
});
