import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The answer to one POST: a 2xx status, or what went wrong in one short phrase. */
export type PostResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly error: string };

/**
 * POSTs a JSON body with its `Idempotency-Key` (reference, section 7) through Node's `http` or
 * `https`. Only a complete 2xx answer counts: a refused or dropped connection, no answer within
 * `timeoutMs`, or any other status is a failure, said in words.
 */
export function postJson(url: string, body: string, idempotencyKey: string, timeoutMs: number): Promise<PostResult> {
    return new Promise(resolve => {
        let settled = false;
        const done = (result: PostResult): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(result);
        };
        let target: URL;
        try {
            target = new URL(url);
        } catch {
            resolve({ ok: false, error: `${url} is not a URL` });
            return;
        }
        const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
        const req = send(target, {
            method: 'POST',
            headers: {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
                'idempotency-key': idempotencyKey,
                'user-agent': 'segments'
            }
        }, (res: IncomingMessage) => {
            res.resume();
            res.on('error', e => done({ ok: false, error: phrase(e) }));
            res.on('aborted', () => done({ ok: false, error: 'the connection was dropped during the answer' }));
            res.on('end', () => {
                const status = res.statusCode ?? 0;
                if (!res.complete) done({ ok: false, error: 'the connection was dropped during the answer' });
                else if (status >= 200 && status < 300) done({ ok: true, status });
                else done({ ok: false, error: `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}` });
            });
        });
        // The whole exchange, not only an idle socket, must end within the timeout.
        const timer = setTimeout(() => {
            done({ ok: false, error: `no answer within ${timeoutMs / 1000} s` });
            req.destroy();
        }, timeoutMs);
        req.on('error', e => done({ ok: false, error: phrase(e) }));
        req.end(body);
    });
}

function phrase(e: Error): string {
    const code = (e as NodeJS.ErrnoException).code;
    switch (code) {
        case 'ECONNREFUSED': return 'connection refused (ECONNREFUSED): is the receiver running?';
        case 'ECONNRESET': return 'the connection was dropped (ECONNRESET)';
        case 'EPIPE': return 'the connection was dropped (EPIPE)';
        case 'ENOTFOUND': return 'the host name is not known (ENOTFOUND)';
        case 'EHOSTUNREACH': return 'the host cannot be reached (EHOSTUNREACH)';
        case 'ETIMEDOUT': return 'the connection timed out (ETIMEDOUT)';
        default: return code ? `${e.message} (${code})` : e.message;
    }
}
