import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostToWorker, WorkerToHost } from '../../extension/src/evaluator/protocol.js';
import { bundle } from './bundle-lock.js';
import { copySample, REPO, SAMPLE_AS_OF } from './sample-workspace.js';

/** The bundled evaluator (out/evaluator.cjs) as the extension runs it: a worker thread. */
describe('evaluator worker thread', () => {
    let worker: Worker;
    let root: string;
    const answers = new Map<number, (m: WorkerToHost) => void>();
    /** The request whose progress messages the test reads too. */
    let progressOf = -1;
    const send = (m: HostToWorker): void => worker.postMessage(m);
    const ask = (id: number, request: Extract<HostToWorker, { type: 'request' }>['request']): Promise<WorkerToHost> =>
        new Promise(resolve => {
            answers.set(id, resolve);
            send({ type: 'request', id, context: { root, asOf: SAMPLE_AS_OF }, request });
        });

    beforeAll(async () => {
        await bundle();
        root = copySample();
        worker = new Worker(join(REPO, 'out', 'evaluator.cjs'));
        // The answer, not what a request sends ahead of it (a preview's count, the dashboard's rows).
        // A copy's `opened` notice is for the host's engine offer.
        worker.on('message', (m: WorkerToHost) => { if (m.type !== 'opened' && (m.type !== 'progress' || m.id === progressOf)) answers.get(m.id)?.(m); });
    });
    afterAll(() => worker?.terminate());

    it('answers requests by id', async () => {
        const started = performance.now();
        const answer = await ask(1, { op: 'preview', segment: 'HighBalanceFollowUp', pageOffset: 0, pageSize: 20 });
        expect(answer.type).toBe('result');
        if (answer.type === 'result') expect(answer.result).toMatchObject({ state: 'result', report: { count: 169 } });
        console.log(`first preview through the worker: ${Math.round(performance.now() - started)} ms`);
    });

    it('cancels a stale request and runs the newer one', async () => {
        const stale = ask(2, { op: 'dashboard', record: false });
        const fresh = ask(3, { op: 'preview', segment: 'DoNotCall', pageOffset: 0, pageSize: 5 });
        send({ type: 'cancel', id: 2 });
        expect((await stale).type).toBe('cancelled');
        const answer = await fresh;
        if (answer.type !== 'result') throw new Error(answer.type);
        expect(answer.result).toMatchObject({ state: 'result', report: { count: 25 } });
    });

    it('uses unsaved text sent as an overlay', async () => {
        const file = join(root, 'contact.segment');
        const { readFileSync } = await import('node:fs');
        send({ type: 'overlay', file, text: readFileSync(file, 'utf8').replace('> 5000', '> 9000') });
        const edited = await ask(4, { op: 'preview', segment: 'HighBalance', pageOffset: 0, pageSize: 5 });
        send({ type: 'overlay', file });
        const saved = await ask(5, { op: 'preview', segment: 'HighBalance', pageOffset: 0, pageSize: 5 });
        if (edited.type !== 'result' || saved.type !== 'result') throw new Error('no result');
        const count = (m: WorkerToHost): number => (m.type === 'result' && typeof m.result === 'object' && 'state' in m.result && m.result.state === 'result' && 'report' in m.result ? m.result.report.count : -1);
        expect(count(edited)).toBeLessThan(173);
        expect(count(saved)).toBe(173);
    });

    it('reports a failure as a message, not a crash', async () => {
        const answer = await ask(6, { op: 'sql', segment: 'NoSuchSegment' });
        expect(answer).toEqual({ type: 'error', id: 6, message: 'There is no segment named NoSuchSegment.' });
    });

    it('sends each test\'s outcome of a run as it is known, then the whole', async () => {
        const seen: WorkerToHost[] = [];
        const id = 100;
        progressOf = id;
        await new Promise<void>(resolve => {
            answers.set(id, m => {
                seen.push(m);
                if (m.type !== 'progress') resolve();
            });
            send({ type: 'request', id, context: { root, asOf: SAMPLE_AS_OF }, request: { op: 'runTests' } });
        });
        const last = seen.at(-1)!;
        if (last.type !== 'result' || !Array.isArray(last.result)) throw new Error(last.type);
        const progress = seen.slice(0, -1).map(m => (m.type === 'progress' ? m.value : undefined));
        expect(progress.length).toBeGreaterThan(1);
        expect(progress).toEqual(last.result);
        expect(progress.filter(o => !o || !('status' in o) || o.status !== 'passed')).toEqual([]);
    });
});

