import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultHistoryFile, HistoryStore, type RunRecord } from '../../history/history-store.js';
import type { DashboardData, PreviewState, SegmentReport } from '../../extension/src/shared/data.js';
import { InProcessEvaluator, smallWorkspace } from './sample-workspace.js';

// Issue 11, item 4: history, changes and the trendline the views show can be trusted. A run is
// recorded when the data or the definition changed; entered and left compare with the previous
// run of the same definition at the same kind of instant (pinned "as of", or now).

const A = '2027-02-11';
const B = '2027-02-20';

const DATA = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, score INTEGER, signed_up TEXT);
CREATE TABLE purchases (id INTEGER PRIMARY KEY, customer_id INTEGER, amount NUMERIC, at TEXT);
INSERT INTO customers VALUES (1, 'Ann', 90, '2020-01-01'), (2, 'Bob', 80, '2020-01-01'), (3, 'Cy', 70, '2020-01-01'),
  (4, 'Di', 60, '2027-01-05'), (5, 'Ed', 10, '2020-01-01'), (6, 'Flo', 95, '2027-02-15');
INSERT INTO purchases VALUES (10, 1, 50, '2024-01-01 10:00:00'), (11, 2, 5, '2024-01-01 10:00:00'), (12, 5, 40, '2024-01-01 10:00:00');
`;

const SCHEMA = `
entity Customer from customers key Id time SignedUp {
  Id number column id
  Name text column name
  Score number column score
  SignedUp date column signed_up
}
entity Purchase from purchases key PurchaseId {
  PurchaseId number column id
  CustomerId number column customer_id -> Customer
  Amount number column amount
}
`;

const SEGMENTS = `
dynamic segment Happy { audience Customer group { Customer.Score > 50 } }
dynamic segment Buyers { audience Customer group { Purchase.Amount > 10 } }
compound segment HappyBuyers { Happy intersect Buyers }
`;

const open: InProcessEvaluator[] = [];

async function workspace(): Promise<InProcessEvaluator> {
    const evaluator = await smallWorkspace(DATA, `${SCHEMA}${SEGMENTS}`, A);
    open.push(evaluator);
    return evaluator;
}

/** Another window (or the view reopened) on the same folder, at `asOf` (undefined: now, no `segments.asOf`). */
function window(root: string, asOf: string | undefined): InProcessEvaluator {
    const evaluator = new InProcessEvaluator(root, asOf ?? A);
    if (asOf === undefined) delete (evaluator.context as { asOf?: string }).asOf;
    open.push(evaluator);
    return evaluator;
}

afterEach(async () => {
    for (const e of open.splice(0)) await e.session.close();
});

/** Changes the database as another program would; every open session is told, as the file watcher tells them. */
async function changeData(root: string, sql: string): Promise<void> {
    const SQL = await initSqlJs();
    const file = join(root, 'data.sqlite');
    const db = new SQL.Database(readFileSync(file));
    db.exec(sql);
    writeFileSync(file, db.export());
    db.close();
    for (const e of open) if (e.root === root) e.session.invalidateAll();
}

async function runs(root: string, segment: string): Promise<RunRecord[]> {
    const store = await HistoryStore.open(defaultHistoryFile(join(root, 'data.sqlite')));
    try {
        return store.runs(segment);
    } finally {
        store.close();
    }
}

function row(d: DashboardData, name: string): DashboardData['rows'][number] {
    return d.rows.find(r => r.name === name)!;
}

function report(p: PreviewState): SegmentReport {
    if (p.state !== 'result') throw new Error(`expected a result, got ${JSON.stringify(p)}`);
    return p.report;
}

const preview = (e: InProcessEvaluator, segment: string): Promise<SegmentReport> => e.request({ op: 'preview', segment, pageOffset: 0, pageSize: 50 }).then(report);
const refresh = (e: InProcessEvaluator): Promise<DashboardData> => e.request({ op: 'dashboard', record: true });

describe('history the views can trust', () => {
    it('a run is recorded when the data or the definition changed, not on opening or refreshing a view', async () => {
        const e = await workspace();
        await refresh(e);
        await refresh(e);
        await preview(e, 'Happy');
        await e.request({ op: 'dashboard', record: false });
        await refresh(e);
        expect((await runs(e.root, 'Happy')).map(r => r.count)).toEqual([4]);
        // A purchase: Happy reads customers only, so it has no new run; Buyers and HappyBuyers have one.
        await changeData(e.root, "INSERT INTO purchases VALUES (13, 3, 25, '2025-01-01 10:00:00')");
        await refresh(e);
        expect((await runs(e.root, 'Happy')).map(r => r.count)).toEqual([4]);
        expect((await runs(e.root, 'Buyers')).map(r => [r.count, r.entered, r.left])).toEqual([[2, undefined, undefined], [3, 1, 0]]);
        expect((await runs(e.root, 'HappyBuyers')).map(r => [r.count, r.entered, r.left])).toEqual([[1, undefined, undefined], [2, 1, 0]]);
        // An update in place that keeps every row count.
        await changeData(e.root, 'UPDATE customers SET score = 20 WHERE id = 2');
        const after = await refresh(e);
        expect((await runs(e.root, 'Happy')).map(r => [r.count, r.entered, r.left])).toEqual([[4, undefined, undefined], [3, 0, 1]]);
        expect(row(after, 'Happy')).toMatchObject({ count: 3, change: -1 });
        // The definition changed: a run of its own, no members counted as entering or leaving.
        writeFileSync(join(e.root, 'main.segment'), readFileSync(join(e.root, 'main.segment'), 'utf8').replace('Customer.Score > 50', 'Customer.Score > 5'));
        e.session.invalidateModel();
        const edited = await refresh(e);
        const happy = await runs(e.root, 'Happy');
        expect(happy.map(r => [r.count, r.entered, r.left])).toEqual([[4, undefined, undefined], [3, 0, 1], [5, undefined, undefined]]);
        expect(row(edited, 'Happy').change).toBeUndefined();
        expect((await preview(e, 'Happy')).changes).toEqual({ entered: [], left: [] });
    });

    it('right after members left, refreshing again and reopening the dashboard keep the change', async () => {
        const e = await workspace();
        await refresh(e);
        await changeData(e.root, 'UPDATE customers SET score = 1 WHERE id IN (1, 3)');
        expect(row(await refresh(e), 'Happy')).toMatchObject({ count: 2, change: -2 });
        // Refreshed again within the same second, and the dashboard opened in another window.
        expect(row(await refresh(e), 'Happy')).toMatchObject({ count: 2, change: -2 });
        const other = window(e.root, A);
        expect(row(await refresh(other), 'Happy')).toMatchObject({ count: 2, change: -2 });
        expect((await preview(other, 'Happy')).changes).toMatchObject({ entered: [], left: [1, 3] });
        expect((await runs(e.root, 'Happy')).map(r => r.count)).toEqual([4, 2]);
    });

    it('changing the "as of" setting is not recorded as members entering and leaving', async () => {
        const e = await workspace();
        expect(row(await refresh(e), 'Happy').count).toBe(4);
        // As of B, Flo (signed up 2027-02-15) exists: one more member, but no one entered.
        const later = window(e.root, B);
        const atB = await refresh(later);
        expect(row(atB, 'Happy')).toMatchObject({ count: 5 });
        expect(row(atB, 'Happy').change).toBeUndefined();
        expect((await preview(later, 'Happy')).changes).toEqual({ entered: [], left: [] });
        // Back to A: nothing changed there, nothing is recorded.
        const back = window(e.root, A);
        expect(row(await refresh(back), 'Happy').change).toBeUndefined();
        expect((await runs(e.root, 'Happy')).map(r => [r.asOf.slice(0, 10), r.count, r.entered, r.left])).toEqual([[A, 4, undefined, undefined], [B, 5, undefined, undefined]]);
    });

    it('entered and left compare with the previous run of the same definition at the same kind of instant', async () => {
        const e = await workspace();
        await refresh(e);
        // Now (the real clock, before Di signed up on 2027-01-05): a series of its own.
        const now = window(e.root, undefined);
        expect(row(await refresh(now), 'Happy').count).toBe(3);
        await changeData(e.root, "UPDATE customers SET score = 1 WHERE id = 4; INSERT INTO customers VALUES (7, 'Gus', 99, '2021-01-01')");
        // Pinned at A: compared with the run pinned at A (Di left, Gus entered), not with the run now.
        const pinned = await refresh(e);
        expect(row(pinned, 'Happy')).toMatchObject({ count: 4, change: 0 });
        expect((await preview(e, 'Happy')).changes).toMatchObject({ entered: [7], left: [4] });
        // Now: compared with the run now (Gus entered; Di was not a member now).
        expect(row(await refresh(now), 'Happy')).toMatchObject({ count: 4, change: 1 });
        expect((await preview(now, 'Happy')).changes).toMatchObject({ entered: [7], left: [] });
    });

    it('the headline and the trend\'s last point agree, in the preview and the dashboard', async () => {
        const e = await workspace();
        await refresh(e);
        await changeData(e.root, 'UPDATE customers SET score = 1 WHERE id = 1');
        // Not recorded yet: the view counts 3, and its trend ends at 3, at the view's instant.
        const shown = await preview(e, 'Happy');
        expect(shown.count).toBe(3);
        expect(shown.trend.at(-1)).toEqual({ asOf: shown.asOf, count: 3 });
        const dashboard = await e.request({ op: 'dashboard', record: false });
        expect(row(dashboard, 'Happy').trend.at(-1)).toEqual({ asOf: dashboard.asOf, count: row(dashboard, 'Happy').count });
        // Back-filled points before it are kept, one per instant, in time order.
        await e.request({ op: 'backfill', from: '2027-01-01', to: '2027-01-15', stepDays: 7 });
        const filled = await preview(e, 'Happy');
        // Counted on today's data at each past instant: Ann left at the change, Di signed up on 2027-01-05.
        expect(filled.trend.map(p => [p.asOf.slice(0, 10), p.count])).toEqual([['2027-01-01', 2], ['2027-01-08', 3], ['2027-01-15', 3], [A, 3]]);
    });

    it('a refresh takes the members of segments whose data did not change from the history: only those that read a changed table run', async () => {
        const e = await workspace();
        const first = await refresh(e);
        await changeData(e.root, "INSERT INTO purchases VALUES (13, 3, 25, '2025-01-01 10:00:00')");
        const engine = (await e.session.openEngine()).engine;
        const query = vi.spyOn(engine, 'query');
        const after = await refresh(e);
        const sql = query.mock.calls.map(c => String(c[0]));
        expect(sql.some(s => s.includes('> 10'))).toBe(true);
        expect(sql.some(s => s.includes('> 50'))).toBe(false);
        expect(after.rows.map(r => [r.name, r.count])).toEqual([['Happy', 4], ['Buyers', 3], ['HappyBuyers', 2]]);
        expect(first.rows.map(r => [r.name, r.count])).toEqual([['Happy', 4], ['Buyers', 2], ['HappyBuyers', 1]]);
        // The same counts as a window that evaluates everything afresh.
        const fresh = window(e.root, A);
        expect((await fresh.request({ op: 'dashboard', record: false })).rows.map(r => [r.name, r.count])).toEqual(after.rows.map(r => [r.name, r.count]));
    });
});
