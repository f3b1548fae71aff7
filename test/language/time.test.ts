import type { KeyValue } from '../../compiler/keys.js';
import { describe, expect, test } from 'vitest';
import { addOffset, clockAsOf } from '../../compiler/time.js';
import { run } from '../support/harness.js';
import { TABLES, withSegments, dynamic } from '../support/shop.js';

// §4.1 Time: today and now, arithmetic with month clamping, windows at their boundaries,
// dates against datetimes, and every stored datetime form.
const AS_OF = '2027-02-14';

/** One customer per birthday / signup, keyed 1..n. */
function people(birthdays: readonly (string | null)[], signups: readonly (string | null)[] = []): string {
    const n = Math.max(birthdays.length, signups.length);
    const rows: string[] = [];
    for (let i = 0; i < n; i++) {
        const b = birthdays[i] ?? null;
        const s = signups[i] ?? null;
        rows.push(`(${i + 1}, 'p${i + 1}', 1, 0, ${b === null ? 'NULL' : `'${b}'`}, ${s === null ? 'NULL' : `'${s}'`})`);
    }
    return `${TABLES}insert into customers values ${rows.join(', ')};`;
}

async function members(condition: string, setup: string, asOf = AS_OF): Promise<readonly KeyValue[]> {
    const keys = await run(withSegments(dynamic(condition)), setup, asOf);
    return keys('S');
}

describe('arithmetic', () => {
    test.each([
        ['2026-03-31', { sign: -1, amount: 1, unit: 'month' }, '2026-02-28'],
        ['2024-03-31', { sign: -1, amount: 1, unit: 'month' }, '2024-02-29'],
        ['2024-02-29', { sign: 1, amount: 1, unit: 'year' }, '2025-02-28'],
        ['2027-01-31', { sign: 1, amount: 1, unit: 'month' }, '2027-02-28'],
        ['2027-02-14', { sign: -1, amount: 3, unit: 'week' }, '2027-01-24'],
        ['2027-01-01', { sign: -1, amount: 1, unit: 'day' }, '2026-12-31'],
        ['2026-12-31', { sign: 1, amount: 13, unit: 'month' }, '2028-01-31']
    ] as const)('%s %o is %s', (date, offset, expected) => {
        expect(addOffset(date, false, offset)).toBe(expected);
    });

    test('hours and minutes move datetimes across midnight', () => {
        expect(addOffset('2027-02-14 23:30:00', true, { sign: 1, amount: 2, unit: 'hour' })).toBe('2027-02-15 01:30:00');
        expect(addOffset('2027-03-01 00:10:00', true, { sign: -1, amount: 20, unit: 'minute' })).toBe('2027-02-28 23:50:00');
    });

    test('as of a date, today is that date and now is its last second; as of a datetime, today is its date', () => {
        expect(clockAsOf('2027-02-14')).toEqual({ today: '2027-02-14', now: '2027-02-14 23:59:59' });
        expect(clockAsOf('2027-02-14T09:30:00')).toEqual({ today: '2027-02-14', now: '2027-02-14 09:30:00' });
    });

    test('month clamping inside a segment: 2026-03-31 - 1 month is 2026-02-28', async () => {
        const setup = people(['2026-02-27', '2026-02-28', '2026-03-01']);
        expect(await members('Birthday = 2026-03-31 - 1 month', setup)).toEqual([2]);
        expect(await members('Birthday >= 2026-03-31 - 1 month', setup)).toEqual([2, 3]);
    });
});

describe('windows on dates include both ends', () => {
    const setup = people(['2027-01-14', '2027-01-15', '2027-02-14', '2027-02-15', '2027-03-14', '2027-03-15', null]);

    test('in last 1 month: today - 1 month <= X <= today', async () => {
        expect(await members('Birthday in last 1 month', setup)).toEqual([1, 2, 3]);
    });

    test('in next 1 month: today <= X <= today + 1 month', async () => {
        expect(await members('Birthday in next 1 month', setup)).toEqual([3, 4, 5]);
    });

    test('in last 31 days', async () => {
        expect(await members('Birthday in last 31 days', setup)).toEqual([1, 2, 3]);
    });

    test('before and after are strict; between is inclusive', async () => {
        expect(await members('Birthday before today', setup)).toEqual([1, 2]);
        expect(await members('Birthday after today', setup)).toEqual([4, 5, 6]);
        expect(await members('Birthday between 2027-01-15 and 2027-02-15', setup)).toEqual([2, 3, 4]);
        expect(await members('Birthday = today', setup)).toEqual([3]);
    });

    test('a missing date is in no window, and not (in a window) includes it', async () => {
        expect(await members('not Birthday in last 1 month', setup)).toEqual([4, 5, 6, 7]);
    });
});

describe('windows on datetimes use now', () => {
    const setup = people([], [
        '2027-02-13 23:59:58', '2027-02-13 23:59:59', '2027-02-14 23:59:59', '2027-02-15 00:00:00',
        '2027-02-14T12:00:00', '2027-02-14T12:00:00Z', '2027-02-14 12:00:00Z'
    ]);

    test('in last 1 day: now - 1 day <= X <= now, as of a date (now is 23:59:59)', async () => {
        expect(await members('SignedUpAt in last 1 day', setup)).toEqual([2, 3, 5, 6, 7]);
    });

    test('in last 2 hours as of a datetime', async () => {
        expect(await members('SignedUpAt in last 2 hours', setup, '2027-02-14T13:00:00')).toEqual([5, 6, 7]);
        expect(await members('SignedUpAt in next 2 hours', setup, '2027-02-14T12:00:00')).toEqual([5, 6, 7]);
    });

    test('every stored form (space, T, trailing Z) compares with datetimes and dates', async () => {
        expect(await members('SignedUpAt = 2027-02-14T12:00:00', setup)).toEqual([5, 6, 7]);
        expect(await members('SignedUpAt after now - 12 hours', setup)).toEqual([3, 4, 5, 6, 7]);
        expect(await members('SignedUpAt after now - 11 hours', setup)).toEqual([3, 4]);
    });

    test('a datetime compared with a date compares its calendar date', async () => {
        expect(await members('SignedUpAt = 2027-02-14', setup)).toEqual([3, 5, 6, 7]);
        expect(await members('SignedUpAt = today', setup)).toEqual([3, 5, 6, 7]);
        expect(await members('SignedUpAt before 2027-02-14', setup)).toEqual([1, 2]);
        expect(await members('SignedUpAt after 2027-02-14', setup)).toEqual([4]);
        expect(await members('SignedUpAt between 2027-02-13 and 2027-02-14', setup)).toEqual([1, 2, 3, 5, 6, 7]);
    });

    test('between a date and a datetime: each bound in its own domain', async () => {
        const seen = people([], ['2027-02-11 10:00:00', '2027-02-10 23:59:59', '2027-02-10 00:00:00', '2027-02-09 23:59:59']);
        expect(await members('SignedUpAt between 2027-02-10 and 2027-02-11T09:00:00', seen)).toEqual([2, 3]);
        expect(await members('SignedUpAt between 2027-02-10T12:00:00 and 2027-02-11', seen)).toEqual([1, 2]);
    });

    test('in with dates and datetimes: each value in its own domain', async () => {
        const seen = people([], ['2027-02-11 10:00:00', '2027-02-10 23:59:59']);
        expect(await members('SignedUpAt in (2027-02-10, 2027-02-11T09:00:00)', seen)).toEqual([2]);
        expect(await members('SignedUpAt in (2027-02-11T10:00:00, 2027-02-10)', seen)).toEqual([1, 2]);
        expect(await members('SignedUpAt not in (2027-02-11T10:00:00, 2027-02-09)', seen)).toEqual([2]);
    });

    test('a date compared with now compares calendar dates', async () => {
        const dates = people(['2027-02-13', '2027-02-14', '2027-02-15']);
        expect(await members('Birthday = now', dates, '2027-02-14T09:00:00')).toEqual([2]);
    });
});
