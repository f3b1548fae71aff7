import type { KeyValue } from '../../compiler/keys.js';
import { describe, expect, test } from 'vitest';
import { run } from '../support/harness.js';
import { customers, dynamic, TABLES, withSegments } from '../support/shop.js';

// §4: `contains`, `starts with` and `ends with` ignore ASCII case only. Letters outside ASCII
// match themselves: on DuckDB, whose ILIKE folds them too (and folds the Kelvin sign and `İ`
// onto `k` and `i`), and on PostgreSQL, the same keys as on sql.js.
const PEOPLE = TABLES + customers([
    [1, 'Kelvin', 50, 0, null, null],
    [2, '\u212Aelvin', 50, 0, null, null],
    [3, 'İstanbul', 50, 0, null, null],
    [4, 'istanbul', 50, 0, null, null],
    [5, 'Émile', 50, 0, null, null],
    [6, 'émile', 50, 0, null, null],
    [7, 'STRASSE', 50, 0, null, null],
    [8, 'straße', 50, 0, null, null],
    [9, 'ΣΟΦΙΑ', 50, 0, null, null],
    [10, 'σοφια', 50, 0, null, null],
    [11, '100% ÅNGSTRÖM', 50, 0, null, null]
]);

async function members(condition: string): Promise<readonly KeyValue[]> {
    const keys = await run(withSegments(dynamic(condition)), PEOPLE);
    return keys('S');
}

describe('text matching folds ASCII letters only, on every engine', () => {
    test.each([
        // The Kelvin sign is no K.
        ['Name contains "kelvin"', [1]],
        ['Name starts with "KEL"', [1]],
        ['Name contains "elvin"', [1, 2]],
        // İ is no I, and i no İ.
        ['Name starts with "i"', [4]],
        ['Name starts with "İ"', [3]],
        ['Name ends with "STANBUL"', [3, 4]],
        // É and é match only themselves; their ASCII letters fold.
        ['Name contains "émile"', [6]],
        ['Name starts with "ÉMILE"', [5]],
        ['Name contains "MILE"', [5, 6]],
        // ß is not ss.
        ['Name contains "ss"', [7]],
        ['Name ends with "ße"', [8]],
        // Greek letters do not fold.
        ['Name contains "σοφ"', [10]],
        ['Name contains "ΣΟΦ"', [9]],
        // No ASCII letter in the text: nothing to fold.
        ['Name starts with "100%"', [11]],
        ['Name contains "Å"', [11]],
        ['Name contains "å"', []],
        ['Name contains "% ångström"', []],
        ['Name contains "% ÅngstrÖm"', [11]]
    ])('%s', async (condition, expected) => {
        expect(await members(condition)).toEqual(expected);
    });
});
