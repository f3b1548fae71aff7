import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { beforeAll, describe, expect, test } from 'vitest';
import { HistoryStore } from '../../history/history-store.js';
import { simulateDay } from '../../samples/retail/simulate-day.js';
import { AS_OF, difference, refreshJson, requireBuild, runKeys, sampleCopy, segments, spawnSegments, waitFor } from './refresh-support.js';

beforeAll(requireBuild);

/** The history store's runs of each segment. */
async function recordedRuns(dir: string): Promise<Map<string, number>> {
    const store = await HistoryStore.open(join(dir, 'retail.history.sqlite'));
    try {
        const names = segments(['run', '.', '--as-of', AS_OF, '--format', 'json', '--limit', '0'], dir);
        return new Map((JSON.parse(names.stdout) as { name: string }[]).map(s => [s.name, store.runs(s.name).length]));
    } finally {
        store.close();
    }
}

/** The file destinations of the sample: segment → file (reference section 7: `{segment}` is its name). */
const FILES: Record<string, string> = {
    HighBalanceFollowUp: 'exports/call-center/HighBalanceFollowUp.jsonl',
    TopSpenders: 'exports/TopSpenders.csv',
    ValentinesControl: 'exports/ValentinesControl.csv',
    ValentinesTreatment: 'exports/ValentinesTreatment.csv'
};

/** The keys a destination file holds, in file order (the first column of a CSV, `CustomerId` of a JSON line). */
function fileKeys(dir: string, file: string): number[] {
    const text = readFileSync(join(dir, file), 'utf8');
    if (file.endsWith('.csv')) {
        const parsed = Papa.parse<string[]>(text.trimEnd(), { delimiter: ',', skipEmptyLines: false });
        expect(parsed.errors).toEqual([]);
        return parsed.data.slice(1).map(row => Number(row[0]));
    }
    expect(text.endsWith('\n')).toBe(true);
    return text.trimEnd().split('\n').map(line => (JSON.parse(line) as { CustomerId: number }).CustomerId);
}

describe('segments refresh on a copy of the retail sample', () => {
    const dir = sampleCopy();
    let before: Map<string, number[]>;

    test('the first refresh evaluates and records every segment, every member entered, and writes the file destinations', async () => {
        before = runKeys(dir);
        const { code, result } = refreshJson(dir);
        expect(code).toBe(0);
        expect(result.segments.map(s => s.name)).toEqual([...before.keys()]);
        for (const s of result.segments) {
            expect(s.status, s.name).toBe('refreshed');
            expect(s.first, s.name).toBe(true);
            expect([s.count, s.entered, s.left], s.name).toEqual([before.get(s.name)!.length, before.get(s.name)!.length, 0]);
        }
        expect([...(await recordedRuns(dir)).values()].every(n => n === 1)).toBe(true);
        const sent = result.segments.flatMap(s => s.destinations.filter(d => d.status === 'sent').map(d => [s.name, d.path]));
        expect(sent).toEqual(Object.entries(FILES));
    });

    test('the CSV and JSON Lines files hold exactly the members, key then show columns, as `segments run --format csv` prints them', () => {
        for (const [segment, file] of Object.entries(FILES)) {
            expect(fileKeys(dir, file), segment).toEqual(before.get(segment));
        }
        const csv = segments(['run', '.', '--segment', 'TopSpenders', '--as-of', AS_OF, '--format', 'csv'], dir);
        expect(csv.code).toBe(0);
        expect(readFileSync(join(dir, FILES.TopSpenders), 'utf8')).toBe(csv.stdout);
        const first = JSON.parse(readFileSync(join(dir, FILES.HighBalanceFollowUp), 'utf8').split('\n')[0]) as Record<string, unknown>;
        expect(Object.keys(first)).toEqual(['CustomerId']);
        expect(readdirSync(join(dir, 'exports')).filter(n => n.endsWith('.tmp'))).toEqual([]);
    });

    test('a second refresh with nothing changed prints "unchanged" for every segment and records nothing', async () => {
        const mtime = statSync(join(dir, FILES.TopSpenders)).mtimeMs;
        const r = segments(['refresh', '.', '--as-of', AS_OF], dir);
        expect(r.code).toBe(0);
        const lines = r.stdout.trimEnd().split('\n');
        expect(lines).toHaveLength(before.size);
        // NeverPurchased sends to the webhook CrmEvents (activation.segment), and its line says where that stands: no receiver runs here.
        for (const line of lines) expect(line).toMatch(line.startsWith('NeverPurchased ') ? /^NeverPurchased +unchanged {2}CrmEvents (failing since .* connection refused|delivered up to run \d+$)/ : /^\w+ +unchanged$/);
        expect([...(await recordedRuns(dir)).values()].every(n => n === 1)).toBe(true);
        expect(statSync(join(dir, FILES.TopSpenders)).mtimeMs).toBe(mtime);
    });

    test('after a simulated day only the segments reading purchases or interactions run, and each one\'s entered and left are the difference of `segments run` before and after', async () => {
        await simulateDay(join(dir, 'retail.sqlite'));
        const after = runKeys(dir);
        const { code, result } = refreshJson(dir);
        expect(code).toBe(0);
        // DoNotCall, HighBalance and HighBalanceFollowUp read only customers, which a simulated day leaves as they are.
        expect(result.segments.filter(s => s.status === 'unchanged').map(s => s.name)).toEqual(['DoNotCall', 'HighBalance', 'HighBalanceFollowUp']);
        for (const name of ['DoNotCall', 'HighBalance', 'HighBalanceFollowUp']) expect(after.get(name), name).toEqual(before.get(name));
        const refreshed = result.segments.filter(s => s.status === 'refreshed');
        expect(refreshed).toHaveLength(before.size - 3);
        for (const s of refreshed) {
            expect(s.first, s.name).toBeUndefined();
            expect([s.count, s.entered, s.left], s.name).toEqual([
                after.get(s.name)!.length, difference(after.get(s.name)!, before.get(s.name)!).length, difference(before.get(s.name)!, after.get(s.name)!).length
            ]);
        }
        // The day changed some memberships (not a refresh that found nothing to do).
        expect(refreshed.some(s => s.entered! + s.left! > 0)).toBe(true);
        const runs = await recordedRuns(dir);
        for (const s of result.segments) expect(runs.get(s.name), s.name).toBe(s.status === 'refreshed' ? 2 : 1);
        for (const [segment, file] of Object.entries(FILES)) expect(fileKeys(dir, file), segment).toEqual(after.get(segment));
        before = after;
    });

    test('editing one segment\'s definition re-runs that segment only; its run is compared with no run of the old definition', () => {
        const file = join(dir, 'security.segment');
        writeFileSync(file, readFileSync(file, 'utf8').replace('CustomerSatisfaction < 60', 'CustomerSatisfaction < 40'));
        const { result } = refreshJson(dir);
        expect(result.segments.filter(s => s.status !== 'unchanged').map(s => [s.name, s.status])).toEqual([['SecurityLowSatisfaction', 'refreshed']]);
        const now = runKeys(dir).get('SecurityLowSatisfaction')!;
        const s = result.segments.find(x => x.name === 'SecurityLowSatisfaction')!;
        expect(now.length).toBeLessThan(before.get('SecurityLowSatisfaction')!.length);
        // Members who fail the new condition did not leave: the segment means something else now (issue 11, item 4).
        expect([s.count, s.entered, s.left, s.first, s.newSeries]).toEqual([now.length, now.length, 0, true, true]);
    });

    test('a destination file deleted by hand is written again at the next refresh, its segment re-run', () => {
        rmSync(join(dir, FILES.ValentinesControl));
        const { result } = refreshJson(dir);
        expect(result.segments.filter(s => s.status !== 'unchanged').map(s => s.name)).toEqual(['ValentinesControl']);
        expect(fileKeys(dir, FILES.ValentinesControl)).toEqual(before.get('ValentinesControl'));
    });
});

describe('segments refresh: destinations and errors', () => {
    test('a file destination whose folder is a symbolic link out of the workspace is refused with a sentence, nothing is written outside, exit 1', () => {
        const dir = sampleCopy();
        const outside = mkdtempSync(join(tmpdir(), 'segments-outside-'));
        mkdirSync(join(dir, 'exports'));
        symlinkSync(outside, join(dir, 'exports', 'call-center'));
        const { code, result } = refreshJson(dir);
        expect(code).toBe(1);
        const d = result.segments.find(s => s.name === 'HighBalanceFollowUp')!.destinations[0];
        expect(d.status).toBe('failed');
        expect(d.reason).toMatch(/leads outside the workspace folder .* \(through a symbolic link, to .*\): members are written only inside it/);
        expect(readdirSync(outside)).toEqual([]);
        expect(lstatSync(join(dir, 'exports', 'call-center')).isSymbolicLink()).toBe(true);
        // The other destinations were written; the failed one is tried again at the next refresh.
        expect(fileKeys(dir, FILES.TopSpenders).length).toBe(100);
        const again = refreshJson(dir);
        expect(again.result.segments.filter(s => s.status === 'refreshed').map(s => s.name)).toEqual(['HighBalanceFollowUp']);
    });

    test('a webhook without a receiver is failing, not a failed refresh; a table destination is written; an inactive segment is not refreshed', () => {
        const dir = sampleCopy();
        writeFileSync(join(dir, 'activation.segment'), `${readFileSync(join(dir, 'activation.segment'), 'utf8')}
destination Desk { webhook "http://127.0.0.1:9/segments" }
destination Warehouse { table "segment_members" }
`);
        const contact = join(dir, 'contact.segment');
        writeFileSync(contact, readFileSync(contact, 'utf8').replace('activate CallCenter', 'activate CallCenter, Desk, Warehouse')
            .replace('title "Do not call"', 'title "Do not call"\n  status inactive'));
        const r = segments(['refresh', 'contact.segment', '--as-of', AS_OF], dir);
        expect(r.code).toBe(0);
        // Only the segments of the file named; an inactive one is not refreshed (reference, 3), though a compound segment still reads it.
        expect(r.stdout.split('\n').filter(Boolean).map(l => l.replace(/ {2,}.*$/, ''))).toEqual(['DoNotCall', 'HighBalance', 'HighBalanceFollowUp']);
        expect(r.stdout).toMatch(/^DoNotCall +inactive, not refreshed$/m);
        expect(r.stdout).toMatch(/^HighBalanceFollowUp +169 /m);
        const line = r.stdout.split('\n').find(l => l.startsWith('HighBalanceFollowUp'))!;
        expect(line).toContain('sent CallCenter (exports/call-center/HighBalanceFollowUp.jsonl)');
        expect(line).toMatch(/ {2}Desk failing since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(1 attempt, next try at \d\d:\d\d:\d\d\): connection refused \(ECONNREFUSED\): is the receiver running\? \(http:\/\/127\.0\.0\.1:9\/segments\); 1 batch of run \d+ waiting, nothing delivered yet/);
        expect(line).toMatch(/sent Warehouse \(table segment_members in the history store .*retail\.history\.sqlite\)/);
    });

    test('a segment with errors is reported (exit 1) and the others still refresh; a database that is not SQLite is exit 2', () => {
        const dir = sampleCopy();
        writeFileSync(join(dir, 'broken.segment'), 'dynamic segment Broken {\n  audience Customer\n  group { Customer.NoSuchAttribute > 1 }\n}\n');
        const r = segments(['refresh', '.', '--as-of', AS_OF], dir);
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(/^Broken +has errors, not refreshed \(on stderr\)$/m);
        expect(r.stderr).toContain('Broken has errors and was not refreshed:');
        expect(r.stdout).toMatch(/^HighBalance +173 +\+173 -0 \(first refresh\)$/m);
        writeFileSync(join(dir, 'retail.sqlite'), 'not a database at all, just text that is long enough to be read as a header'.repeat(10));
        const bad = segments(['refresh', '.', '--as-of', AS_OF], dir);
        expect(bad.code).toBe(2);
        expect(bad.stderr.trim().split('\n')).toHaveLength(1);
        expect(bad.stderr).toMatch(/^segments: .*retail\.sqlite/);
    });
});

describe('two refreshers at once', () => {
    test('two refreshes of one workspace at the same moment record each change once, and the files are the members', async () => {
        const dir = sampleCopy();
        refreshJson(dir);
        await simulateDay(join(dir, 'retail.sqlite'));
        const a = spawnSegments(['refresh', '.', '--as-of', AS_OF], dir);
        const b = spawnSegments(['refresh', '.', '--as-of', AS_OF], dir);
        expect([await a.exit, await b.exit]).toEqual([0, 0]);
        const runs = await recordedRuns(dir);
        // The customers-only segments did not change; every other one was recorded once more, not twice.
        expect([...runs].filter(([, n]) => n !== 2).map(([name, n]) => [name, n])).toEqual([['DoNotCall', 1], ['HighBalance', 1], ['HighBalanceFollowUp', 1]]);
        const members = runKeys(dir);
        for (const [segment, file] of Object.entries(FILES)) expect(fileKeys(dir, file), segment).toEqual(members.get(segment));
    }, 150_000);
});

describe('segments refresh --watch and signals', () => {
    test('--watch refreshes when the database changes and stops cleanly on SIGTERM', async () => {
        const dir = sampleCopy();
        const watch = spawnSegments(['refresh', '.', '--as-of', AS_OF, '--watch'], dir);
        try {
            await waitFor(() => (watch.output().match(/^\w+ +\d+ +\+\d+ -\d+/gm) ?? []).length === 22, 60_000, 'the first refresh');
            await simulateDay(join(dir, 'retail.sqlite'));
            await waitFor(() => watch.output().includes('(the database changed)') && /ValentinesEarly.*\n.*ValentinesLastMinute.*\n?$/.test(watch.output().split('(the database changed)')[1] ?? ''), 60_000, 'the refresh after the change');
            const second = watch.output().split('(the database changed)')[1];
            expect(second).toMatch(/^HighBalance +unchanged$/m);
            expect(second).toMatch(/^LapsedBuyers +\d+ +\+\d+ -\d+$/m);
        } finally {
            watch.child.kill('SIGTERM');
        }
        expect(await watch.exit).toBe(0);
        expect(watch.errors()).toContain('segments: stopped');
    }, 150_000);

    test('--every 1s refreshes on a schedule (the second run finds nothing changed) and stops on SIGINT', async () => {
        const dir = sampleCopy();
        const every = spawnSegments(['refresh', '.', '--as-of', AS_OF, '--every', '1s'], dir);
        try {
            await waitFor(() => /\(scheduled\)\n(\w+ +unchanged( {2}CrmEvents .*)?\n){22}/.test(every.output()), 90_000, 'a scheduled refresh');
        } finally {
            every.child.kill('SIGINT');
        }
        expect(await every.exit).toBe(0);
        expect(every.output().split('\n')[0]).toMatch(/^-- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(start\)$/);
        expect(every.errors()).toMatch(/^segments: watching every 1 s; Ctrl\+C to stop\nsegments: stopped\n$/);
        expect(segments(['refresh', '.', '--every', '0.5s'], dir).stderr).toContain("option '--every <duration>' argument '0.5s' is invalid. expected a duration of a second or more");
    }, 150_000);

    test('SIGTERM in the middle of a refresh lets it complete: every destination file and the history are whole and agree', async () => {
        const dir = sampleCopy();
        refreshJson(dir);
        await simulateDay(join(dir, 'retail.sqlite'));
        const old = statSync(join(dir, FILES.TopSpenders)).mtimeMs;
        const run = spawnSegments(['refresh', '.', '--as-of', AS_OF], dir);
        // Stopped once the run is writing: its first destination file has just been replaced.
        await waitFor(() => statSync(join(dir, FILES.TopSpenders)).mtimeMs !== old, 60_000, 'the first destination to be written');
        run.child.kill('SIGTERM');
        expect(await run.exit).toBe(0);
        expect(run.output()).toMatch(/^ValentinesLastMinute /m);
        const members = runKeys(dir);
        for (const [segment, file] of Object.entries(FILES)) expect(fileKeys(dir, file), segment).toEqual(members.get(segment));
        const store = await HistoryStore.open(join(dir, 'retail.history.sqlite'));
        try {
            for (const segment of Object.keys(FILES)) {
                const runs = store.runs(segment);
                expect(store.membersAfter(segment, runs[runs.length - 1].id), segment).toEqual(members.get(segment));
            }
            expect(store.runs('LapsedBuyers')).toHaveLength(2);
        } finally {
            store.close();
        }
        expect(readdirSync(dir).filter(n => n.endsWith('.tmp') || n.endsWith('.lock'))).toEqual([]);
    }, 150_000);

    test('SIGKILL at any moment of a refresh leaves each destination file as it was or as the next complete refresh writes it, never part of one', async () => {
        const dir = sampleCopy();
        refreshJson(dir);
        const contents = (): string[] => Object.values(FILES).map(f => readFileSync(join(dir, f), 'utf8'));
        for (const delay of [1500, 3000, 4500]) {
            const earlier = contents();
            await simulateDay(join(dir, 'retail.sqlite'));
            const run = spawnSegments(['refresh', '.', '--as-of', AS_OF], dir);
            await new Promise(r => setTimeout(r, delay));
            run.child.kill('SIGKILL');
            await run.exit;
            const killed = contents();
            refreshJson(dir);
            const later = contents();
            killed.forEach((text, i) => expect([earlier[i], later[i]], Object.keys(FILES)[i]).toContain(text));
        }
    }, 200_000);
});
