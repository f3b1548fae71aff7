import type { IToken, TokenType } from 'chevrotain';
import { AbstractParserErrorMessageProvider } from 'langium';
import { isKeyword, keywords } from '../grammar/keywords.js';
import { closest } from './suggestions.js';

/** Parser errors in words a marketer reads: what was expected, what was found, no token dump. */
export class SegmentParserErrorMessageProvider extends AbstractParserErrorMessageProvider {
    override buildMismatchTokenMessage(options: { expected: TokenType; actual: IToken }): string {
        const reserved = (options.expected.name === 'ID' || options.expected.name === '{') && isKeyword(options.actual.image)
            ? ` \`${options.actual.image}\` is a keyword: entities, segments, groups, sequences and destinations are named with other words.` : '';
        return `Expected ${describe(options.expected)} here, but found ${found(options.actual)}.${misspelt(options.actual)}${reserved}`;
    }

    override buildNotAllInputParsedMessage(options: { firstRedundant: IToken }): string {
        const image = options.firstRedundant.image;
        const hint = image === '}' ? ' There may be one `}` too many.' : ' A file holds `database`, `entity` and `segment` declarations.';
        return `Unexpected ${found(options.firstRedundant)}.${hint}`;
    }

    override buildNoViableAltMessage(options: { expectedPathsPerAlt: TokenType[][][]; actual: IToken[] }): string {
        const firsts = options.expectedPathsPerAlt.flatMap(alt => alt.map(path => path[0])).filter((t): t is TokenType => !!t);
        const expected = oneOf(firsts);
        return `Expected ${expected} here, but found ${found(options.actual[0])}.${misspelt(options.actual[0])}${keywordAsAttribute(expected, options.actual[0])}`;
    }

    override buildEarlyExitMessage(options: { expectedIterationPaths: TokenType[][]; actual: IToken[] }): string {
        const firsts = options.expectedIterationPaths.map(path => path[0]).filter((t): t is TokenType => !!t);
        return `Expected at least ${oneOf(firsts)} here, but found ${found(options.actual[0])}.${misspelt(options.actual[0])}`;
    }
}

const TERMINALS: Readonly<Record<string, string>> = {
    ID: 'a name',
    STRING: 'a text in quotes',
    NUMBER: 'a number',
    DATE: 'a date such as 2027-02-14',
    DATETIME: 'a datetime such as 2027-02-14T09:30:00'
};

const VALUE_WORDS = new Set(['a text in quotes', 'a number', '`-`', '`true`', '`false`', '`today`', '`now`', 'a date such as 2027-02-14', 'a datetime such as 2027-02-14T09:30:00']);

function describe(type: TokenType): string {
    return TERMINALS[type.name] ?? `\`${type.name.replace(/:KW$/, '')}\``;
}

/** A readable list of alternatives; a full set of value tokens reads as "a value". */
function oneOf(types: readonly TokenType[]): string {
    let words = [...new Set(types.map(describe))];
    // Where a name may be a keyword, every keyword is expected: that reads as "a name".
    const names = keywords();
    if (words.includes('a name') && [...names].every(k => words.includes(`\`${k}\``))) {
        words = words.filter(w => !(w.startsWith('`') && names.has(w.slice(1, -1))));
    }
    if (words.filter(w => VALUE_WORDS.has(w)).length >= 5) {
        // After `=`, `<`, `before`, ...: a value, or (version 2) an attribute to compare with.
        const attribute = words.includes('a name') ? ' or an attribute (`Entity.Attribute`)' : '';
        words = [`a value (a text in quotes, a number, a date, \`true\`, \`false\`, \`today\` or \`now\`)${attribute}`, ...words.filter(w => !VALUE_WORDS.has(w) && !(attribute && w === 'a name'))];
    }
    const operators = words.filter(w => /^`(=|!=|<=|>=|<|>)`$/.test(w));
    if (operators.length >= 4) {
        words = ['a comparison (`=`, `!=`, `<`, `>`, `in`, `between`, `contains`, `is empty`, ...)', ...words.filter(w => !/^`(=|!=|<=|>=|<|>|not|in|between|contains|starts|ends|is|before|after)`$/.test(w))];
    }
    if (words.includes('a name') && words.includes('`count`')) {
        words = ['a condition (`Entity.Attribute`, `not`, `(` or an aggregate such as `count(Entity)`)', ...words.filter(w => !/^(a name|`(not|\(|count|sum|avg|min|max)`)$/.test(w))];
    }
    if (words.length === 0) return 'more';
    if (words.length === 1) return words[0];
    const shown = words.slice(0, 6);
    return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

function found(token: IToken | undefined): string {
    if (!token || token.tokenType?.name === 'EOF' || token.image === '') return 'the end of the file';
    const image = token.image.length > 30 ? `${token.image.slice(0, 30)}…` : token.image;
    return `\`${image}\``;
}

/** ` Did you mean \`title\`?` when a name found where a keyword fits is a keyword misspelt. */
function misspelt(token: IToken | undefined): string {
    if (!token || !/^[_a-zA-Z]\w*$/.test(token.image) || isKeyword(token.image)) return '';
    const near = closest(token.image, [...keywords()], 1);
    return near.length > 0 ? ` Did you mean \`${near[0]}\`?` : '';
}

/** A keyword where a condition starts: an attribute spelled like a keyword is written with its entity. */
function keywordAsAttribute(expected: string, token: IToken | undefined): string {
    if (!token || !isKeyword(token.image) || !expected.startsWith('a condition')) return '';
    return ` \`${token.image}\` is a keyword: an attribute of that name is written with its entity, as in \`Entity.${token.image}\`.`;
}
