/**
 * The SQL path (compiler + sql.js) against the reference evaluator (test/reference/evaluator.ts),
 * on random segments over random small databases; plus example-based checks of the evaluator
 * itself against the reference text.
 *
 * Environment: REFERENCE_SEED (default 20270211) and REFERENCE_RUNS (default 600) override the
 * seed and the number of cases; REFERENCE_SHRINK=1 lets fast-check shrink a failing case (slow:
 * each step rebuilds the workspace) instead of stopping at the first failure.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { EmptyFileSystem, type LangiumDocument } from 'langium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { URI } from 'vscode-uri';
import { planWorkspace, type WorkspacePlans } from '../../compiler/plan-workspace.js';
import { clockAsOf } from '../../compiler/time.js';
import { SegmentRunner } from '../../engine/runner.js';
import { createSegmentServices } from '../../language-server/segment-module.js';
import type { WorkspaceModel } from '../../language-server/workspace-model.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { caseArb, rowsSql, SCHEMA_TEXT, schemaSql, type GeneratedCase } from './arbitraries.js';
import { csvFirstColumn, evaluateAll, evaluateReference, referenceClock, SegmentError, type ReferenceKey, type Row, type Tables } from './evaluator.js';

const SEED = Number(process.env.REFERENCE_SEED ?? 20270211);
const RUNS = Number(process.env.REFERENCE_RUNS ?? 600);

/**
 * One set of language services for the whole file: the schema file is parsed once, and each
 * case's segments file replaces the previous one (much cheaper than new services per case).
 */
class Workspace {
    private readonly services = createSegmentServices(EmptyFileSystem);
    private count = 0;
    private current: URI | undefined;
    private ready: Promise<unknown> | undefined;

    constructor(private readonly schema: string) {}

    init(): Promise<unknown> {
        this.ready ??= this.add('schema.segment', this.schema);
        return this.ready;
    }

    async load(source: string): Promise<{ model: WorkspaceModel; plans: WorkspacePlans; errors: string[] }> {
        await this.init();
        const { shared, Segment } = this.services;
        if (this.current) await shared.workspace.DocumentBuilder.update([], [this.current]);
        const doc = await this.add(`case${this.count++}.segment`, source);
        this.current = doc.uri;
        const model = Segment.workspace.SegmentWorkspace.model;
        const errors = shared.workspace.LangiumDocuments.all.toArray()
            .flatMap(d => (d.diagnostics ?? []).filter(x => x.severity === 1).map(x => `${d.uri.path}:${x.range.start.line + 1}: ${x.message} [${String(x.code)}]`));
        return { model, plans: planWorkspace(model), errors };
    }

    private async add(name: string, text: string): Promise<LangiumDocument> {
        const { shared } = this.services;
        const doc = shared.workspace.LangiumDocumentFactory.fromString(text, URI.file(`/ws/${name}`));
        shared.workspace.LangiumDocuments.addDocument(doc);
        await shared.workspace.DocumentBuilder.build([doc], { validation: true });
        return doc;
    }
}

/** Rows as readable text, for failure messages. */
function describeTables(tables: Tables): string {
    return Object.entries(tables).map(([t, rows]) => `${t}:\n${rows.map(r => `  ${JSON.stringify(r)}`).join('\n')}`).join('\n');
}

let compared = 0;
let errorCases = 0;

/** A fresh in-memory sql.js database made by `setup`. */
async function database(setup: string): Promise<SqlJsEngine> {
    const engine = await SqlJsEngine.fromBytes(new Uint8Array());
    engine.querySync(setup);
    return engine;
}

/**
 * One case: the segments are parsed and planned by the project's services, run by the SQL path
 * on sql.js, and evaluated by the reference evaluator on the same rows; every segment must give
 * the same keys, in the same (ascending) order, or both sides must report an error.
 */
async function compare(ws: Workspace, engine: SqlJsEngine, c: GeneratedCase): Promise<void> {
    const { model, plans, errors } = await ws.load(c.workspace.source);
    const reference = evaluateAll(model, c.tables, referenceClock(c.asOf));
    engine.querySync(rowsSql(c.tables));
    const runner = new SegmentRunner(engine, plans.plans, clockAsOf(c.asOf));
    for (const name of c.workspace.names) {
        const expected = reference.get(name);
        const context = (): string => `\n--- as of ${c.asOf}, segment ${name}\n${c.workspace.source}\n--- rows\n${describeTables(c.tables)}`
            + `\n--- case as JSON\n${JSON.stringify({ asOf: c.asOf, source: c.workspace.source, tables: c.tables })}`;
        if (expected instanceof SegmentError || !plans.plans.has(name)) {
            // Both must agree that the segment has errors (the generator makes a few on purpose).
            if (expected instanceof SegmentError && !plans.plans.has(name) && errors.length > 0) {
                errorCases++;
                continue;
            }
            throw new Error(`only one side finds errors in ${name}: reference ${expected instanceof SegmentError ? expected.message : 'runs'}; compiler ${plans.plans.has(name) ? 'runs' : errors.join('; ')}${context()}`);
        }
        compared++;
        let actual: readonly ReferenceKey[];
        try {
            actual = await runner.keys(name);
        } catch (e) {
            throw new Error(`the SQL path fails on ${name} (reference ${JSON.stringify(expected)}): ${(e as Error).message}${context()}`);
        }
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
            const sql = await runner.sql(name).catch((e: unknown) => String(e));
            throw new Error(`keys differ for ${name}: SQL ${JSON.stringify(actual)}, reference ${JSON.stringify(expected)}${context()}\n--- SQL\n${sql}`);
        }
    }
}

describe('SQL path and reference evaluator', () => {
    const ws = new Workspace(SCHEMA_TEXT);
    let engine: SqlJsEngine;
    beforeAll(async () => {
        await ws.init();
        engine = await database(schemaSql());
    });
    afterAll(async () => { await engine.close(); });

    it(`return the same keys on ${RUNS} random workspaces and databases (seed ${SEED})`, async () => {
        await fc.assert(fc.asyncProperty(caseArb, c => compare(ws, engine, c)), { numRuns: RUNS, seed: SEED, endOnFailure: process.env.REFERENCE_SHRINK === undefined });
        // Most generated segments must be valid and compared, not errors agreed upon.
        if (RUNS >= 200) {
            expect(compared).toBeGreaterThan(RUNS * 1.5);
            expect(errorCases).toBeLessThan(compared / 10);
        }
    }, 300_000);
});

// -------------------------------------------------------------------------------------------------
// The evaluator on hand-made data, with expectations taken from the reference text

const SCHEMA = `
entity Customer from customers key CustomerId {
  CustomerId    number   column customer_id
  Name          text
  Satisfaction  number   column satisfaction
  DoNotCall     boolean  column do_not_call
  Birthday      date
  SeenAt        datetime column seen_at
}
entity Product from products key ProductID {
  ProductID  number  column product_id
  Category   text
}
entity Purchase from purchases key PurchaseId {
  PurchaseId   number    column purchase_id
  CustomerId   number    column customer_id   -> Customer
  ProductID    number    column product_id    -> Product
  PurchasedAt  datetime  column purchased_at
  Amount       number
}
entity Referral from referrals key ReferralId {
  ReferralId  number  column referral_id
  FromId      number  column from_id  -> Customer
  ToId        number  column to_id    -> Customer
}
`;

const customer = (id: number, fields: Partial<Record<'Name' | 'satisfaction' | 'do_not_call' | 'Birthday' | 'seen_at', string | number | null>> = {}): Row =>
    ({ customer_id: id, Name: null, satisfaction: null, do_not_call: null, Birthday: null, seen_at: null, ...fields });

const TABLES: Tables = {
    customers: [
        customer(1, { Name: 'Ada', satisfaction: 40, do_not_call: 1, Birthday: '2026-02-28', seen_at: '2027-02-11T10:00:00Z' }),
        customer(2, { Name: 'bob', satisfaction: 80, do_not_call: 0, Birthday: '2027-02-11', seen_at: '2027-02-10 23:59:59' }),
        customer(3, { Name: '', satisfaction: null, seen_at: '2027-01-11 00:00:00' }),
        customer(4, { Name: 'Émile 🙂', satisfaction: 60, Birthday: '2026-03-31', seen_at: '2027-02-12T00:00:00' }),
        customer(5, { Name: 'a_b%', satisfaction: 59.5 })
    ],
    products: [{ product_id: 10, Category: 'Security' }, { product_id: 11, Category: 'Garden' }, { product_id: 12, Category: 'security' }],
    purchases: [
        { purchase_id: 100, customer_id: 1, product_id: 10, purchased_at: '2027-02-11 09:00:00', Amount: 30 },
        { purchase_id: 101, customer_id: 1, product_id: 11, purchased_at: '2027-01-01T12:00:00', Amount: 70 },
        { purchase_id: 102, customer_id: 2, product_id: 10, purchased_at: '2026-11-11 12:00:00Z', Amount: null },
        { purchase_id: 103, customer_id: 2, product_id: 10, purchased_at: '2027-02-09 12:00:00', Amount: 5 },
        { purchase_id: 104, customer_id: 4, product_id: 12, purchased_at: null, Amount: 100 },
        { purchase_id: 105, customer_id: 99, product_id: 11, purchased_at: '2027-02-11 09:00:00', Amount: 1 }
    ],
    referrals: [{ referral_id: 1, from_id: 1, to_id: 2 }, { referral_id: 2, from_id: 2, to_id: 3 }]
};

/** One workspace for the examples: the schema above, and each example's segments replacing the last's. */
const examples = new Workspace(SCHEMA);

async function parse(segments: string): Promise<WorkspaceModel> {
    const { model } = await examples.load(segments);
    return model;
}

/** Keys of a one-group Customer segment with `condition`, as of 2027-02-11 unless said. */
async function keysWhere(condition: string, asOf = '2027-02-11', via = ''): Promise<ReferenceKey[]> {
    const model = await parse(`dynamic segment T { audience Customer group ${via} { ${condition} } }`);
    return evaluateReference(model, TABLES, 'T', asOf);
}

describe('reference evaluator on hand-made data', () => {
    it('joins the entities of a group along shared paths: one record per entity name', async () => {
        // A Security product of one of the customer's purchases, and that same purchase's amount.
        expect(await keysWhere('Product.Category = "Security" and Purchase.Amount > 10')).toEqual([1]);
        expect(await keysWhere('Product.Category = "Security" and Product.Category = "Garden"')).toEqual([]);
        expect(await keysWhere('Product.Category = "Garden"')).toEqual([1]);
        const model = await parse(`dynamic segment T { audience Customer group { Product.Category = "Security" } intersect group { Product.Category = "Garden" } }`);
        expect(evaluateReference(model, TABLES, 'T', '2027-02-11')).toEqual([1]);
    });

    it('reads a group naming only the audience as a plain filter, and applies set operations left to right', async () => {
        expect(await keysWhere('Satisfaction >= 60')).toEqual([2, 4]);
        const model = await parse(`dynamic segment T { audience Customer
          group { Satisfaction > 50 } union group { Name = "Ada" } exclude group { DoNotCall = true } intersect group { CustomerId < 4 } }`);
        expect(evaluateReference(model, TABLES, 'T', '2027-02-11')).toEqual([2]);
    });

    it('uses two-valued logic: a comparison with a missing value is false, != included', async () => {
        expect(await keysWhere('not (Satisfaction < 60)')).toEqual([2, 3, 4]);
        expect(await keysWhere('Satisfaction != 40')).toEqual([2, 4, 5]);
        expect(await keysWhere('Satisfaction not in (40, 80)')).toEqual([4, 5]);
        expect(await keysWhere('DoNotCall != true')).toEqual([2]);
        expect(await keysWhere('not (DoNotCall = true)')).toEqual([2, 3, 4, 5]);
    });

    it('treats "" and missing text as empty, and only missing for other types', async () => {
        expect(await keysWhere('Name is empty')).toEqual([3]);
        expect(await keysWhere('Birthday is empty')).toEqual([3, 5]);
        expect(await keysWhere('Name is not empty and Satisfaction is not empty')).toEqual([1, 2, 4, 5]);
    });

    it('matches text ignoring ASCII case only, with % and _ taken literally; = is exact; < is code point order', async () => {
        expect(await keysWhere('Name contains "A"')).toEqual([1, 5]);
        expect(await keysWhere('Name starts with "B"')).toEqual([2]);
        expect(await keysWhere('Name starts with "é"')).toEqual([]);
        expect(await keysWhere('Name ends with "_B%"')).toEqual([5]);
        expect(await keysWhere('Name contains "_"')).toEqual([5]);
        expect(await keysWhere('Name = "BOB"')).toEqual([]);
        expect(await keysWhere('Name in ("bob", "Ada")')).toEqual([1, 2]);
        // "Ada" < "a_b%" < "bob" < "Émile 🙂" by code point; "" sorts first.
        expect(await keysWhere('Name > "a"')).toEqual([2, 4, 5]);
        expect(await keysWhere('Name between "B" and "c"')).toEqual([2, 5]);
        expect(await keysWhere('Name < "\uFF5E"')).toEqual([1, 2, 3, 4, 5]);
        expect(await keysWhere('Name > "\uFF5E"')).toEqual([]);
    });

    it('computes time: today and now as of a date or a datetime, month clamping, windows, date versus datetime', async () => {
        expect(referenceClock('2027-02-11')).toEqual({ today: '2027-02-11', now: '2027-02-11 23:59:59' });
        expect(referenceClock('2027-02-11T08:15:00')).toEqual({ today: '2027-02-11', now: '2027-02-11 08:15:00' });
        // 2026-03-31 - 1 month is 2026-02-28.
        expect(await keysWhere('Birthday = 2026-03-31 - 1 month')).toEqual([1]);
        expect(await keysWhere('Birthday = today - 1 year - 1 month + 1 month')).toEqual([]);
        expect(await keysWhere('Birthday = 2028-02-29 - 2 years')).toEqual([1]);
        expect(await keysWhere('Birthday in last 1 year')).toEqual([1, 2, 4]);
        expect(await keysWhere('Birthday in last 1 year', '2027-02-10')).toEqual([1, 4]);
        // A datetime compared with a date compares its calendar date.
        expect(await keysWhere('SeenAt = 2027-02-11')).toEqual([1]);
        expect(await keysWhere('SeenAt = today')).toEqual([1]);
        expect(await keysWhere('SeenAt <= today - 1 day')).toEqual([2, 3]);
        expect(await keysWhere('SeenAt after 2027-02-11T09:59:59')).toEqual([1, 4]);
        expect(await keysWhere('SeenAt in last 1 day')).toEqual([1, 2]);
        expect(await keysWhere('SeenAt in last 1 day', '2027-02-11T09:00:00')).toEqual([2]);
        expect(await keysWhere('SeenAt in next 2 hours', '2027-02-11T08:00:00')).toEqual([1]);
        expect(await keysWhere('SeenAt in last 1 month')).toEqual([1, 2]);
        expect(await keysWhere('SeenAt in last 1 month', '2027-02-11T00:00:00')).toEqual([2, 3]);
        expect(await keysWhere('SeenAt before now - 31 days')).toEqual([3]);
        expect(await keysWhere('SeenAt = now - 1 day', '2027-02-11T23:59:59')).toEqual([2]);
        expect(await keysWhere('SeenAt between 2027-02-10 and 2027-02-11T10:00:00')).toEqual([1, 2]);
        expect(await keysWhere('SeenAt in (2027-02-12T00:00:00, 2027-02-10)')).toEqual([2, 4]);
    });

    it('aggregates the distinct related records, with where, ignoring missing values', async () => {
        expect(await keysWhere('count(Purchase) = 0')).toEqual([3, 5]);
        expect(await keysWhere('sum(Purchase.Amount) = 0')).toEqual([3, 5]);
        expect(await keysWhere('sum(Purchase.Amount) = 5')).toEqual([2]);
        expect(await keysWhere('avg(Purchase.Amount) = 50')).toEqual([1]);
        expect(await keysWhere('avg(Purchase.Amount) is empty')).toEqual([3, 5]);
        expect(await keysWhere('not (avg(Purchase.Amount) > 1)')).toEqual([3, 5]);
        // Customer 2 bought product 10 twice: one distinct product.
        expect(await keysWhere('count(Product) = 1')).toEqual([2, 4]);
        expect(await keysWhere('count(Purchase where Product.Category = "Security") = 2')).toEqual([2]);
        expect(await keysWhere('count(Purchase where Purchase.PurchasedAt in last 90 days) >= 1')).toEqual([1, 2]);
        expect(await keysWhere('max(Purchase.PurchasedAt) = 2027-02-11')).toEqual([1]);
        expect(await keysWhere('min(Purchase.PurchasedAt) <= 2026-11-11')).toEqual([2]);
        expect(await keysWhere('sum(Purchase.Amount where Product.Category = "Security") > 20 and Purchase.Amount < 50')).toEqual([1]);
        // An aggregate over the audience entity itself: the profile.
        expect(await keysWhere('count(Customer where Satisfaction > 50) = 1')).toEqual([2, 4, 5]);
    });

    it('needs via when two shortest paths tie, and follows the chosen relationship', async () => {
        await expect(keysWhere('Referral.ReferralId > 0')).rejects.toThrow(SegmentError);
        expect(await keysWhere('Referral.ReferralId > 0', '2027-02-11', 'via Referral.FromId')).toEqual([1, 2]);
        expect(await keysWhere('Referral.ReferralId > 0', '2027-02-11', 'via Referral.ToId')).toEqual([2, 3]);
        expect(await keysWhere('count(Referral) = 1', '2027-02-11', 'via Referral.ToId')).toEqual([2, 3]);
        await expect(keysWhere('count(Referral) = 1', '2027-02-11', 'via Referral.ToId, Referral.FromId')).rejects.toThrow(SegmentError);
        await expect(keysWhere('count(Purchase where count(Product) > 1) > 0')).rejects.toThrow(SegmentError);
        await expect(keysWhere('Name > 3')).rejects.toThrow(SegmentError);
        await expect(keysWhere('Birthday > today - 3 hours')).rejects.toThrow(SegmentError);
        await expect(keysWhere('Birthday > 2027-02-30')).rejects.toThrow(SegmentError);
    });

    it('evaluates static and compound segments, and rejects cycles and mixed audiences', async () => {
        const model = await parse(`
          static segment Listed { audience Customer members 1, 3, 42 }
          dynamic segment Happy { audience Customer group { Satisfaction >= 60 } }
          dynamic segment Security { audience Product group { Category contains "SECURITY" } }
          compound segment Both { Listed union Happy exclude Listed }
          compound segment Nested { audience Customer Both union Listed intersect Happy }
          compound segment Loop1 { Loop2 } compound segment Loop2 { Loop1 }
          compound segment Mixed { Happy union Security }`);
        expect(evaluateReference(model, TABLES, 'Listed', '2027-02-11')).toEqual([1, 3]);
        expect(evaluateReference(model, TABLES, 'Both', '2027-02-11')).toEqual([2, 4]);
        expect(evaluateReference(model, TABLES, 'Nested', '2027-02-11')).toEqual([2, 4]);
        expect(evaluateReference(model, TABLES, 'Security', '2027-02-11')).toEqual([10, 12]);
        expect(() => evaluateReference(model, TABLES, 'Loop1', '2027-02-11')).toThrow(SegmentError);
        expect(() => evaluateReference(model, TABLES, 'Mixed', '2027-02-11')).toThrow(SegmentError);
    });

    it('reads the members of a static segment from the first column of a CSV file', async () => {
        expect(csvFirstColumn('id,name\n1,a\n"2","b,c"\n\n 3 ,x\r\n')).toEqual(['1', '2', '3']);
        const folder = mkdtempSync(join(tmpdir(), 'segments-reference-'));
        try {
            const file = join(folder, 'members.csv');
            writeFileSync(file, 'CustomerId,Note\n4,x\n"2",y\n77,not a customer\n');
            const model = await parse(`static segment FromFile { audience Customer members from ${JSON.stringify(file)} }`);
            expect(evaluateReference(model, TABLES, 'FromFile', '2027-02-11')).toEqual([2, 4]);
        } finally {
            rmSync(folder, { recursive: true, force: true });
        }
    });
});

// -------------------------------------------------------------------------------------------------
// Minimal cases where the SQL path and the reference evaluator disagree (found by the property
// above). Each states the keys the reference text gives, worked out by hand.

async function sqlKeys(segments: string, tables: Tables, name: string, asOf: string): Promise<readonly ReferenceKey[]> {
    const { plans, errors } = await examples.load(segments);
    expect(errors).toEqual([]);
    const sqlTables = Object.entries(tables).map(([table, rows]) => {
        const columns = Object.keys(rows[0] ?? {});
        const values = rows.map(r => `(${columns.map(c => (r[c] === null ? 'NULL' : typeof r[c] === 'number' ? String(r[c]) : `'${String(r[c]).replace(/'/g, "''")}'`)).join(', ')})`);
        return `CREATE TABLE "${table}" (${columns.map(c => `"${c}"`).join(', ')});${values.length > 0 ? ` INSERT INTO "${table}" VALUES ${values.join(', ')};` : ''}`;
    });
    const engine = await database(sqlTables.join('\n'));
    try {
        return await new SegmentRunner(engine, plans.plans, clockAsOf(asOf)).keys(name);
    } finally {
        await engine.close();
    }
}

describe('SQL path on the minimal disagreements', () => {
    const check = async (condition: string, expected: ReferenceKey[], tables = TABLES, audience = 'Customer'): Promise<void> => {
        const segment = `dynamic segment T { audience ${audience} group { ${condition} } }`;
        expect(evaluateReference(await parse(segment), tables, 'T', '2027-02-11'), 'reference evaluator').toEqual(expected);
        expect.soft(await sqlKeys(segment, tables, 'T', '2027-02-11'), `SQL path on ${condition}`).toEqual(expected);
    };

    it('between a date and a datetime compares the datetime bound as a datetime', async () => {
        // Customer 1 was seen 2027-02-11 10:00:00, after the upper bound 09:00:00.
        await check('SeenAt between 2027-02-10 and 2027-02-11T09:00:00', [2]);
    });

    it('in (...) with dates and datetimes compares each value in its own domain', async () => {
        // 2027-02-10 matches customer 2's datetime by calendar date; 2027-02-11T09:00:00 matches no one.
        await check('SeenAt in (2027-02-10, 2027-02-11T09:00:00)', [2]);
        await check('SeenAt in (2027-02-11T10:00:00, 2027-02-10)', [1, 2]);
    });

    it('min and max of a datetime compared with a date compare calendar dates', async () => {
        // Customer 1's last purchase is 2027-02-11 09:00:00: on 2027-02-11.
        await check('max(Purchase.PurchasedAt) = 2027-02-11', [1]);
        await check('max(Purchase.PurchasedAt) >= today', [1]);
        await check('min(Purchase.PurchasedAt) <= 2026-11-11', [2]);
    });

    it('an aggregate under not is not spoiled by records whose foreign key is empty', async () => {
        // Purchase 11 belongs to no customer: it counts for no one.
        const tables: Tables = {
            customers: [customer(1, { satisfaction: 70 }), customer(2)],
            purchases: [
                { purchase_id: 10, customer_id: 1, product_id: 10, purchased_at: null, Amount: 5 },
                { purchase_id: 11, customer_id: null, product_id: 10, purchased_at: null, Amount: 100 }
            ],
            products: [{ product_id: 10, Category: 'Security' }],
            referrals: [{ referral_id: 1, from_id: 1, to_id: 2 }]
        };
        await check('not (count(Purchase) >= 1)', [2], tables);
        await check('not (sum(Purchase.Amount) > 50)', [1, 2], tables);
        // Purchase 11 has no customer: the max of no values is missing, `> 50` is false, its `not` true.
        await check('not (max(Customer.Satisfaction) > 50)', [11], tables, 'Purchase');
    });
});
