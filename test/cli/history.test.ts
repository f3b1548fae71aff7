import { join } from 'node:path';
import Papa from 'papaparse';
import { beforeAll, describe, expect, test } from 'vitest';
import { simulateDay } from '../../samples/retail/simulate-day.js';
import { AS_OF, difference, refreshJson, requireBuild, runKeys, sampleCopy, segments } from './refresh-support.js';

beforeAll(requireBuild);

interface RunJson { run: number; recordedAt: string; asOf: string; count: number; entered: number | null; left: number | null; enteredKeys?: number[]; leftKeys?: number[] }

describe('segments history on a copy of the retail sample refreshed twice, a simulated day apart', () => {
    const dir = sampleCopy();
    let before: Map<string, number[]>;
    let after: Map<string, number[]>;

    beforeAll(async () => {
        before = runKeys(dir);
        refreshJson(dir);
        await simulateDay(join(dir, 'retail.sqlite'));
        after = runKeys(dir);
        refreshJson(dir);
        refreshJson(dir); // nothing changed: records nothing
    }, 120_000);

    test('--format json: one object per recorded refresh, oldest first, with the count and how many entered and left', () => {
        const r = segments(['history', '.', '--segment', 'LapsedBuyers', '--format', 'json'], dir);
        expect(r.code).toBe(0);
        const runs = JSON.parse(r.stdout) as RunJson[];
        expect(runs.map(x => [x.asOf, x.count, x.entered, x.left])).toEqual([
            [`${AS_OF} 23:59:59`, before.get('LapsedBuyers')!.length, null, null],
            [`${AS_OF} 23:59:59`, after.get('LapsedBuyers')!.length,
                difference(after.get('LapsedBuyers')!, before.get('LapsedBuyers')!).length, difference(before.get('LapsedBuyers')!, after.get('LapsedBuyers')!).length]
        ]);
        expect(runs[0].run).toBeLessThan(runs[1].run);
        expect(runs[1].recordedAt >= runs[0].recordedAt).toBe(true);
    });

    test('--changes lists the keys that entered and left at each refresh', () => {
        for (const segment of ['LapsedBuyers', 'DiscountBuyers', 'NeverPurchased']) {
            const r = segments(['history', '.', '--segment', segment, '--changes', '--format', 'json'], dir);
            const runs = JSON.parse(r.stdout) as RunJson[];
            expect(runs[1].enteredKeys, segment).toEqual(difference(after.get(segment)!, before.get(segment)!));
            expect(runs[1].leftKeys, segment).toEqual(difference(before.get(segment)!, after.get(segment)!));
            expect(runs[0].enteredKeys, segment).toEqual([]);
        }
    });

    test('a segment the day did not touch has one run; the table format shows it as the first', () => {
        const r = segments(['history', '.', '--segment', 'HighBalance'], dir);
        expect(r.code).toBe(0);
        const lines = r.stdout.trimEnd().split('\n');
        expect(lines[0]).toMatch(/^run +recorded at \(UTC\) +as of +count +entered +left$/);
        expect(lines.slice(2)).toHaveLength(1);
        expect(lines[2]).toMatch(new RegExp(`^\\d+ +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +${AS_OF} 23:59:59 +${before.get('HighBalance')!.length} +first$`));
    });

    test('--format csv: a header, then a row per refresh', () => {
        const r = segments(['history', '.', '--segment', 'DiscountBuyers', '--format', 'csv'], dir);
        const rows = Papa.parse<string[]>(r.stdout.trim()).data;
        expect(rows[0]).toEqual(['run', 'recorded_at', 'as_of', 'count', 'entered', 'left']);
        expect(rows.slice(1).map(row => Number(row[3]))).toEqual([before.get('DiscountBuyers')!.length, after.get('DiscountBuyers')!.length]);
    });

    test('--members-at gives the membership just after a recorded refresh, by its number or by an instant', () => {
        const runs = JSON.parse(segments(['history', '.', '--segment', 'LapsedBuyers', '--format', 'json'], dir).stdout) as RunJson[];
        const at = (which: string): number[] => (JSON.parse(segments(['history', '.', '--segment', 'LapsedBuyers', '--members-at', which, '--format', 'json'], dir).stdout) as { keys: number[] }).keys;
        expect(at(String(runs[0].run))).toEqual(before.get('LapsedBuyers'));
        expect(at(String(runs[1].run))).toEqual(after.get('LapsedBuyers'));
        expect(at(runs[1].recordedAt.replace(' ', 'T'))).toEqual(after.get('LapsedBuyers'));
        const csv = segments(['history', '.', '--segment', 'LapsedBuyers', '--members-at', String(runs[0].run), '--format', 'csv'], dir);
        expect(csv.stdout.trim().split(/\r?\n/)).toEqual(['key', ...before.get('LapsedBuyers')!.map(String)]);
    });

    test('mistakes are one line on stderr and exit 2: an unknown segment, a run that was not recorded, an instant before the first refresh', () => {
        const unknown = segments(['history', '.', '--segment', 'NoSuchSegment'], dir);
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toMatch(/^segments: no segment named NoSuchSegment \(segments: .*LapsedBuyers.*\)\n$/);
        const run = segments(['history', '.', '--segment', 'LapsedBuyers', '--members-at', '99999'], dir);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/^segments: --members-at 99999: no refresh numbered 99999 \(runs: \d+, \d+\)\n$/);
        const early = segments(['history', '.', '--segment', 'LapsedBuyers', '--members-at', '2020-01-01'], dir);
        expect(early.code).toBe(2);
        expect(early.stderr).toMatch(/^segments: --members-at 2020-01-01: the first refresh was recorded at .* \(UTC\), after it\n$/);
    });

    test('before any refresh: no history yet, and how to make one', () => {
        const fresh = sampleCopy();
        const r = segments(['history', '.', '--segment', 'HighBalance'], fresh);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^segments: no history yet at .*retail\.history\.sqlite: run `segments refresh \.` first\n$/);
    });
});
