import { createServer, type Server } from 'node:http';

/** A batch as the webhook destination sends it (reference, section 7). */
export interface WebhookBody {
    readonly segment: string;
    readonly audience: string;
    readonly asOf: string;
    readonly run: number;
    readonly batch: number;
    readonly entered: readonly number[];
    readonly exited: readonly number[];
}

/** How the receiver treats requests: shares of refused (503 or 429) and dropped connections; the rest is answered 200, some slowly. */
export interface Flakiness {
    readonly refuse: number;
    readonly drop: number;
    /** Share of answers that take 300 to 1,200 ms (the others take up to 60 ms). */
    readonly slow: number;
}

export interface ReceiverFigures {
    /** Requests that arrived whole. */
    requests: number;
    refused: number;
    dropped: number;
    /** Dropped after taking the batch in (the answer is lost: the sender must send it again). */
    droppedAfterTaking: number;
    slow: number;
    /** Requests whose sender went away before the request was whole (a refresher killed mid-request). */
    abandoned: number;
    /** Requests that carried a key already seen (refused, dropped or taken): retries. */
    retries: number;
    /** Batches taken with a key already taken: duplicates the key de-duplicates. */
    duplicates: number;
}

/**
 * A webhook receiver on loopback that refuses, drops and slows requests at random (seeded), and
 * keeps every batch it took in order of arrival, with its `Idempotency-Key`.
 */
export class FlakyReceiver {
    readonly taken: { readonly key: string; readonly body: WebhookBody }[] = [];
    readonly figures: ReceiverFigures = { requests: 0, refused: 0, dropped: 0, droppedAfterTaking: 0, slow: 0, abandoned: 0, retries: 0, duplicates: 0 };
    /** Requests being read or answered now. */
    inFlight = 0;
    /** Called when a request has arrived whole, before it is answered. */
    onRequest: (() => void) | undefined;
    private readonly server: Server;
    private readonly seenKeys = new Set<string>();
    private readonly takenKeys = new Set<string>();
    private random: () => number;

    constructor(private readonly flakiness: Flakiness, seed: number) {
        this.random = mulberry32(seed);
        this.server = createServer((req, res) => {
            this.inFlight++;
            let whole = false;
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('close', () => {
                if (!whole) this.figures.abandoned++;
            });
            res.on('close', () => { this.inFlight--; });
            req.on('end', () => {
                whole = true;
                const key = String(req.headers['idempotency-key'] ?? '');
                this.figures.requests++;
                if (this.seenKeys.has(key)) this.figures.retries++;
                this.seenKeys.add(key);
                this.onRequest?.();
                const r = this.random();
                const take = (): void => {
                    if (this.takenKeys.has(key)) this.figures.duplicates++;
                    this.takenKeys.add(key);
                    this.taken.push({ key, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookBody });
                };
                if (r < this.flakiness.refuse) {
                    this.figures.refused++;
                    res.writeHead(this.random() < 0.66 ? 503 : 429).end();
                } else if (r < this.flakiness.refuse + this.flakiness.drop) {
                    this.figures.dropped++;
                    if (this.random() < 0.5) {
                        this.figures.droppedAfterTaking++;
                        take();
                    }
                    req.socket.destroy();
                } else {
                    const slow = this.random() < this.flakiness.slow;
                    if (slow) this.figures.slow++;
                    const delay = slow ? 300 + this.random() * 900 : this.random() * 60;
                    setTimeout(() => {
                        if (res.destroyed) return;
                        take();
                        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
                    }, delay);
                }
            });
        });
    }

    async listen(): Promise<string> {
        await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
        const address = this.server.address();
        if (address === null || typeof address === 'string') throw new Error('the receiver has no port');
        return `http://127.0.0.1:${address.port}/segments`;
    }

    async close(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise(resolve => this.server.close(resolve));
    }

    /**
     * The receiver's de-duplicated view: each key's first batch, in arrival order, per segment,
     * with the batches of one run joined: run → entered and exited keys.
     */
    view(): Map<string, { run: number; batches: number[]; entered: number[]; exited: number[] }[]> {
        const seen = new Set<string>();
        const result = new Map<string, { run: number; batches: number[]; entered: number[]; exited: number[] }[]>();
        for (const { key, body } of this.taken) {
            if (seen.has(key)) continue;
            seen.add(key);
            const runs = result.get(body.segment) ?? [];
            const last = runs[runs.length - 1];
            if (last && last.run === body.run) {
                last.batches.push(body.batch);
                last.entered.push(...body.entered);
                last.exited.push(...body.exited);
            } else {
                runs.push({ run: body.run, batches: [body.batch], entered: [...body.entered], exited: [...body.exited] });
            }
            result.set(body.segment, runs);
        }
        return result;
    }
}

/** A seeded random stream (mulberry32), so a failing run can be played again. */
export function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
