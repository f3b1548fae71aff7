import { AstUtils, GrammarAST } from 'langium';
import { SegmentLanguageGrammar } from './generated/grammar.js';

let words: ReadonlySet<string> | undefined;

/**
 * The keywords of the language (reference, section 1), version 2's included: the word keywords
 * of the grammar's `Name` rule, which lists every one of them so that each is reserved
 * everywhere else and a plain name where no keyword can stand (a table after `from`, a column
 * after `column`, an attribute in its declaration, after `key` and after `Entity.`).
 */
export function keywords(): ReadonlySet<string> {
    if (!words) {
        const rule = SegmentLanguageGrammar().rules.find(r => r.name === 'Name');
        words = new Set(rule ? AstUtils.streamAllContents(rule).filter(GrammarAST.isKeyword).map(k => k.value).toArray() : []);
    }
    return words;
}

/** Whether `name` is a keyword, so it cannot name an entity, a segment, a group or a bare attribute. */
export function isKeyword(name: string): boolean {
    return keywords().has(name);
}
