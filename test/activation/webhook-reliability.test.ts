import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HistoryStore } from '../../history/history-store.js';
import { simulateDay } from '../../samples/retail/simulate-day.js';
import { AS_OF, ROOT, SAMPLE, requireBuild, waitFor } from '../cli/refresh-support.js';
import { FlakyReceiver, mulberry32 } from './flaky-receiver.js';

// The webhook destination's promise (issue 12, reference section 7), tested on the real command
// line (`node bin/segments.js refresh`): a receiver that refuses, drops and slows requests, a
// refresher killed with SIGKILL at random moments and restarted, the data changing in between.
// At the end every entered/exited event of the history reached the receiver, in order per
// segment, and its view de-duplicated by Idempotency-Key is the history; no file destination
// was ever seen half-written.

const BIN = join(ROOT, 'bin/segments.js');
const SEGMENTS = ['NeverPurchased', 'BigSpenders', 'LapsedBuyers'];
const FILES = { NeverPurchased: 'exports/NeverPurchased.csv', BigSpenders: 'exports/BigSpenders.jsonl' } as const;

beforeAll(requireBuild);

/** A workspace of the sample's schema and database with three segments that send to the webhook `url`, two of them to files too. */
function workspace(url: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-webhook-'));
    cpSync(join(SAMPLE, 'schema.segment'), join(dir, 'schema.segment'));
    cpSync(join(SAMPLE, 'retail.sqlite'), join(dir, 'retail.sqlite'));
    writeFileSync(join(dir, 'reliability.segment'), `destination Crm { webhook "${url}" }
destination Lists { file "exports/{segment}.csv" }
destination Lines { file "exports/{segment}.jsonl" }

dynamic segment NeverPurchased {
  audience Customer
  show Customer.Name
  activate Crm, Lists
  group { count(Purchase) = 0 }
}

dynamic segment BigSpenders {
  audience Customer
  show Customer.City
  activate Lines, Crm
  group { sum(Purchase.Amount) > 6000 }
}

dynamic segment LapsedBuyers {
  audience Customer
  activate Crm
  group { Purchase.PurchasedAt before now }
  exclude group { Purchase.PurchasedAt in last 180 days }
}
`);
    return dir;
}

/** Deletes every purchase of `n` customers picked by `random`: they enter NeverPurchased and leave the others. Replaced atomically. */
async function forgetPurchases(file: string, n: number, random: () => number): Promise<void> {
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(file));
    try {
        const buyers = db.exec('SELECT DISTINCT customer_id FROM purchases WHERE customer_id IS NOT NULL ORDER BY customer_id')[0].values.map(r => Number(r[0]));
        const picked = Array.from({ length: n }, () => buyers[Math.floor(random() * buyers.length)]);
        for (const c of picked) db.run('DELETE FROM purchases WHERE customer_id = ?', [c]);
        const temp = `${file}.${process.pid}.edit`;
        writeFileSync(temp, db.export());
        renameSync(temp, file);
    } finally {
        db.close();
    }
}

function refresher(dir: string, extra: readonly string[]): { child: ChildProcess; output: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
    const child = spawn(process.execPath, [BIN, 'refresh', '.', '--as-of', AS_OF, '--retry-cap', '1s', ...extra], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve => child.on('exit', (code, signal) => resolve({ code, signal })));
    return { child, output: () => out, exit };
}

/** A file destination read after a kill: absent, or whole (every row complete, the last line ended), never part of a write. */
function expectWhole(dir: string, file: string): void {
    const path = join(dir, file);
    if (!existsSync(path)) return;
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n'), `${file} ends with a line break`).toBe(true);
    if (file.endsWith('.csv')) {
        const parsed = Papa.parse<string[]>(text.trimEnd(), { delimiter: ',' });
        expect(parsed.errors, file).toEqual([]);
        expect(parsed.data[0], file).toEqual(['CustomerId', 'Name']);
        for (const row of parsed.data.slice(1)) expect(row.length === 2 && /^\d+$/.test(row[0]), `${file}: ${row.join(',')}`).toBe(true);
    } else {
        for (const line of text.trimEnd().split('\n')) {
            const row = JSON.parse(line) as Record<string, unknown>;
            expect(Object.keys(row), file).toEqual(['CustomerId', 'City']);
        }
    }
}

/** The history of `segment` as the receiver should see it: each recorded run with members that moved (the first: every member entered), ascending keys. */
async function historyEvents(dir: string, segment: string): Promise<{ run: number; entered: number[]; exited: number[] }[]> {
    const r = spawnSync(process.execPath, [BIN, 'history', '.', '--segment', segment, '--changes', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const runs = JSON.parse(r.stdout) as { run: number; entered: number | null; enteredKeys: number[]; leftKeys: number[] }[];
    const store = await HistoryStore.open(join(dir, 'retail.history.sqlite'));
    try {
        return runs.flatMap(run => {
            const entered = run.entered === null ? (store.membersAfter(segment, run.run) as number[]) : run.enteredKeys;
            return entered.length + run.leftKeys.length === 0 ? [] : [{ run: run.run, entered: [...entered].sort((a, b) => a - b), exited: [...run.leftKeys].sort((a, b) => a - b) }];
        });
    } finally {
        store.close();
    }
}

/** Compares the receiver's de-duplicated view with the history; returns the events (keys) the history holds. */
async function expectViewIsHistory(dir: string, receiver: FlakyReceiver): Promise<number> {
    const view = receiver.view();
    let events = 0;
    for (const segment of SEGMENTS) {
        const expected = await historyEvents(dir, segment);
        const got = (view.get(segment) ?? []).map(v => ({ run: v.run, batches: v.batches, entered: [...v.entered].sort((a, b) => a - b), exited: [...v.exited].sort((a, b) => a - b) }));
        // In order: each run's first arrival after the previous run's, its batches in order.
        for (const v of got) expect(v.batches, `${segment} run ${v.run}`).toEqual(v.batches.map((_, i) => i + 1));
        expect(got.map(v => v.run), segment).toEqual([...got.map(v => v.run)].sort((a, b) => a - b));
        expect(got.map(({ run, entered, exited }) => ({ run, entered, exited })), segment).toEqual(expected);
        events += expected.reduce((n, e) => n + e.entered.length + e.exited.length, 0);
    }
    return events;
}

function outboxLength(dir: string): Promise<number> {
    return HistoryStore.open(join(dir, 'retail.history.sqlite')).then(s => {
        try {
            return s.outbox().length;
        } finally {
            s.close();
        }
    });
}

describe('webhook delivery across SIGKILLs, a flaky receiver and data changes', () => {
    const receiver = new FlakyReceiver({ refuse: 0.3, drop: 0.1, slow: 0.2 }, 12);
    afterAll(() => receiver.close());

    test('every entered/exited event reaches the receiver at least once, in order per segment; its de-duplicated view is the history; no file is ever half-written', async () => {
        const url = await receiver.listen();
        const dir = workspace(url);
        const random = mulberry32(2026);
        // The first refresh runs to its end: how long one takes sets the range of the kills.
        const started = Date.now();
        const first = refresher(dir, []);
        expect((await first.exit).code, first.output()).toBe(0);
        const durations = [Date.now() - started];
        let killedRunning = 0;
        let killedMidRequest = 0;
        let killedAtRequest = 0;
        let dataChanges = 0;
        let cycles = 0;
        while (killedRunning < 52 && cycles < 150) {
            cycles++;
            const change = random();
            if (change < 0.35) {
                await simulateDay(join(dir, 'retail.sqlite'));
                dataChanges++;
            } else if (change < 0.6) {
                await forgetPurchases(join(dir, 'retail.sqlite'), 1 + Math.floor(random() * 4), random);
                dataChanges++;
            }
            // Half the refreshers are one refresh, half keep watching (and retry their deliveries).
            // Most are killed at a random moment of a typical run; a third of those just as the
            // receiver takes one of their requests (during a delivery); every fifth runs to its end.
            const typical = durations.slice(-5).reduce((a, b) => a + b, 0) / Math.min(5, durations.length);
            const watching = cycles % 2 === 0;
            const run = refresher(dir, watching ? ['--watch'] : []);
            const t0 = Date.now();
            const spare = cycles % 5 === 0 && !watching;
            const atRequest = !spare && random() < 0.35;
            const delay = spare ? 600_000 : atRequest ? typical * 3 : 50 + (0.2 + random()) * typical;
            let byRequest = false;
            const requested = new Promise<false>(resolve => {
                receiver.onRequest = atRequest ? () => { byRequest = true; setTimeout(() => resolve(false), random() * 100); } : undefined;
            });
            const ended = await Promise.race([run.exit.then(() => true), requested, new Promise<false>(r => setTimeout(() => r(false), delay))]);
            receiver.onRequest = undefined;
            if (!ended) {
                if (receiver.inFlight > 0) killedMidRequest++;
                if (byRequest) killedAtRequest++;
                run.child.kill('SIGKILL');
                const { signal } = await run.exit;
                if (signal === 'SIGKILL') killedRunning++;
            } else {
                durations.push(Date.now() - t0);
            }
            for (const file of Object.values(FILES)) expectWhole(dir, file);
        }
        expect(killedRunning).toBeGreaterThanOrEqual(52);
        // Then one refresher that is not killed: it delivers what waits, retrying after the backoff.
        const last = refresher(dir, ['--watch']);
        try {
            await waitFor(() => /\(start\)/.test(last.output()), 120_000, 'the last refresh', last.output);
            const until = Date.now() + 240_000;
            while ((await outboxLength(dir)) > 0) {
                if (Date.now() > until) throw new Error(`the outbox still holds ${await outboxLength(dir)} batches; the refresher said:\n${last.output()}`);
                await new Promise(r => setTimeout(r, 500));
            }
        } finally {
            last.child.kill('SIGTERM');
        }
        expect((await last.exit).code).toBe(0);
        const events = await expectViewIsHistory(dir, receiver);
        // Files hold the last refresh's members.
        for (const file of Object.values(FILES)) expectWhole(dir, file);
        const sent = receiver.taken.reduce((n, t) => n + t.body.entered.length + t.body.exited.length, 0);
        const batches = [...receiver.view().values()].reduce((n, v) => n + v.reduce((m, r) => m + r.batches.length, 0), 0);
        const figures = { cycles, killedRunning, killedAtRequest, killedMidRequest, dataChanges, batches, events, keysTaken: sent, ...receiver.figures, losses: 0, seconds: Math.round((Date.now() - started) / 1000) };
        console.log(`webhook reliability: ${JSON.stringify(figures)}`);
        expect(figures.killedAtRequest).toBeGreaterThan(0);
        expect(figures.refused).toBeGreaterThan(0);
        expect(figures.dropped).toBeGreaterThan(0);
        expect(readdirSync(dir).filter(n => n.endsWith('.lock'))).toEqual([]);
    }, 900_000);
});

describe('two refreshers at once on one workspace', () => {
    const receiver = new FlakyReceiver({ refuse: 0, drop: 0, slow: 0.3 }, 7);
    afterAll(() => receiver.close());

    test('two --watch processes lose nothing and send no batch twice; the receiver\'s view is the history', async () => {
        const url = await receiver.listen();
        const dir = workspace(url);
        mkdirSync(join(dir, 'exports'), { recursive: true });
        const a = refresher(dir, ['--watch']);
        const b = refresher(dir, ['--watch']);
        const refreshes = (p: { output: () => string }): number => (p.output().match(/^-- .*\((start|the database changed)\)$/gm) ?? []).length;
        try {
            await waitFor(() => refreshes(a) >= 1 && refreshes(b) >= 1 && /LapsedBuyers/.test(a.output()) && /LapsedBuyers/.test(b.output()), 180_000, 'both first refreshes', () => a.output() + b.output());
            const random = mulberry32(99);
            for (let i = 0; i < 4; i++) {
                const [na, nb] = [refreshes(a), refreshes(b)];
                if (i % 2 === 0) await simulateDay(join(dir, 'retail.sqlite'));
                else await forgetPurchases(join(dir, 'retail.sqlite'), 3, random);
                await waitFor(() => refreshes(a) > na && refreshes(b) > nb && /LapsedBuyers.*\n$/.test(a.output()) && /LapsedBuyers.*\n$/.test(b.output()), 180_000, `both refreshes after change ${i + 1}`, () => a.output() + b.output());
            }
            await waitFor(() => receiver.inFlight === 0, 30_000, 'the last answers');
            const until = Date.now() + 60_000;
            while ((await outboxLength(dir)) > 0) {
                if (Date.now() > until) throw new Error('the outbox is not empty');
                await new Promise(r => setTimeout(r, 300));
            }
        } finally {
            a.child.kill('SIGTERM');
            b.child.kill('SIGTERM');
        }
        expect([(await a.exit).code, (await b.exit).code]).toEqual([0, 0]);
        const events = await expectViewIsHistory(dir, receiver);
        expect(receiver.figures.duplicates).toBe(0);
        expect(receiver.figures.retries).toBe(0);
        console.log(`two refreshers: ${JSON.stringify({ events, ...receiver.figures })}`);
    }, 600_000);
});
