import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../../engine/engine.js';
import type { PreviewState, SegmentReport } from '../../extension/src/shared/data.js';
import { smallWorkspace, type InProcessEvaluator } from './sample-workspace.js';

const SETUP = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, city TEXT, score INTEGER);
CREATE TABLE purchases (id INTEGER PRIMARY KEY, customer_id INTEGER, amount NUMERIC);
INSERT INTO customers VALUES (1, 'Dublin', 50), (2, 'Cork', 40), (3, 'Dublin', 70), (4, 'Dublin', 55), (5, 'Galway', 10);
INSERT INTO purchases VALUES (10, 1, 20), (11, 2, 5), (12, 3, 30), (13, 4, 8), (14, 5, 15);
`;

const TEXT = `
entity Customer from customers key Id { Id number column id  City text column city  Score number column score }
entity Purchase from purchases key Id { Id number column id  CustomerId number column customer_id -> Customer  Amount number column amount }

dynamic segment Dubliners {
  audience Customer
  group { Customer.City = "Dublin" }
}

dynamic segment Narrowing {
  audience Customer
  group {
    Customer.City = "Dublin"
    and Purchase.Amount > 10
    and Customer.Score < 60
  }
}

dynamic segment TwoGroups {
  audience Customer
  group { Customer.City = "Dublin" and Customer.Score < 60 }
  union group { Customer.City = "Galway" }
}
`;

function report(p: PreviewState): SegmentReport {
    if (p.state !== 'result') throw new Error(`expected a result, got ${JSON.stringify(p)}`);
    return p.report;
}

/**
 * What a preview asks of the database: the segment's query, the page of members, and at most
 * one query for the breakdown, which leaves out what the segment's own answer already says (the
 * one group of a segment without steps has the segment's members).
 */
describe('the queries of a preview', () => {
    let evaluator: InProcessEvaluator;
    let engine: SqlEngine;
    const asked: string[] = [];

    beforeAll(async () => {
        evaluator = await smallWorkspace(SETUP, TEXT);
        await evaluator.session.loaded();
        engine = (await evaluator.session.openEngine()).engine;
        const query = engine.query.bind(engine);
        engine.query = sql => { asked.push(sql); return query(sql); };
    });
    afterAll(() => evaluator.session.close());

    const preview = async (segment: string): Promise<{ report: SegmentReport; breakdown: string[] }> => {
        asked.length = 0;
        const result = report(await evaluator.request({ op: 'preview', segment, pageOffset: 0, pageSize: 10 }));
        return { report: result, breakdown: asked.filter(sql => /\bAS c0\b/.test(sql)) };
    };

    it('one group of one condition: no breakdown query, the group counted as the segment', async () => {
        const { report: r, breakdown } = await preview('Dubliners');
        expect(r.count).toBe(3);
        expect(r.groups.map(g => g.count)).toEqual([3]);
        expect(breakdown).toEqual([]);
    });

    it('one group of three conditions: one query counts the first two prefixes, the third is the segment', async () => {
        const { report: r, breakdown } = await preview('Narrowing');
        expect(r.count).toBe(1);
        expect(r.groups[0].steps.map(s => s.count)).toEqual([3, 2, 1]);
        expect(r.groups[0].count).toBe(1);
        expect(breakdown).toHaveLength(1);
        expect(breakdown[0]).toMatch(/\bAS c1\b/);
        expect(breakdown[0]).not.toMatch(/\bAS c2\b/);
    });

    it('two groups: each is counted alone (neither has the segment\'s members)', async () => {
        const { report: r, breakdown } = await preview('TwoGroups');
        expect(r.count).toBe(3);
        expect(r.groups.map(g => g.count)).toEqual([2, 1]);
        expect(r.groups[0].steps.map(s => s.count)).toEqual([3, 2]);
        expect(breakdown).toHaveLength(1);
        expect(breakdown[0]).toMatch(/\bAS c2\b/);
    });

    it('a preview again on the same data asks nothing new of the breakdown', async () => {
        const { breakdown } = await preview('Narrowing');
        expect(breakdown).toEqual([]);
    });

    it('after an edit, only the blocks whose SQL changed are counted', async () => {
        const file = join(evaluator.root, 'main.segment');
        writeFileSync(file, readFileSync(file, 'utf8').replace('union group { Customer.City = "Galway" }', 'union group { Customer.City = "Cork" }'));
        evaluator.session.invalidateModel();
        const { report: r, breakdown } = await preview('TwoGroups');
        expect(r.count).toBe(3);
        expect(r.groups.map(g => g.count)).toEqual([2, 1]);
        expect(r.groups[0].steps.map(s => s.count)).toEqual([3, 2]);
        // The first group's two prefixes were counted before the edit: one block is left, the edited group.
        expect(breakdown).toHaveLength(1);
        expect(breakdown[0]).toMatch(/\bAS c0\b/);
        expect(breakdown[0]).not.toMatch(/\bAS c1\b/);
        expect(breakdown[0]).toContain("'Cork'");
    });
});
