/**
 * A small webhook receiver for the sample's `CrmEvents` destination (activation.segment): prints each
 * batch of entered and exited members that `segments refresh` sends, and answers 200. A batch
 * sent again (a retry after a lost answer, with the same Idempotency-Key) is said so.
 *
 *   npm run sample:receiver [-- PORT]        (default 8787: http://127.0.0.1:8787/segments)
 */
import { createServer } from 'node:http';

interface Batch {
    readonly segment: string;
    readonly audience: string;
    readonly asOf: string;
    readonly run: number;
    readonly batch: number;
    readonly entered: readonly (string | number)[];
    readonly exited: readonly (string | number)[];
}

const port = Number(process.argv[2] ?? process.env.PORT ?? 8787);
const seen = new Set<string>();

function shown(keys: readonly (string | number)[]): string {
    return keys.length <= 10 ? keys.join(' ') : `${keys.slice(0, 10).join(' ')} ... (${keys.length - 10} more)`;
}

const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
        if (req.method !== 'POST') {
            res.writeHead(405, { allow: 'POST' }).end();
            return;
        }
        let batch: Batch;
        try {
            batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Batch;
        } catch {
            res.writeHead(400).end('not JSON');
            return;
        }
        const key = String(req.headers['idempotency-key'] ?? '');
        const again = seen.has(key);
        seen.add(key);
        const time = new Date().toISOString().slice(11, 19);
        console.log(`${time}  ${batch.segment} (${batch.audience}) run ${batch.run} batch ${batch.batch}, as of ${batch.asOf}, Idempotency-Key ${key}${again ? ', already received: ignored' : ''}`);
        if (!again) {
            console.log(`  entered ${batch.entered.length}: ${shown(batch.entered)}`);
            console.log(`  exited  ${batch.exited.length}: ${shown(batch.exited)}`);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
});

server.on('error', e => {
    console.error(`the receiver cannot listen on 127.0.0.1:${port}: ${e.message}`);
    process.exit(2);
});
server.listen(port, '127.0.0.1', () => {
    console.log(`receiving segment events on http://127.0.0.1:${port}/segments (Ctrl+C to stop)`);
});
