import type { KeyValue } from '../../compiler/keys.js';
import { describe, expect, test } from 'vitest';
import { run } from '../support/harness.js';
import { customers, dynamic, TABLES, withSegments } from '../support/shop.js';

// §4 Conditions: comparisons, logic and two-valued logic for missing values.
const PEOPLE = TABLES + customers([
    [1, 'Ann', 50, 0, '1990-02-14', '2026-01-01 10:00:00'],
    [2, 'Bob', 70, 1, null, null],
    [3, null, null, null, '1985-12-31', '2026-06-30T23:59:59Z'],
    [4, '', 60, 0, '2000-01-01', '2026-07-01T00:00:00'],
    [5, 'annabel LEE', 59, 1, '1999-03-01', '2026-07-01 00:00:00Z']
]);

async function members(condition: string): Promise<readonly KeyValue[]> {
    const keys = await run(withSegments(dynamic(condition)), PEOPLE);
    return keys('S');
}

describe('comparisons', () => {
    test.each([
        ['Satisfaction = 60', [4]],
        ['Satisfaction != 60', [1, 2, 5]],
        ['Satisfaction < 60', [1, 5]],
        ['Satisfaction <= 60', [1, 4, 5]],
        ['Satisfaction > 60', [2]],
        ['Satisfaction >= 60', [2, 4]],
        ['Satisfaction between 50 and 60', [1, 4, 5]],
        ['Satisfaction in (50, 70)', [1, 2]],
        ['Satisfaction not in (50, 70)', [4, 5]],
        ['Name = "Ann"', [1]],
        ['Name in ("Ann", "ann")', [1]],
        ['DoNotCall = true', [2, 5]],
        ['DoNotCall = false', [1, 4]],
        ['DoNotCall != true', [1, 4]]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });
});

describe('text matching ignores ASCII case; = and in are exact', () => {
    test.each([
        ['Name contains "ann"', [1, 5]],
        ['Name starts with "AN"', [1, 5]],
        ['Name ends with "lee"', [5]],
        ['Name = "ann"', []],
        ['Name contains "%"', []],
        ['Name contains "_"', []]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });
});

describe('is empty: a missing value, or "" for text', () => {
    test.each([
        ['Name is empty', [3, 4]],
        ['Name is not empty', [1, 2, 5]],
        ['Satisfaction is empty', [3]],
        ['Birthday is not empty', [1, 3, 4, 5]]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });
});

describe('two-valued logic: a comparison with a missing value is false, and not C is true exactly when C is false', () => {
    test.each([
        ['Satisfaction != 50', [2, 4, 5]],
        ['not (Satisfaction < 60)', [2, 3, 4]],
        ['not Satisfaction = 50', [2, 3, 4, 5]],
        ['not (Satisfaction < 60 or Name = "Bob")', [3, 4]],
        ['not not Satisfaction < 60', [1, 5]],
        ['not Name contains "ann"', [2, 3, 4]],
        ['not Satisfaction in (50, 70)', [3, 4, 5]],
        ['Satisfaction not in (50, 70)', [4, 5]],
        ['not Satisfaction between 55 and 65', [1, 2, 3]]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });
});

describe('precedence: not, then and, then or; parentheses group', () => {
    test.each([
        ['Satisfaction = 50 or Satisfaction = 70 and DoNotCall = false', [1]],
        ['(Satisfaction = 50 or Satisfaction = 70) and DoNotCall = true', [2]],
        ['not DoNotCall = true and Satisfaction < 60', [1]],
        ['Name = "Bob" or\n    Name = "Ann"', [1, 2]]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });
});

test('string values never reach SQL unescaped, and the data is intact afterwards', async () => {
    const setup = TABLES + customers([[1, "O'Brien", 1, 0, null, null], [2, "'; drop table customers; --", 2, 0, null, null], [3, 'x', 3, 0, null, null]]);
    const files = withSegments(
        dynamic('Name = "O\'Brien"', 'Quote') +
        dynamic('Name = "\'; drop table customers; --"', 'Drop') +
        dynamic('Name contains "\'"', 'Any') +
        dynamic('Name is not empty', 'All'));
    const keys = await run(files, setup);
    expect(await keys('Quote')).toEqual([1]);
    expect(await keys('Drop')).toEqual([2]);
    expect(await keys('Any')).toEqual([1, 2]);
    expect(await keys('All')).toEqual([1, 2, 3]);
});

test('string escapes \\" \\\\ and \\n in literals', async () => {
    const setup = TABLES + `insert into customers values (1, 'say "hi"', 1, 0, null, null), (2, 'back\\slash', 1, 0, null, null), (3, 'two' || char(10) || 'lines', 1, 0, null, null);`;
    const keys = await run(withSegments(
        dynamic('Name = "say \\"hi\\""', 'Quote') + dynamic('Name = "back\\\\slash"', 'Slash') + dynamic('Name = "two\\nlines"', 'Lines')), setup);
    expect(await keys('Quote')).toEqual([1]);
    expect(await keys('Slash')).toEqual([2]);
    expect(await keys('Lines')).toEqual([3]);
});
