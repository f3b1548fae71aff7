import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentPlan } from '../../compiler/ir.js';
import type { KeyValue } from '../../compiler/keys.js';
import { singleBlockPlan } from '../../compiler/sequence-funnel.js';
import { segmentSql } from '../../compiler/sql/to-sql.js';
import { distinctKeys } from '../../engine/runner.js';
import { planConjuncts, singleGroupPlan } from '../../explain/conjuncts.js';
import { keyFiltered } from '../../explain/key-filter.js';
import type { EvaluationContext } from '../../extension/src/evaluator/protocol.js';
import { copySample, copySampleIntoPostgres, dropPostgresSchema, InProcessEvaluator } from './sample-workspace.js';

type EngineSettings = Omit<EvaluationContext, 'root' | 'asOf'>;
type DynamicPlan = Extract<SegmentPlan, { kind: 'dynamic' }>;

const SEGMENTS = ['IrishSecurityProspects', 'SecurityLowSatisfaction', 'HighBalance', 'FrequentBuyers', 'ValentinesEarly'];

/**
 * Explain Membership for one key reads that key's records only: each group's plan is cut to the
 * key by the compiler (the audience key, and the foreign key of each record joined to it). The
 * cut plan holds the key exactly when the whole plan does, and the explanation agrees with the
 * member lists, on every engine.
 */
describe('Explain Membership for one key', () => {
    let root: string;
    const pgUrl = process.env.SEGMENTS_PG_URL;
    const pgSchema = `ex_${randomUUID().slice(0, 8)}`;
    const evaluators: InProcessEvaluator[] = [];

    beforeAll(async () => {
        root = copySample();
        if (pgUrl) {
            await copySampleIntoPostgres(root, pgUrl, pgSchema);
        }
    });

    afterAll(async () => {
        for (const e of evaluators) await e.session.close();
        if (pgUrl) {
            await dropPostgresSchema(pgUrl, pgSchema);
        }
    });

    const engines: [string, EngineSettings][] = [
        ['sql.js', {}],
        ['DuckDB', { engine: 'duckdb' }],
        ...(process.env.SEGMENTS_PG_URL ? [['PostgreSQL', { engine: 'postgres', postgresUrl: process.env.SEGMENTS_PG_URL, postgresSchema: pgSchema }] as [string, EngineSettings]] : [])
    ];

    for (const [name, settings] of engines) {
        it(`${name}: each group and condition cut to a key holds it exactly when the whole does, and the explanation says so`, async () => {
            const evaluator = new InProcessEvaluator(root, undefined, undefined, settings);
            evaluators.push(evaluator);
            evaluator.session.useEngine(evaluator.context);
            const { runner, engine } = await evaluator.session.runnerAt(evaluator.context.asOf);
            const keysOf = async (p: DynamicPlan): Promise<KeyValue[]> =>
                distinctKeys((await engine.query(segmentSql(p, await runner.sqlContext(p)))).map(r => r[0]), 'number');
            let cut = 0;
            for (const segment of SEGMENTS) {
                const plan = runner.plan(segment);
                if (plan.kind !== 'dynamic') throw new Error(`${segment} is not dynamic`);
                const members = await runner.keys(segment);
                // Members and profiles that are not: the first and last few of each.
                const all = distinctKeys((await engine.query(`SELECT customer_id FROM customers ORDER BY customer_id`)).map(r => r[0]), 'number');
                const outside = all.filter(k => !members.includes(k));
                const keys = [...members.slice(0, 3), ...members.slice(-2), ...outside.slice(0, 3), ...outside.slice(-2)];
                const storage = await runner.storage(plan);
                for (const group of plan.groups) {
                    if (group.node !== 'group') continue;
                    const parts = [singleBlockPlan(plan, group), ...planConjuncts(group.condition).map(c => singleGroupPlan(plan, group, c))];
                    for (const part of parts) {
                        const whole = await keysOf(part);
                        for (const key of keys) {
                            expect([segment, key, await keysOf(keyFiltered(part, key, storage))]).toEqual([segment, key, whole.includes(key) ? [key] : []]);
                            cut++;
                        }
                    }
                }
                for (const key of keys) {
                    const explained = await evaluator.request({ op: 'explain', segment, key: Number(key) });
                    expect([segment, key, explained.member]).toEqual([segment, key, members.includes(key)]);
                }
            }
            expect(cut).toBeGreaterThan(100);
        });
    }
});
