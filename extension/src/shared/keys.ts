import type { Key } from './data.js';

/**
 * Keys typed by the user (Explain Membership): checked against the kind of keys the audience
 * has, then converted. Pure functions, shared by the host and the tests.
 */
const NUMBER = /^-?\d+(\.\d+)?$/;

/** Why `input` cannot be a key, or undefined when it can. `numeric`: the audience's keys are numbers. */
export function keyProblem(input: string, numeric: boolean | undefined, audience = 'the audience'): string | undefined {
    const text = input.trim();
    if (!text) return 'Enter a key';
    if (numeric && !NUMBER.test(text)) return `Keys of ${audience} are numbers, for example 1003`;
    return undefined;
}

/**
 * The key for `input`: a number when the audience's keys are numbers (or, unknown, when it
 * looks like one); an integer beyond 2^53 stays its digits (a JavaScript number would round it),
 * which the evaluator reads as the exact 64-bit key.
 */
export function parseKey(input: string, numeric: boolean | undefined): Key {
    const text = input.trim();
    if (numeric === false || !NUMBER.test(text)) return text;
    const n = Number(text);
    return /^-?\d+$/.test(text) && !Number.isSafeInteger(n) ? text : n;
}
