import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField } from '../../extension/src/evaluator/csv-export.js';
import { defaultHistoryFile, HistoryStore, journalFile } from '../../history/history-store.js';
import { webviewPage } from '../../extension/src/host/webview-html.js';
import { keyProblem, parseKey } from '../../extension/src/shared/keys.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { isViewState, parseViewMessage } from '../../extension/src/shared/messages.js';
import { copySample, InProcessEvaluator, SAMPLE_AS_OF } from './sample-workspace.js';

/** The evaluator behind the views, on a copy of the retail sample, without VS Code. */
describe('evaluator on the retail sample', () => {
    let evaluator: InProcessEvaluator;

    beforeAll(() => {
        evaluator = new InProcessEvaluator(copySample());
    });
    afterAll(() => evaluator.session.close());

    it('counts each group and how each condition narrows it', async () => {
        const preview = await evaluator.request({ op: 'preview', segment: 'SecurityLowSatisfaction', pageOffset: 0, pageSize: 10 });
        if (preview.state !== 'result') throw new Error(preview.state);
        const [group] = preview.report.groups;
        expect(group.label).toBe('SecurityUsers');
        expect(group.steps.map(s => s.text)).toEqual(['Product.Category = "Security"', 'Product.ProductID != 5567', 'Customer.CustomerSatisfaction < 60']);
        const counts = group.steps.map(s => s.count);
        expect(counts[2]).toBe(182);
        expect([...counts].sort((a, b) => b - a)).toEqual(counts);
        expect(preview.report.page).toMatchObject({ offset: 0, total: 182, pageSize: 10, columns: ['CustomerId', 'Name', 'CustomerSatisfaction'] });
    });

    it('previews the segment under the cursor, from unsaved text', async () => {
        const file = join(evaluator.root, 'contact.segment');
        const text = readFileSync(file, 'utf8');
        const overlays = new Map([[file, text.replace('Customer.CreditBalance > 5000', 'Customer.CreditBalance > 9000')]]);
        const edited = new InProcessEvaluator(evaluator.root, SAMPLE_AS_OF, overlays);
        const offset = overlays.get(file)!.indexOf('CreditBalance > 9000');
        const preview = await edited.request({ op: 'preview', uri: `file://${file}`, offset, pageOffset: 0, pageSize: 5 });
        expect(preview).toMatchObject({ state: 'result', report: { header: { name: 'HighBalance' } } });
        if (preview.state === 'result') expect(preview.report.count).toBeLessThan(173);
        await edited.session.close();
    });

    it('reports a segment with errors instead of running it', async () => {
        const file = join(evaluator.root, 'contact.segment');
        const broken = readFileSync(file, 'utf8').replace('Customer.CreditBalance > 5000', 'Customer.CreditBalanse > 5000');
        const edited = new InProcessEvaluator(evaluator.root, SAMPLE_AS_OF, new Map([[file, broken]]));
        const preview = await edited.request({ op: 'preview', segment: 'HighBalance', pageOffset: 0, pageSize: 5 });
        expect(preview.state).toBe('errors');
        if (preview.state === 'errors') expect(preview.problems[0].message).toContain('CreditBalanse');
        const compound = await edited.request({ op: 'preview', segment: 'HighBalanceFollowUp', pageOffset: 0, pageSize: 5 });
        expect(compound.state).toBe('errors');
        await edited.session.close();
    });

    it('explains membership by group and condition', async () => {
        const e = await evaluator.request({ op: 'explain', segment: 'SecurityLowSatisfaction', key: 1003 });
        expect(e).toMatchObject({ exists: true, member: true });
        expect(e.groups[0].conditions.every(c => c.passes)).toBe(true);
        const out = await evaluator.request({ op: 'explain', segment: 'HighBalanceFollowUp', key: 1010 });
        expect(out.parts.map(p => p.member)).toEqual([false, true]);
    });

    it('explains that a profile signed up after the "as of" instant does not exist yet', async () => {
        // Customer 1870 signed up on 2026-09-23 with a high balance.
        const before = new InProcessEvaluator(evaluator.root, '2026-06-30');
        try {
            const e = await before.request({ op: 'explain', segment: 'HighBalance', key: 1870 });
            expect(e).toMatchObject({ exists: false, member: false, later: { time: 'SignedUpAt', asOf: '2026-06-30 23:59:59' } });
        } finally {
            await before.session.close();
        }
        const now = await evaluator.request({ op: 'explain', segment: 'HighBalance', key: 1870 });
        expect(now).toMatchObject({ exists: true, member: true });
        expect(now.later).toBeUndefined();
        const unknown = await evaluator.request({ op: 'explain', segment: 'HighBalance', key: 99 });
        expect(unknown).toMatchObject({ exists: false, member: false });
        expect(unknown.later).toBeUndefined();
    });

    it('draws the flow of the segment under the cursor: a compound segment as its parts, expanded', async () => {
        const file = join(evaluator.root, 'contact.segment');
        const offset = readFileSync(file, 'utf8').indexOf('exclude DoNotCall');
        const flow = await evaluator.request({ op: 'flow', uri: `file://${file}`, offset });
        if (flow.state !== 'result') throw new Error(flow.state);
        const root = flow.flow.root;
        expect(root).toMatchObject({ name: 'HighBalanceFollowUp', kind: 'compound', count: 169 });
        expect(root.parts.map(p => [p.operator ?? '', p.segment.name, p.segment.count])).toEqual([['', 'HighBalance', 173], ['exclude', 'DoNotCall', 25]]);
        expect(root.parts[0].segment.groups[0].conditions).toMatchObject([{ text: 'Customer.CreditBalance > 5000', count: 173 }]);
        const dynamic = await evaluator.request({ op: 'flow', segment: 'SecurityLowSatisfaction' });
        if (dynamic.state !== 'result') throw new Error(dynamic.state);
        expect(dynamic.flow.root.groups[0]).toMatchObject({ label: 'SecurityUsers', count: 182, paths: ['Product → Purchase → Customer'] });
    });

    it('checks the key typed for Explain Membership', () => {
        expect(keyProblem(' ', true)).toBe('Enter a key');
        expect(keyProblem('abc', true, 'Customer')).toBe('Keys of Customer are numbers, for example 1003');
        expect(keyProblem('1003', true)).toBeUndefined();
        expect(parseKey(' 1003 ', true)).toBe(1003);
        expect(parseKey('1003', false)).toBe('1003');
        expect(parseKey('C-17', undefined)).toBe('C-17');
        expect(isViewState({ view: 'explain', segment: 'DoNotCall', key: 1010 })).toBe(true);
        expect(isViewState({ view: 'flow', key: {} })).toBe(false);
    });

    it('exports every member to CSV, quoting where needed', async () => {
        const file = join(evaluator.root, 'export.csv');
        const done = await evaluator.request({ op: 'exportCsv', segment: 'LapsedBuyers', file });
        expect(done.rows).toBe(814);
        const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
        expect(lines).toHaveLength(815);
        expect(lines[0]).toBe('CustomerId,Name,Email');
        expect(csvField('a "b", c')).toBe('"a ""b"", c"');
        expect(csvField(null)).toBe('');
    });

    it('records refreshes with entered and left members; a simulated next day counts from that day on', async () => {
        await evaluator.request({ op: 'dashboard', record: true });
        const next = new InProcessEvaluator(evaluator.root, '2027-02-12');
        try {
            // Pinned at the next day before it is simulated: a series of its own (no change yet).
            const before = await next.request({ op: 'dashboard', record: true });
            expect(before.rows.find(r => r.name === 'NeverPurchased')).toMatchObject({ count: 317 });
            expect(before.rows.find(r => r.name === 'NeverPurchased')?.change).toBeUndefined();
            const day = await evaluator.request({ op: 'simulateDay' });
            expect(day.day).toBe('2027-02-12');
            next.session.invalidateAll();
            // As of 2027-02-11 the records of 2027-02-12 do not exist yet (reference 6.1): nothing changes.
            const same = await evaluator.request({ op: 'dashboard', record: true });
            expect(same.rows.find(r => r.name === 'NeverPurchased')).toMatchObject({ count: 317, change: 0 });
            const after = await next.request({ op: 'dashboard', record: true });
            expect(after.rows.find(r => r.name === 'NeverPurchased')).toMatchObject({ count: 306, change: -11 });
            const preview = await next.request({ op: 'preview', segment: 'NeverPurchased', pageOffset: 0, pageSize: 5 });
            if (preview.state !== 'result') throw new Error(preview.state);
            expect(preview.report.changes.left).toHaveLength(11);
            expect(preview.report.changes.entered).toEqual([]);
        } finally {
            await next.session.close();
        }
        const filled = await evaluator.request({ op: 'backfill', from: '2027-01-01', to: '2027-01-29', stepDays: 7 });
        expect(filled.points).toBe(5 * filled.segments);
        const history = await HistoryStore.open(defaultHistoryFile(join(evaluator.root, 'retail.sqlite')));
        expect(history.trend('ValentinesEarly').map(p => p.asOf.slice(0, 10))).toEqual(['2027-01-01', '2027-01-08', '2027-01-15', '2027-01-22', '2027-01-29', '2027-02-11', '2027-02-11', '2027-02-12', '2027-02-12']);
        history.close();
    });

    it('back-fills each past point with that point\'s clock: later records are not counted into the past', async () => {
        const root = copySample();
        const past = new InProcessEvaluator(root);
        try {
            await past.request({ op: 'backfill', from: '2026-03-01', to: '2026-09-27', stepDays: 30 });
            const history = await HistoryStore.open(defaultHistoryFile(join(root, 'retail.sqlite')));
            const trend = history.trend('NeverPurchased');
            history.close();
            // Counted independently on the data: the customers signed up by the end of the day who made no purchase by then.
            const db = await SqlJsEngine.open(join(root, 'retail.sqlite'));
            const honest = async (day: string): Promise<number> => Number((await db.query(`SELECT count(*) FROM customers c
                WHERE datetime(c.signed_up_at) <= '${day} 23:59:59'
                  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id AND datetime(p.purchased_at) <= '${day} 23:59:59')`))[0][0]);
            const expected = await Promise.all(['2026-03-01', '2026-03-31', '2026-04-30', '2026-05-30', '2026-06-29', '2026-07-29', '2026-08-28', '2026-09-27'].map(async d => ({ day: d, count: await honest(d) })));
            await db.close();
            expect(trend.map(p => ({ day: p.asOf.slice(0, 10), count: p.count }))).toEqual(expected);
            // Today's records counted into the past would give the same 317 at every point.
            expect(new Set(trend.map(p => p.count)).size).toBeGreaterThan(1);
            expect(trend.every(p => p.count !== 317)).toBe(true);
        } finally {
            await past.session.close();
        }
    });

    it('freezes a segment as static segment text', async () => {
        const frozen = await evaluator.request({ op: 'freeze', segment: 'HighBalanceFollowUp' });
        expect(frozen.count).toBe(169);
        expect(frozen.text).toMatch(/^static segment HighBalanceFollowUpFrozen20270211 \{$/m);
    });

    it('reads the database afresh after a change, closing the copy it held', async () => {
        const before = (await evaluator.session.openEngine()).engine;
        const file = join(evaluator.root, 'retail.sqlite');
        utimesSync(file, new Date(), new Date(Date.now() + 5000));
        evaluator.session.invalidateAll();
        // A request still running when the change arrives keeps its copy until it ends.
        expect(await before.query('SELECT 1')).toEqual([[1]]);
        const preview = await evaluator.request({ op: 'preview', segment: 'HighBalance', pageOffset: 0, pageSize: 5 });
        expect(preview.state).toBe('result');
        const after = (await evaluator.session.openEngine()).engine;
        expect(after).not.toBe(before);
        await expect(before.query('SELECT 1')).rejects.toThrow();
    });
});

describe('history store', () => {
    it('a second save appends to the journal and leaves the snapshot; a failed write leaves no temporary file', async () => {
        const dir = copySample();
        const file = join(dir, 'h.history.sqlite');
        const store = await HistoryStore.open(file);
        store.record('S', '2027-02-11 23:59:59', [1, 2, 3]);
        await store.save();
        const before = readFileSync(file);
        const journal = readFileSync(journalFile(file)).length;
        store.record('S', '2027-02-12 23:59:59', [2, 3, 4]);
        // A rename onto a folder fails: the temporary file must be removed.
        const failing = await HistoryStore.open(join(dir, 'blocker-dir'));
        failing.record('S', 'x', [1]);
        mkdirSync(join(dir, 'blocker-dir'));
        await expect(failing.save()).rejects.toThrow();
        await store.save();
        expect(readFileSync(file).equals(before)).toBe(true);
        expect(readFileSync(journalFile(file)).length).toBeGreaterThan(journal);
        expect(readdirSync(dir).filter(f => f.endsWith('.tmp'))).toEqual([]);
        const reopened = await HistoryStore.open(file);
        expect(reopened.trend('S')).toEqual([{ asOf: '2027-02-11 23:59:59', count: 3 }, { asOf: '2027-02-12 23:59:59', count: 3 }]);
        expect(reopened.latestChanges('S')).toMatchObject({ entered: [4], left: [1] });
        expect(reopened.change('S')).toBe(0);
        expect(existsSync(file)).toBe(true);
    });
});

describe('webview shell and messages', () => {
    it('builds a page with a strict CSP and escaped state', () => {
        const html = webviewPage({ cspSource: 'https://x', nonce: 'abc', scriptUri: 'https://x/a.js', styleUri: 'https://x/a.css', title: '<b>', state: { view: 'details', segment: '"><script>alert(1)</script>' } });
        expect(html).toContain(`content="default-src 'none'; style-src https://x; img-src https://x data:; font-src https://x; script-src 'nonce-abc'"`);
        expect(html).not.toContain('<script>alert');
        expect(html.match(/<script/g)).toHaveLength(1);
    });

    it('accepts only well-formed messages from a view', () => {
        expect(parseViewMessage({ type: 'page', offset: 100 })).toEqual({ type: 'page', offset: 100 });
        expect(parseViewMessage({ type: 'page', offset: -1 })).toBeUndefined();
        expect(parseViewMessage({ type: 'command', command: 'rm -rf' })).toBeUndefined();
        expect(parseViewMessage({ type: 'command', command: 'exportCsv', segment: 'A' })).toEqual({ type: 'command', command: 'exportCsv', segment: 'A' });
        expect(parseViewMessage('ready')).toBeUndefined();
    });
});
