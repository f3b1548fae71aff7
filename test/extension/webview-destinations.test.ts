import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { deliverOutbox } from '../../activation/webhook-delivery.js';
import type { Browser } from 'playwright-core';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardData, PreviewState, SegmentReport } from '../../extension/src/shared/data.js';
import { HistoryStore, type RunRecord } from '../../history/history-store.js';
import { copySample, InProcessEvaluator } from './sample-workspace.js';
import { openWebview } from './webview-page.js';
import { SHOTS, webviewBrowser } from './webview-setup.js';

function report(p: PreviewState): SegmentReport {
    if (p.state !== 'result') throw new Error(`expected a result, got ${p.state}`);
    return p.report;
}

/**
 * A segment's destinations and where their delivery stands, on the dashboard and in the
 * details view (issue 12), after two automatic refreshes of a copy of the sample in which
 * HighBalanceFollowUp activates a file, a table, a table whose name clashes with the history
 * store's own `runs`, and a webhook to a port nobody listens on; the sample's NeverPurchased
 * sends to a webhook receiver on loopback that answers 200.
 */

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise(resolve => server.close(resolve));
    return port;
}
describe('destinations and their delivery in the views, in Chromium', () => {
    let browser: Browser;
    let evaluator: InProcessEvaluator;
    let dashboard: DashboardData;
    let runs: RunRecord[];
    let neverRuns: RunRecord[];
    let historyFile: string;
    let note: string;
    let receiver: Server;
    let refused: number;
    const received: { key: string; body: { segment: string; entered: number[] } }[] = [];

    beforeAll(async () => {
        browser = await webviewBrowser();
        receiver = createServer((req, res) => {
            let body = '';
            req.on('data', (c: Buffer) => { body += c.toString(); });
            req.on('end', () => {
                received.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(body) as { segment: string; entered: number[] } });
                res.writeHead(200).end();
            });
        });
        await new Promise<void>(resolve => receiver.listen(0, '127.0.0.1', resolve));
        const { port } = receiver.address() as AddressInfo;
        refused = await closedPort();
        const root = copySample();
        const activation = join(root, 'activation.segment');
        const sample = readFileSync(activation, 'utf8');
        expect(sample).toContain('webhook "http://127.0.0.1:8787/segments"');
        writeFileSync(activation, `${sample.replace('http://127.0.0.1:8787/segments', `http://127.0.0.1:${port}/segments`)}
destination Warehouse { table "segment_members" }
destination Clash { table "runs" }
destination Crm { webhook "http://127.0.0.1:${refused}/segments" }
`);
        const contact = join(root, 'contact.segment');
        const text = readFileSync(contact, 'utf8');
        expect(text).toContain('activate CallCenter');
        writeFileSync(contact, text.replace('activate CallCenter', 'activate CallCenter, Warehouse, Clash, Crm'));
        evaluator = new InProcessEvaluator(root);
        // Two automatic refreshes: each sends the segment to its destinations and records the run.
        await evaluator.request({ op: 'dashboard', record: true });
        const recorded = await evaluator.request({ op: 'dashboard', record: true });
        historyFile = recorded.history!.file;
        note = recorded.history?.note ?? '';
        // The extension sends its webhooks' outbox in the background; one more pass here, waited for.
        await deliverOutbox(historyFile);
        dashboard = await evaluator.request({ op: 'dashboard', record: false });
        const store = await HistoryStore.open(historyFile);
        try {
            runs = store.runs('HighBalanceFollowUp').filter(r => !r.backfill);
            neverRuns = store.runs('NeverPurchased').filter(r => !r.backfill);
        } finally {
            store.close();
        }
        expect(runs).toHaveLength(2);
    });

    afterAll(async () => {
        await new Promise(resolve => receiver?.close(resolve));
        await browser?.close();
        await evaluator?.session.close();
    });

    /** What each destination's status should say after the two refreshes. */
    function expectedStatus(): Record<string, { kind: string; target: string; state: string; status: string | RegExp }> {
        const [first, second] = runs;
        return {
            CallCenter: { kind: 'file', target: 'exports/call-center/HighBalanceFollowUp.jsonl', state: 'delivered', status: `written at run ${second.id}, ${second.recordedAt} UTC` },
            Warehouse: { kind: 'table', target: 'segment_members', state: 'delivered', status: `written at run ${second.id}, ${second.recordedAt} UTC` },
            Clash: {
                kind: 'table', target: 'runs', state: 'failing',
                status: `failing since ${first.recordedAt} UTC: the history store ${historyFile} already has a table runs that is not a members table (its columns are id, segment, recorded_at, as_of, count, entered, left_count, backfill, series, not segment, key, entered_at), so it was left alone: name another table in the destination (never written)`
            },
            // The first run's batch (every member entered) refused; the second run moved nobody, so sends nothing.
            Crm: {
                kind: 'webhook', target: `http://127.0.0.1:${refused}/segments`, state: 'failing',
                status: new RegExp(`^failing since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+ attempts?(, next try at \\d\\d:\\d\\d:\\d\\d)?\\): .*\\(http://127\\.0\\.0\\.1:${refused}/segments\\); 1 batch of run ${first.id} waiting, nothing delivered yet$`)
            }
        };
    }

    it('the table destination holds the segment\'s members, written by the extension\'s refresh into the history store', async () => {
        const SQL = await initSqlJs();
        const db = new SQL.Database(readFileSync(historyFile));
        try {
            const rows = db.exec("SELECT count(*), min(entered_at), max(entered_at) FROM segment_members WHERE segment = 'HighBalanceFollowUp'")[0].values[0];
            const count = dashboard.rows.find(r => r.name === 'HighBalanceFollowUp')!.count;
            expect(rows).toEqual([count, expect.stringMatching(/^2027-02-11/), expect.stringMatching(/^2027-02-11/)]);
        } finally {
            db.close();
        }
    });

    it('shows each destination under the segment on the dashboard: what, where, and the run written or since when it fails', async () => {
        for (const width of [1200, 600]) {
            const view = await openWebview(browser, 'dashboard.js', { view: 'dashboard' }, { width });
            await view.post({ type: 'dashboard', dashboard });
            const items = view.page.locator('tr[data-segment=HighBalanceFollowUp] [data-testid=destinations] li');
            await expect.poll(() => items.count()).toBe(4);
            const shown = await items.evaluateAll(lis => lis.map(li => ({
                name: li.getAttribute('data-destination'), state: li.getAttribute('data-state'),
                kind: li.querySelector('.destination-kind')?.textContent, target: li.querySelector('.destination-target')?.textContent,
                status: li.querySelector('[data-testid=destination-status]')?.textContent
            })));
            const want = expectedStatus();
            expect(shown.map(s => s.name)).toEqual(['CallCenter', 'Warehouse', 'Clash', 'Crm']);
            for (const s of shown) {
                const w = want[s.name!];
                expect({ kind: s.kind, target: s.target, state: s.state }, s.name!).toEqual({ kind: w.kind, target: w.target, state: w.state });
                expect(s.status, s.name!).toMatch(typeof w.status === 'string' ? new RegExp(`^${escape(w.status)}$`) : w.status);
            }
            // The sample's webhook: its first run's members reached the receiver, and it says so.
            expect(received.filter(r => r.body.segment === 'NeverPurchased').map(r => r.key)).toEqual([`${neverRuns[0].id}/1`]);
            expect(received.find(r => r.body.segment === 'NeverPurchased')!.body.entered).toHaveLength(dashboard.rows.find(r => r.name === 'NeverPurchased')!.count!);
            expect(await view.page.textContent('tr[data-segment=NeverPurchased] [data-destination=CrmEvents]')).toBe(`CrmEvents webhook http://127.0.0.1:${(receiver.address() as AddressInfo).port}/segments: delivered up to run ${neverRuns[0].id}`);
            // Segments without destinations show none; the sample's file destinations show theirs.
            expect(await view.page.locator('tr[data-segment=HighBalance] [data-testid=destinations]').count()).toBe(0);
            expect(await view.page.textContent('tr[data-segment=TopSpenders] [data-destination=CampaignLists]')).toMatch(/^CampaignLists file exports\/TopSpenders\.csv: written at run \d+, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
            // The refresh's failure was also the history note's sentence.
            expect(note).toContain('HighBalanceFollowUp was not written to Clash: the history store');
            expect(await view.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
            expect(await view.violations()).toEqual([]);
            await view.page.screenshot({ path: join(SHOTS, `webview-dashboard-destinations-${width}.png`), fullPage: true });
            await view.page.close();
        }
    });

    it('lists the destinations in the details view, one row each with its status; a segment without any says so', async () => {
        const preview = await evaluator.request({ op: 'preview', segment: 'HighBalanceFollowUp', pageOffset: 0, pageSize: 50 });
        expect(report(preview).destinations.map(d => [d.name, d.state])).toEqual([['CallCenter', 'delivered'], ['Warehouse', 'delivered'], ['Clash', 'failing'], ['Crm', 'failing']]);
        const view = await openWebview(browser, 'segment-view.js', { view: 'details', segment: 'HighBalanceFollowUp' });
        await view.post({ type: 'preview', preview });
        const rows = view.page.locator('table.destinations-table tbody tr');
        await expect.poll(() => rows.count()).toBe(4);
        expect(await view.page.locator('table.destinations-table thead th').allTextContents()).toEqual(['Destination', 'Kind', 'Where', 'Status']);
        const cells = await rows.evaluateAll(trs => trs.map(tr => Array.from(tr.children, c => c.textContent ?? '')));
        const want = expectedStatus();
        expect(cells.map(c => c.slice(0, 3))).toEqual(Object.entries(want).map(([name, w]) => [name, w.kind, w.target]));
        cells.forEach((c, i) => {
            const w = Object.values(want)[i].status;
            expect(c[3], c[0]).toMatch(typeof w === 'string' ? new RegExp(`^${escape(w)}$`) : w);
        });
        expect(await view.page.getAttribute('table.destinations-table tr[data-destination=Clash]', 'data-state')).toBe('failing');
        expect(await view.violations()).toEqual([]);
        await view.page.screenshot({ path: join(SHOTS, 'webview-details-destinations.png'), fullPage: true });

        const none = await evaluator.request({ op: 'preview', segment: 'HighBalance', pageOffset: 0, pageSize: 50 });
        await view.post({ type: 'preview', preview: none });
        await expect.poll(() => view.page.textContent('.destinations-section')).toBe('DestinationsThis segment activates no destination.');
        await view.page.close();
    });
});

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
