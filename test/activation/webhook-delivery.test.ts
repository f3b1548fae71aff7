import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { destinationStatus } from '../../activation/delivery-status.js';
import { backoffDelay, deliverOutbox } from '../../activation/webhook-delivery.js';
import { HistoryStore } from '../../history/history-store.js';
import { MAX_KEYS_PER_BATCH, type WebhookQueue } from '../../history/outbox.js';

interface Received {
    readonly key: string;
    readonly body: { segment: string; audience: string; asOf: string; run: number; batch: number; entered: unknown[]; exited: unknown[] };
}

/** A receiver on loopback that answers each request with `answer` (a status, or 'drop' to close the connection). */
async function receiver(answer: (n: number) => number | 'drop'): Promise<{ url: string; received: Received[]; server: Server }> {
    const received: Received[] = [];
    let n = 0;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            const what = answer(n++);
            if (what === 'drop') {
                req.socket.destroy();
                return;
            }
            if (what >= 200 && what < 300) received.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'] });
            res.writeHead(what).end();
        });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    servers.push(server);
    return { url: `http://127.0.0.1:${address.port}/segments`, received, server };
}

const servers: Server[] = [];
afterEach(() => {
    for (const s of servers.splice(0)) s.close();
});

function storeFile(): string {
    return join(mkdtempSync(join(tmpdir(), 'segments-webhook-')), 'retail.history.sqlite');
}

const queue = (url: string, integerKeys = true): WebhookQueue => ({ audience: 'Customer', integerKeys, destinations: [{ name: 'Crm', url }] });
const fast = { retry: { baseMs: 1, capMs: 1 } };

describe('webhook outbox in the history store', () => {
    it('a run\'s batches are queued in the run\'s own save: every member entered at the first run, then who entered and exited; nothing when nobody moved', async () => {
        const file = storeFile();
        const store = await HistoryStore.open(file);
        store.record('HighBalance', '2027-02-11 00:00:00', [1, 2, 3], undefined, undefined, queue('http://127.0.0.1:9/x'));
        expect((await HistoryStore.open(file)).outbox()).toEqual([]);
        await store.save();
        store.record('HighBalance', '2027-02-12 00:00:00', [2, 3, 4], undefined, undefined, queue('http://127.0.0.1:9/x'));
        store.record('HighBalance', '2027-02-13 00:00:00', [2, 3, 4], undefined, undefined, queue('http://127.0.0.1:9/x'));
        await store.save();
        store.close();
        const again = await HistoryStore.open(file);
        const runs = again.runs('HighBalance').map(r => r.id);
        expect(runs).toHaveLength(3);
        expect(again.outbox().map(b => [b.run, b.batch, JSON.parse(b.body)])).toEqual([
            [runs[0], 1, { segment: 'HighBalance', audience: 'Customer', asOf: '2027-02-11 00:00:00', run: runs[0], batch: 1, entered: [1, 2, 3], exited: [] }],
            [runs[1], 1, { segment: 'HighBalance', audience: 'Customer', asOf: '2027-02-12 00:00:00', run: runs[1], batch: 1, entered: [4], exited: [1] }]
        ]);
        expect(destinationStatus(again, 'HighBalance')).toMatchObject([{ destination: 'Crm', state: 'waiting', waitingBatches: 2, waitingRuns: [runs[0], runs[1]], attempts: 0 }]);
        again.close();
    });

    it('a run that starts another series (an edit, another pinned instant) sends who entered and exited since the segment\'s latest run, not every member again', async () => {
        const file = storeFile();
        const store = await HistoryStore.open(file);
        store.record('HighBalance', '2027-02-11 00:00:00', [1, 2, 3], undefined, undefined, queue('http://127.0.0.1:9/x'), 'as of 2027-02-11 00:00:00 d1');
        const second = store.record('HighBalance', '2027-02-12 00:00:00', [2, 3, 4], undefined, undefined, queue('http://127.0.0.1:9/x'), 'as of 2027-02-12 00:00:00 d1');
        // The history's series starts again (every member its first), the receiver hears the difference.
        expect(second).toMatchObject({ first: true, entered: [], left: [] });
        await store.save();
        store.close();
        const again = await HistoryStore.open(file);
        const runs = again.runs('HighBalance').map(r => r.id);
        expect(again.outbox().map(b => JSON.parse(b.body) as { entered: unknown[]; exited: unknown[] }).map(b => [b.entered, b.exited])).toEqual([[[1, 2, 3], []], [[4], [1]]]);
        expect(again.outbox().map(b => b.run)).toEqual(runs);
        again.close();
    });

    it('at most 10,000 keys a request, entered before exited; a 64-bit key beyond 2^53 is sent as an exact JSON number', async () => {
        const file = storeFile();
        const store = await HistoryStore.open(file);
        const many = Array.from({ length: MAX_KEYS_PER_BATCH + 5 }, (_, i) => i + 1);
        store.record('All', '2027-02-11 00:00:00', many, undefined, undefined, queue('http://127.0.0.1:9/x'));
        store.record('All', '2027-02-12 00:00:00', [...many.slice(3), '9007199254740993'], undefined, undefined, queue('http://127.0.0.1:9/x'));
        await store.save();
        const [first, second, third] = store.outbox();
        expect([first.batch, second.batch, third.batch]).toEqual([1, 2, 1]);
        expect((JSON.parse(first.body) as Received['body']).entered).toHaveLength(MAX_KEYS_PER_BATCH);
        expect((JSON.parse(second.body) as Received['body']).entered).toEqual([10_001, 10_002, 10_003, 10_004, 10_005]);
        expect(third.body).toContain('"entered":[9007199254740993],"exited":[1,2,3]}');
        store.close();
    });

    it('a text key that looks like a number stays a string', async () => {
        const store = await HistoryStore.open(storeFile());
        store.record('Codes', '2027-02-11 00:00:00', ['007', 'A1'], undefined, undefined, queue('http://127.0.0.1:9/x', false));
        await store.save();
        expect((JSON.parse(store.outbox()[0].body) as Received['body']).entered).toEqual(['007', 'A1']);
        store.close();
    });

    it('a destination a segment activates since a later run gets every member as entered at its first run', async () => {
        const store = await HistoryStore.open(storeFile());
        store.record('S', '2027-02-11 00:00:00', [1, 2]);
        store.record('S', '2027-02-12 00:00:00', [2, 3], undefined, undefined, queue('http://127.0.0.1:9/x'));
        await store.save();
        expect(store.outbox().map(b => (JSON.parse(b.body) as Received['body']).entered)).toEqual([[2, 3]]);
        store.close();
    });
});

describe('webhook delivery', () => {
    it('delivers in order with Idempotency-Key RUN/BATCH; the status says delivered up to the last run', async () => {
        const r = await receiver(() => 200);
        const file = storeFile();
        const store = await HistoryStore.open(file);
        for (const [day, keys] of [[11, [1, 2]], [12, [2, 3]], [13, [3]]] as const) store.record('S', `2027-02-${day} 00:00:00`, keys, undefined, undefined, queue(r.url));
        await store.save();
        const runs = store.runs('S').map(x => x.id);
        store.close();
        const pass = await deliverOutbox(file, fast);
        expect(pass).toMatchObject({ sent: 3, delivered: 3, failed: 0, waiting: 0 });
        expect(r.received.map(x => x.key)).toEqual(runs.map(id => `${id}/1`));
        expect(r.received.map(x => [x.body.entered, x.body.exited])).toEqual([[[1, 2], []], [[3], [1]], [[], [2]]]);
        const after = await HistoryStore.open(file);
        expect(after.outbox()).toEqual([]);
        const [status] = destinationStatus(after, 'S');
        expect(status).toMatchObject({ state: 'delivered', deliveredRun: runs[2], waitingBatches: 0, attempts: 0, summary: `delivered up to run ${runs[2]}` });
        after.close();
    });

    it('a refused, dropped or slow request stops that destination\'s queue (nothing later goes first), says failing since when with the error, and is retried after the backoff', async () => {
        // Answers: 503, dropped, then 200 from then on.
        const r = await receiver(n => (n === 0 ? 503 : n === 1 ? 'drop' : 200));
        const file = storeFile();
        const store = await HistoryStore.open(file);
        store.record('S', '2027-02-11 00:00:00', [1], undefined, undefined, queue(r.url));
        store.record('S', '2027-02-12 00:00:00', [2], undefined, undefined, queue(r.url));
        await store.save();
        store.close();
        const retry = { baseMs: 200, capMs: 400 };
        const first = await deliverOutbox(file, { retry });
        expect(first).toMatchObject({ sent: 1, delivered: 0, failed: 1, waiting: 2 });
        expect(first.nextAttemptAt! - Date.now()).toBeLessThanOrEqual(200);
        // Before the backoff has passed, nothing is sent.
        expect(await deliverOutbox(file, { retry })).toMatchObject({ sent: 0, waiting: 2 });
        let s = await HistoryStore.open(file);
        const [failing] = destinationStatus(s, 'S');
        s.close();
        expect(failing).toMatchObject({ state: 'failing', attempts: 1, waitingBatches: 2, lastError: `HTTP 503 Service Unavailable (${r.url})` });
        expect(failing.summary).toMatch(/^failing since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(1 attempt, next try at \d\d:\d\d:\d\d\): HTTP 503 Service Unavailable/);
        await new Promise(res => setTimeout(res, 250));
        const second = await deliverOutbox(file, { retry });
        expect(second).toMatchObject({ sent: 1, failed: 1 });
        s = await HistoryStore.open(file);
        expect(destinationStatus(s, 'S')[0]).toMatchObject({ state: 'failing', attempts: 2, failingSince: failing.failingSince, lastError: `the connection was dropped (ECONNRESET) (${r.url})` });
        s.close();
        // The second retry waits longer (doubled, capped at 400 ms).
        await new Promise(res => setTimeout(res, 450));
        expect(await deliverOutbox(file, { retry })).toMatchObject({ sent: 2, delivered: 2, waiting: 0 });
        expect(r.received.map(x => x.body.entered)).toEqual([[1], [2]]);
        s = await HistoryStore.open(file);
        expect(destinationStatus(s, 'S')[0]).toMatchObject({ state: 'delivered', attempts: 0 });
        expect(destinationStatus(s, 'S')[0].failingSince).toBeUndefined();
        s.close();
    });

    it('a receiver that does not answer in time is a failure; the batch is sent again with the same key', async () => {
        const keys: string[] = [];
        let n = 0;
        const server = createServer((req, res) => {
            keys.push(String(req.headers['idempotency-key']));
            req.resume();
            if (n++ === 0) return; // never answers
            res.writeHead(204).end();
        });
        servers.push(server);
        await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
        const port = (server.address() as { port: number }).port;
        const file = storeFile();
        const store = await HistoryStore.open(file);
        store.record('S', '2027-02-11 00:00:00', [1], undefined, undefined, queue(`http://127.0.0.1:${port}/`));
        await store.save();
        store.close();
        expect(await deliverOutbox(file, { ...fast, timeoutMs: 300 })).toMatchObject({ sent: 1, failed: 1 });
        await new Promise(res => setTimeout(res, 5));
        expect(await deliverOutbox(file, { ...fast, timeoutMs: 300 })).toMatchObject({ sent: 1, delivered: 1 });
        expect(keys).toHaveLength(2);
        expect(keys[0]).toBe(keys[1]);
        server.closeAllConnections();
    });

    it('the backoff doubles from the base, is jittered between half and all of it, and never exceeds the cap', () => {
        const policy = { baseMs: 1000, capMs: 60_000 };
        expect([1, 2, 3, 4, 7, 8, 40].map(a => backoffDelay(a, policy, () => 1))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
        expect([1, 2, 3].map(a => backoffDelay(a, policy, () => 0))).toEqual([500, 1000, 2000]);
    });
});
