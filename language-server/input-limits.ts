import type { CustomPatternMatcherReturn, ILexingError, IToken, TokenType } from 'chevrotain';
import { DefaultLexer, DefaultTokenBuilder, type GrammarAST, type LexerResult, type TokenizeOptions } from 'langium';
import { IssueCodes } from './issue-codes.js';

/**
 * How deeply a condition may nest: every `(` (grouping, aggregate or `in` list) and every `not`
 * in front of a condition is a level. The parser descends one call chain per level (a parenthesis
 * costs five rules), so an unbounded depth ends in a stack overflow; 32 levels are far beyond
 * what anyone writes by hand, and far below what the parser can take.
 */
export const MAX_CONDITION_DEPTH = 32;

/** A lexing error that stands for a limit: reported with its own code, and where parsing resumes. */
export interface LimitError extends ILexingError {
    readonly code: typeof IssueCodes.TooDeep;
    /** Offset of the first token read again after the cut (the text's length when none is). */
    readonly resumeOffset: number;
}

export function isLimitError(error: ILexingError): error is LimitError {
    return (error as Partial<LimitError>).code === IssueCodes.TooDeep;
}

/** The message of a `too-deep` error. */
export function tooDeepMessage(limit = MAX_CONDITION_DEPTH): string {
    return `This condition nests more than ${limit} levels deep (each \`(\` and each \`not\` in front of a condition is a level), so the rest of it is not read. Remove parentheses or \`not\`s that are not needed, or split the condition into groups.`;
}

/** Tokens after which `not` starts a condition (elsewhere it is part of `not in` or `is not empty`). */
const BEFORE_PREFIX_NOT = new Set(['(', '{', 'and', 'or', 'not', 'where', 'then']);

interface Block {
    /** `not`s in front of the condition being read, per open parenthesis level (the block's own level first). */
    readonly nots: number[];
    /** This block's share of the depth: its open parentheses and pending `not`s. */
    depth: number;
}

/**
 * Cuts every region of a token stream that nests deeper than `limit`: from the token that goes one
 * level too deep to the `}` that closes the block it is in (or the end), so the parser never
 * descends further than the limit. Linear in the number of tokens, with no recursion. Returns the
 * kept tokens and one error per cut.
 */
export function cutTooDeep(tokens: readonly IToken[], textLength: number, limit = MAX_CONDITION_DEPTH): { tokens: IToken[]; errors: LimitError[] } {
    const kept: IToken[] = [];
    const errors: LimitError[] = [];
    const blocks: Block[] = [{ nots: [0], depth: 0 }];
    /** The depth of the token being read: the sum of the open blocks' depths. */
    let depth = 0;
    let previous: string | undefined;
    for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i];
        const name = token.tokenType.name;
        const block = blocks[blocks.length - 1];
        const deeper = name === '(' || (name === 'not' && previous !== undefined && BEFORE_PREFIX_NOT.has(previous));
        if (deeper && depth + 1 > limit) {
            // Skip to the `}` that closes the current block, and read on from there.
            let open = 0;
            let j = i;
            for (; j < tokens.length; j++) {
                const n = tokens[j].tokenType.name;
                if (n === '{') open++;
                else if (n === '}' && open-- === 0) break;
            }
            errors.push({
                code: IssueCodes.TooDeep,
                offset: token.startOffset,
                line: token.startLine,
                column: token.startColumn,
                length: token.image.length,
                message: tooDeepMessage(limit),
                resumeOffset: j < tokens.length ? tokens[j].startOffset : textLength
            });
            // The cut conditions' levels are gone with them.
            depth -= block.depth;
            block.depth = 0;
            block.nots.length = 1;
            block.nots[0] = 0;
            previous = undefined;
            i = j - 1;
            continue;
        }
        kept.push(token);
        const nots = block.nots;
        const step = (by: number): void => { block.depth += by; depth += by; };
        switch (name) {
            case '(':
                nots.push(0);
                step(1);
                break;
            case ')':
                if (nots.length > 1) step(-(nots.pop()! + 1));
                break;
            case 'not':
                if (deeper) {
                    nots[nots.length - 1]++;
                    step(1);
                }
                break;
            case 'and':
            case 'or':
                step(-nots[nots.length - 1]);
                nots[nots.length - 1] = 0;
                break;
            case '{':
                blocks.push({ nots: [0], depth: 0 });
                break;
            case '}':
                depth -= block.depth;
                if (blocks.length > 1) blocks.pop();
                else { block.depth = 0; block.nots.length = 1; block.nots[0] = 0; }
                break;
        }
        previous = name;
    }
    return { tokens: kept, errors };
}

/**
 * The lexer, with regions nested too deeply cut out of the token stream (`cutTooDeep`) and
 * reported as `too-deep` errors: a file of any depth is read, and the parser never overflows
 * its stack.
 */
export class SegmentLexer extends DefaultLexer {
    override tokenize(text: string, options?: TokenizeOptions): LexerResult {
        const result = super.tokenize(text, options);
        const cut = cutTooDeep(result.tokens, text.length);
        if (cut.errors.length === 0) return result;
        const errors = [...result.errors, ...cut.errors].sort((a, b) => a.offset - b.offset);
        return { ...result, tokens: cut.tokens, errors };
    }
}

/**
 * Langium's token builder, with strings matched by a loop instead of the grammar's regular
 * expression: a backtracking match of `"(\\.|[^"\\\r\n])*"` uses stack per character, and a
 * string of a few megabytes overflows it. Same language: an escape is a backslash and any
 * character but a line break; a string ends at the first unescaped quote, on its line.
 */
export class SegmentTokenBuilder extends DefaultTokenBuilder {
    protected override buildTerminalToken(terminal: GrammarAST.TerminalRule): TokenType {
        const token = super.buildTerminalToken(terminal);
        if (terminal.name !== 'STRING') return token;
        return { ...token, PATTERN: matchString, LINE_BREAKS: false, START_CHARS_HINT: ['"'] };
    }
}

/** The string literal at `offset`, or null: what `/"(\\.|[^"\\\r\n])*"/` matches there, without backtracking. */
export function matchString(text: string, offset: number): CustomPatternMatcherReturn | null {
    if (text.charCodeAt(offset) !== 0x22) return null;
    for (let i = offset + 1; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x22) return [text.slice(offset, i + 1)];
        if (c === 0x0a || c === 0x0d) return null;
        if (c === 0x5c) {
            const next = text.charCodeAt(i + 1);
            // `.` matches any character but a line terminator.
            if (Number.isNaN(next) || next === 0x0a || next === 0x0d || next === 0x2028 || next === 0x2029) return null;
            i++;
        }
    }
    return null;
}
