import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, CancelToken } from '../../extension/src/evaluator/cancel.js';
import { handleRequest } from '../../extension/src/evaluator/handle-request.js';
import { copySample, InProcessEvaluator, SAMPLE_AS_OF } from './sample-workspace.js';

/** The Testing view's requests: the sample's tests found with their lines, run on each engine, unsaved edits tested as typed. */
describe('segment tests in the evaluator', () => {
    let root: string;
    let evaluator: InProcessEvaluator;

    beforeAll(() => {
        root = copySample();
        evaluator = new InProcessEvaluator(root);
    });
    afterAll(() => evaluator.session.close());

    it('finds the sample\'s tests at their lines, labelled by title with their segment', async () => {
        const tests = await evaluator.request({ op: 'tests' });
        const file = join(root, 'contact.segment');
        const contact = tests.filter(t => t.file === file);
        expect(contact.map(t => [t.line, t.segment, t.label])).toEqual([
            [36, 'HighBalanceFollowUp', 'the seed\'s four do-not-call customers are left out'],
            [45, 'HighBalance', 'above 5,000 only']
        ]);
        for (const t of tests) {
            expect(t.id).toBe(`${t.file}:${t.line}`);
            expect(readFileSync(t.file, 'utf8').split('\n')[t.line - 1]).toMatch(new RegExp(`^test ${t.segment}\\b`));
        }
    });

    it('runs every test, and only those asked for', async () => {
        const all = await evaluator.request({ op: 'runTests' });
        const tests = await evaluator.request({ op: 'tests' });
        expect(all.map(o => o.id)).toEqual(tests.map(t => t.id));
        expect(all.filter(o => o.status !== 'passed')).toEqual([]);
        const one = await evaluator.request({ op: 'runTests', ids: [`${join(root, 'contact.segment')}:45`] });
        expect(one).toHaveLength(1);
        expect(one[0]).toMatchObject({ status: 'passed', problems: [] });
        expect(one[0]!.checks.map(c => [c.line, c.passed])).toEqual([[50, true], [51, true], [52, true]]);
    });

    it('runs the unsaved text: a wrong count fails with expected and actual, a wrong member with its explanation', async () => {
        const file = join(root, 'contact.segment');
        const text = readFileSync(file, 'utf8').replace('  count 169\n', '  count 170\n').replace('  members 1005, 1037\n', '  members 1005, 1028\n');
        const edited = new InProcessEvaluator(root, SAMPLE_AS_OF, new Map([[file, text]]));
        try {
            const [outcome] = await edited.request({ op: 'runTests', ids: [`${file}:36`] });
            expect(outcome).toMatchObject({ status: 'failed' });
            const failed = outcome!.checks.filter(c => !c.passed);
            expect(failed.map(c => c.line)).toEqual([37, 39]);
            expect(failed[1]).toMatchObject({ expected: 'count 170', actual: 'count 169' });
            expect(failed[0]!.expected).toContain('1028');
            expect(failed[0]!.actual).not.toContain('1028');
            expect(failed[0]!.explanations.join('\n')).toMatch(/1028.*DoNotCall/s);
        } finally {
            await edited.session.close();
        }
    });

    it('says where a test with errors is wrong, without running it', async () => {
        const file = join(root, 'contact.segment');
        const text = readFileSync(file, 'utf8').replace('  not members 2, 3 by group 1\n', '  not members 2, 3 by group 7\n');
        const edited = new InProcessEvaluator(root, SAMPLE_AS_OF, new Map([[file, text]]));
        try {
            const [outcome] = await edited.request({ op: 'runTests', ids: [`${file}:45`] });
            expect(outcome).toMatchObject({ status: 'error', checks: [] });
            expect(outcome!.problems.map(p => p.line)).toEqual([51]);
        } finally {
            await edited.session.close();
        }
    });

    it('runs on the engine picked in the settings', async () => {
        const duck = new InProcessEvaluator(root, SAMPLE_AS_OF, new Map(), { engine: 'duckdb' });
        try {
            const all = await duck.request({ op: 'runTests' });
            expect(all.length).toBeGreaterThan(1);
            expect(all.filter(o => o.status !== 'passed')).toEqual([]);
        } finally {
            await duck.session.close();
        }
    });

    it('stops a run that is cancelled, between tests', async () => {
        const token = new CancelToken();
        const run = handleRequest(evaluator.session, evaluator.context, { op: 'runTests' }, token);
        token.cancel();
        await expect(run).rejects.toBeInstanceOf(CancelledError);
        // The next run is whole again.
        expect((await evaluator.request({ op: 'runTests' })).every(o => o.status === 'passed')).toBe(true);
    });
});
