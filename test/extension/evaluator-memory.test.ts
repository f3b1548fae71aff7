import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostToWorker, WorkerToHost } from '../../extension/src/evaluator/protocol.js';
import { bundle } from './bundle-lock.js';
import { copySample, REPO, SAMPLE_AS_OF } from './sample-workspace.js';

/** Another build's evaluator to compare with (`SEGMENTS_EVALUATOR`); by default this one's bundle. */
const EVALUATOR = process.env.SEGMENTS_EVALUATOR ?? join(REPO, 'out', 'evaluator.cjs');
const PADDING_MIB = 64;
const WARM_UP = 3;
const EDITS = 20;

/**
 * The bundled evaluator (out/evaluator.cjs) in a worker thread of this process, as the extension
 * host runs it, on the sample with its database grown to about 68 MB (a table the schema does
 * not name, so a copy of the data weighs that much). Each edit sends the unsaved text, as the
 * editor does, and previews the edited segment.
 *
 * The tolerance: the process's resident memory may grow by less than one copy of the database
 * over the twenty edits after a warm-up of three. A copy read per edit and never closed (the
 * fault this guards against) grows it by twenty copies, about 1.4 GB, and a single copy read
 * again and kept by one copy; without them the growth is the JavaScript heap of the parsed
 * models between collections (about 20 MB). Load on the machine
 * makes the edits slower, not bigger: the garbage collector runs on allocation, not on time.
 */
describe('evaluator worker: memory does not grow per edit', () => {
    let worker: Worker;
    let root: string;
    let nextId = 1;
    const answers = new Map<number, (m: WorkerToHost) => void>();
    const ask = (request: Extract<HostToWorker, { type: 'request' }>['request']): Promise<WorkerToHost> => {
        const id = nextId++;
        return new Promise(resolve => {
            answers.set(id, resolve);
            worker.postMessage({ type: 'request', id, context: { root, asOf: SAMPLE_AS_OF }, request } satisfies HostToWorker);
        });
    };

    beforeAll(async () => {
        if (!process.env.SEGMENTS_EVALUATOR) await bundle();
        root = copySample();
        const database = join(root, 'retail.sqlite');
        const SQL = await initSqlJs();
        const db = new SQL.Database(readFileSync(database));
        db.exec(`CREATE TABLE padding (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${PADDING_MIB}) INSERT INTO padding SELECT randomblob(1048576) FROM n`);
        writeFileSync(database, db.export());
        db.close();
        worker = new Worker(EVALUATOR);
        // A preview sends its count ahead of the whole answer (progress messages): wait for the answer.
        worker.on('message', (m: WorkerToHost) => { if (m.type !== 'progress' && m.type !== 'opened') answers.get(m.id)?.(m); });
    });
    afterAll(() => worker?.terminate());

    it(`${EDITS} edits of a segment, each previewed: resident memory grows by less than one copy of the data`, async () => {
        const copy = statSync(join(root, 'retail.sqlite')).size;
        const file = join(root, 'contact.segment');
        const text = readFileSync(file, 'utf8');
        const counts: number[] = [];
        const rss: number[] = [];
        for (let i = 0; i < WARM_UP + EDITS; i++) {
            worker.postMessage({ type: 'overlay', file, text: text.replace('Customer.CreditBalance > 5000', `Customer.CreditBalance > ${5000 + i * 100}`) } satisfies HostToWorker);
            const answer = await ask({ op: 'preview', segment: 'HighBalance', pageOffset: 0, pageSize: 5 });
            if (answer.type !== 'result' || typeof answer.result !== 'object' || !('state' in answer.result) || answer.result.state !== 'result' || !('report' in answer.result)) throw new Error(JSON.stringify(answer).slice(0, 300));
            counts.push(answer.result.report.count);
            rss.push(process.memoryUsage.rss());
        }
        // Every edit was counted from its own text: a higher threshold, no more members.
        expect(counts[0]).toBe(173);
        for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
        expect(counts.at(-1)).toBeLessThan(counts[0]);
        const baseline = rss[WARM_UP - 1];
        const growth = Math.max(...rss.slice(WARM_UP)) - baseline;
        const mb = (n: number): number => Math.round(n / 2 ** 20);
        console.log(`evaluator worker, ${EDITS} edits on a ${mb(copy)} MB database: resident ${mb(baseline)} MB after the warm-up, at most ${mb(baseline + growth)} MB (+${mb(growth)} MB); the tolerance is ${mb(copy)} MB`);
        expect(growth).toBeLessThan(copy);
    }, 300_000);
});
