import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { singleBlockPlan } from '../../compiler/sequence-funnel.js';
import { segmentSql } from '../../compiler/sql/to-sql.js';
import { copySqliteIntoPostgres } from '../../engine/postgres-copy.js';
import { PostgresEngine } from '../../engine/postgres-engine.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { planConjuncts, prefixCondition, singleGroupPlan } from '../../explain/conjuncts.js';
import { sequencePrefix } from '../../compiler/sequence-funnel.js';
import type { EvaluationContext } from '../../extension/src/evaluator/protocol.js';
import type { PreviewState, SegmentReport } from '../../extension/src/shared/data.js';
import { copySample, copySampleIntoPostgres, dropPostgresSchema, InProcessEvaluator, smallWorkspace } from './sample-workspace.js';

type EngineSettings = Omit<EvaluationContext, 'root' | 'asOf'>;

function report(p: PreviewState): SegmentReport {
    if (p.state !== 'result') throw new Error(`expected a result, got ${JSON.stringify(p)}`);
    return p.report;
}

const SHOP = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, city TEXT, score INTEGER);
CREATE TABLE products (id INTEGER PRIMARY KEY, category TEXT);
CREATE TABLE purchases (id INTEGER PRIMARY KEY, customer_id INTEGER, product_id INTEGER, amount NUMERIC, at TEXT);
CREATE TABLE visits (id INTEGER PRIMARY KEY, customer_id INTEGER, page TEXT, at TEXT);
INSERT INTO customers VALUES (1, 'Ann', 'Dublin', 50), (2, 'Bob', 'Cork', 40), (3, 'Cy', 'Dublin', 70), (4, 'Di', 'Cork', 55), (5, 'Ed', 'Galway', 10);
INSERT INTO products VALUES (100, 'Security'), (101, 'Garden');
INSERT INTO purchases VALUES
  (10, 1, 100, 20, '2027-01-05 10:00:00'),
  (11, 2, 100, 5, '2027-01-05 10:00:00'), (12, 2, 101, 50, '2027-01-06 10:00:00'),
  (13, 3, 100, 30, '2027-01-07 10:00:00'),
  (14, 5, 100, 15, '2027-01-08 10:00:00'), (15, 5, 100, 12, '2027-01-09 10:00:00');
INSERT INTO visits VALUES
  (20, 1, 'security', '2027-01-04 09:00:00'), (21, 3, 'security', '2027-01-01 09:00:00'), (22, 4, 'garden', '2027-01-02 09:00:00');
`;

const SCHEMA = `
entity Customer from customers key Id { Id number column id  Name text column name  City text column city  Score number column score }
entity Product from products key Id { Id number column id  Category text column category }
entity Purchase from purchases key Id time At {
  Id number column id
  CustomerId number column customer_id -> Customer
  ProductId number column product_id -> Product
  Amount number column amount
  At datetime column at
}
entity Visit from visits key Id time At {
  Id number column id
  CustomerId number column customer_id -> Customer
  Page text column page
  At datetime column at
}

dynamic segment Narrowing {
  audience Customer
  group Buyers {
    Product.Category = "Security"
    and Purchase.Amount > 10
    and Customer.Score < 60
  }
  exclude group Far {
    Customer.City = "Cork"
    and count(Purchase) >= 2
  }
  union sequence Looked {
    Visit where Visit.Page = "security"
    then Purchase within 2 days
  }
}
`;

/**
 * The preview's breakdown is one query (one pass over the audience table, a conditional count
 * per condition prefix): the same counts as the members of each prefix alone.
 */
describe('the breakdown in one pass', () => {
    describe('on a small shop, each engine', () => {
        let sqljs: InProcessEvaluator;
        const pgUrl = process.env.SEGMENTS_PG_URL;
        const pgSchema = `bd_${randomUUID().slice(0, 8)}`;
        const evaluators: [string, InProcessEvaluator][] = [];

        beforeAll(async () => {
            sqljs = await smallWorkspace(SHOP, SCHEMA);
            evaluators.push(['sql.js', sqljs], ['DuckDB', new InProcessEvaluator(sqljs.root, undefined, undefined, { engine: 'duckdb' })]);
            if (pgUrl) {
                const source = await SqlJsEngine.open(join(sqljs.root, 'data.sqlite'));
                const pg = await PostgresEngine.connect(pgUrl);
                await pg.withClient(client => copySqliteIntoPostgres(client, source.reader(), pgSchema));
                await pg.close();
                await source.close();
                evaluators.push(['PostgreSQL', new InProcessEvaluator(sqljs.root, undefined, undefined, { engine: 'postgres', postgresUrl: pgUrl, postgresSchema: pgSchema })]);
            }
        });

        afterAll(async () => {
            for (const [, e] of evaluators) await e.session.close();
            if (pgUrl) {
                await dropPostgresSchema(pgUrl, pgSchema);
            }
        });

        it('counts the profiles left after each condition, the conditions held by one purchase together', async () => {
            for (const [name, evaluator] of evaluators) {
                const r = report(await evaluator.request({ op: 'preview', segment: 'Narrowing', pageOffset: 0, pageSize: 10 }));
                const shown = r.groups.map(g => ({ label: g.label, count: g.count, steps: g.steps.map(s => [s.text, s.count]) }));
                expect([name, shown]).toEqual([name, [
                    // Security buyers: 1, 2, 3, 5; of them with a Security purchase over 10: 1, 3, 5 (Bob's 50 was Garden); score under 60: 1, 5.
                    { label: 'Buyers', count: 2, steps: [['Product.Category = "Security"', 4], ['Purchase.Amount > 10', 3], ['Customer.Score < 60', 2]] },
                    // In Cork: 2, 4; with two purchases: 2.
                    { label: 'Far', count: 1, steps: [['Customer.City = "Cork"', 2], ['count(Purchase) >= 2', 1]] },
                    // A security page seen: 1 and 3; a purchase within 2 days after it: 1 (Cy bought 6 days later).
                    { label: 'Looked', count: 1, steps: [['Visit where Visit.Page = "security"', 2], ['then Purchase within 2 days', 1]] }
                ]]);
                expect([name, r.count, r.page.rows.map(row => row[0])]).toEqual([name, 2, [1, 5]]);
            }
        });
    });

    describe('on the sample, each engine', () => {
        let root: string;
        const pgUrl = process.env.SEGMENTS_PG_URL;
        const pgSchema = `bds_${randomUUID().slice(0, 8)}`;
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
            it(`${name}: every dynamic segment's breakdown counts the members of each prefix queried alone`, async () => {
                const evaluator = new InProcessEvaluator(root, undefined, undefined, settings);
                evaluators.push(evaluator);
                evaluator.session.useEngine(evaluator.context);
                const { runner, engine, model } = await evaluator.session.runnerAt(evaluator.context.asOf);
                let compared = 0;
                for (const plan of model.plans.plans.values()) {
                    if (plan.kind !== 'dynamic') continue;
                    const r = report(await evaluator.request({ op: 'preview', segment: plan.name, pageOffset: 0, pageSize: 5 }));
                    // Each prefix as a segment of its own, its distinct members counted: the breakdown's former way.
                    const members = async (p: typeof plan): Promise<number> => {
                        const rows = await engine.query(`SELECT COUNT(DISTINCT m.key) FROM (${segmentSql(p, await runner.sqlContext(p))}) AS m`);
                        return Number(rows[0][0]);
                    };
                    const expected = [];
                    for (const [i, group] of plan.groups.entries()) {
                        const steps: number[] = [];
                        if (group.node === 'sequence') {
                            for (let k = 1; k <= group.steps.length; k++) steps.push(await members(singleBlockPlan(plan, sequencePrefix(group, k))));
                        } else {
                            const items = planConjuncts(group.condition);
                            if (items.length > 1 && r.groups[i].steps.length > 0) for (let n = 1; n <= items.length; n++) steps.push(await members(singleGroupPlan(plan, group, prefixCondition(items, n))));
                        }
                        expected.push({ count: await members(singleBlockPlan(plan, group)), steps });
                        compared += steps.length + 1;
                    }
                    expect([plan.name, r.groups.map(g => ({ count: g.count, steps: g.steps.map(s => s.count) }))]).toEqual([plan.name, expected]);
                }
                expect(compared).toBeGreaterThan(30);
            });
        }
    });
});
