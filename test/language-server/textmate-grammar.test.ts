import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { keywords } from '../../grammar/keywords.js';
import { ROOT } from './lsp-process.js';

/** The TextMate grammar the extension highlights with before semantic tokens arrive (generated from the grammar by `npm run langium:generate`). */
interface Grammar {
    readonly patterns: readonly { readonly name?: string; readonly match?: string; readonly begin?: string; readonly end?: string; readonly include?: string }[];
}

const grammar = JSON.parse(readFileSync(join(ROOT, 'extension/syntaxes/segment.tmLanguage.json'), 'utf8')) as Grammar;
const keywordPattern = grammar.patterns.find(p => p.name === 'keyword.control.segment')?.match ?? '';

/** The words of `line` the keyword pattern colours (its expression reads the same in JavaScript as in Oniguruma). */
function keywordsIn(line: string): string[] {
    return [...line.replace(/"(\\.|[^"\\])*"/g, m => ' '.repeat(m.length)).matchAll(new RegExp(keywordPattern, 'g'))].map(m => m[0]);
}

describe('the TextMate grammar', () => {
    test('colours every keyword of the language as a keyword, version 2 ones included, and nothing else', () => {
        const words = keywordPattern.replace(/^\\b\(|\)\\b$/g, '').split('|');
        expect([...words].sort()).toEqual([...keywords()].sort());
    });

    test('version 2 lines: keywords coloured, `%` and numbers left plain, words inside names untouched', () => {
        expect(keywordsIn('entity Purchase from purchases key PurchaseId time PurchasedAt {')).toEqual(['entity', 'from', 'key', 'time']);
        expect(keywordsIn('measure Customer.LifetimeValue "Total spent" = sum(Purchase.Amount)')).toEqual(['measure', 'sum']);
        expect(keywordsIn('  sequence Abandoned via Purchase.CustomerId {')).toEqual(['sequence', 'via']);
        expect(keywordsIn('    then no Purchase where Product.Category = "Security" within 2 days')).toEqual(['then', 'no', 'where', 'within', 'days']);
        expect(keywordsIn('  top 10% by Customer.LifetimeValue desc')).toEqual(['top', 'by', 'desc']);
        expect(keywordsIn('  sample 12.5% seed "valentines-2027"')).toEqual(['sample', 'seed']);
        expect(keywordsIn('destination CallCenter { file "exports/{segment}.csv" }')).toEqual(['destination', 'file']);
        expect(keywordsIn('  activate CallCenter, Crm')).toEqual(['activate']);
        expect(keywordsIn('  group { Product not in segment BestSellers and Purchase.Amount > Product.ListPrice }')).toEqual(['group', 'not', 'in', 'segment', 'and']);
        expect(keywordsIn('  Timeline Tops Noon Seeded Bystander')).toEqual([]);
    });

    test('strings and comments are their own scopes: a `%` or a keyword in them is no keyword', () => {
        expect(grammar.patterns.map(p => p.include ?? p.name)).toEqual(['#comments', 'keyword.control.segment', 'string.quoted.double.segment']);
        expect(keywordsIn('  title "Top 10% by value"')).toEqual(['title']);
    });
});
