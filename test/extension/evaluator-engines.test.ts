import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationContext } from '../../extension/src/evaluator/protocol.js';
import { copySample, copySampleIntoPostgres, dropPostgresSchema, InProcessEvaluator } from './sample-workspace.js';

type EngineSettings = Omit<EvaluationContext, 'root' | 'asOf'>;

/**
 * The views' evaluator on the engine the user picks (`segments.engine`): the same sample, the
 * same counts, breakdowns and explanations as on sql.js.
 */
describe('the evaluator on DuckDB and PostgreSQL', () => {
    let root: string;
    let baseline: InProcessEvaluator;
    const pgUrl = process.env.SEGMENTS_PG_URL;
    const pgSchema = `ext_${randomUUID().slice(0, 8)}`;
    const picked: InProcessEvaluator[] = [];

    beforeAll(async () => {
        root = copySample();
        baseline = new InProcessEvaluator(root);
        if (pgUrl) {
            await copySampleIntoPostgres(root, pgUrl, pgSchema);
        }
    });

    afterAll(async () => {
        for (const e of [baseline, ...picked]) await e.session.close();
        if (pgUrl) {
            await dropPostgresSchema(pgUrl, pgSchema);
        }
    });

    // PostgreSQL needs a server: CI starts one (SEGMENTS_PG_URL), as for the language tests.
    const engines: [string, EngineSettings][] = [
        ['DuckDB', { engine: 'duckdb' }],
        ...(pgUrl ? [['PostgreSQL', { engine: 'postgres', postgresUrl: pgUrl, postgresSchema: pgSchema }] as [string, EngineSettings]] : [])
    ];

    for (const [name, settings] of engines) {
        describe(name, () => {
            let evaluator: InProcessEvaluator;
            beforeAll(() => {
                evaluator = new InProcessEvaluator(root, undefined, undefined, settings);
                picked.push(evaluator);
            });

            it('counts every sample segment on the dashboard as sql.js does', async () => {
                const expected = await baseline.request({ op: 'dashboard', record: false });
                const actual = await evaluator.request({ op: 'dashboard', record: false });
                const counts = (d: typeof expected): [string, number | undefined][] => d.rows.map(r => [r.name, r.count]);
                expect(counts(actual)).toEqual(counts(expected));
                expect(actual.rows.find(r => r.name === 'HighBalanceFollowUp')?.count).toBe(169);
                expect([expected.engine, actual.engine]).toEqual(['sql.js', name]);
            });

            it('breaks a preview down by group and condition, with the same members', async () => {
                const request = { op: 'preview', segment: 'SecurityLowSatisfaction', pageOffset: 0, pageSize: 10 } as const;
                const [a, b] = [await baseline.request(request), await evaluator.request(request)];
                if (a.state !== 'result' || b.state !== 'result') throw new Error(`${a.state} / ${b.state}`);
                expect(b.report.groups.map(g => g.steps.map(s => s.count))).toEqual(a.report.groups.map(g => g.steps.map(s => s.count)));
                expect(b.report.count).toBe(182);
                expect(b.report.page.rows.map(r => r[0])).toEqual(a.report.page.rows.map(r => r[0]));
            });

            it('explains why 1028 is left out of the follow-up', async () => {
                const e = await evaluator.request({ op: 'explain', segment: 'HighBalanceFollowUp', key: 1028 });
                expect(e).toMatchObject({ exists: true, member: false });
                expect(e.parts.map(p => [p.segment, p.member])).toEqual([['HighBalance', true], ['DoNotCall', true]]);
            });

            it('counts top and sample steps, and explains them, as sql.js does', async () => {
                for (const segment of ['TopSpenders', 'ValentinesControl']) {
                    const request = { op: 'preview', segment, pageOffset: 0, pageSize: 3 } as const;
                    const [a, b] = [await baseline.request(request), await evaluator.request(request)];
                    if (a.state !== 'result' || b.state !== 'result') throw new Error(`${a.state} / ${b.state}`);
                    expect(b.report.steps.map(s => [s.text, s.before, s.after])).toEqual(a.report.steps.map(s => [s.text, s.before, s.after]));
                    for (const key of [...a.report.page.rows.map(r => r[0] as number), 1003, 1023, 1111]) {
                        const [x, y] = [await baseline.request({ op: 'explain', segment, key }), await evaluator.request({ op: 'explain', segment, key })];
                        expect([key, y.member, y.steps.map(s => s.detail)]).toEqual([key, x.member, x.steps.map(s => s.detail)]);
                    }
                }
            });

            it('counts a sequence\'s funnel, and explains it with the same record times, as sql.js does', async () => {
                for (const segment of ['AbandonedCart', 'EmailConverted']) {
                    const request = { op: 'preview', segment, pageOffset: 0, pageSize: 5 } as const;
                    const [a, b] = [await baseline.request(request), await evaluator.request(request)];
                    if (a.state !== 'result' || b.state !== 'result') throw new Error(`${a.state} / ${b.state}`);
                    expect(b.report.groups.map(g => g.steps.map(s => s.count))).toEqual(a.report.groups.map(g => g.steps.map(s => s.count)));
                    for (const key of [...a.report.page.rows.map(r => r[0] as number), 1003, 1037, 1500]) {
                        const [x, y] = [await baseline.request({ op: 'explain', segment, key }), await evaluator.request({ op: 'explain', segment, key })];
                        expect([key, y.member, y.groups.map(g => g.conditions.map(c => c.detail ?? c.passes))]).toEqual([key, x.member, x.groups.map(g => g.conditions.map(c => c.detail ?? c.passes))]);
                    }
                }
            });

            it('shows the SQL in the engine\'s own dialect', async () => {
                const sql = await evaluator.request({ op: 'sql', segment: 'ValentinesLastMinute' });
                expect(sql).toMatch(name === 'DuckDB' ? /TIMESTAMP|CAST/ : /TIMESTAMP|::/);
                expect(sql).not.toContain('datetime(');
            });
        });
    }

    it('says plainly what is missing when PostgreSQL is picked without a URL', async () => {
        const evaluator = new InProcessEvaluator(root, undefined, undefined, { engine: 'postgres' });
        picked.push(evaluator);
        await expect(evaluator.request({ op: 'dashboard', record: false })).rejects.toThrow('The PostgreSQL engine needs a connection URL');
    });
});
