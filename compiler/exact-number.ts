import type * as ast from '../grammar/generated/ast.js';
import { parseNumberKey, type KeyValue } from './keys.js';

/**
 * A number literal as written, exact beyond 2^53 (`members 9007199254740993`, `Id = ...`): the
 * parser's value is a JavaScript number, so the digits are read from the text.
 */
export function exactNumberKey(k: ast.NumberLiteral): KeyValue {
    const digits = /(\d+(?:\.\d+)?)\s*$/.exec(k.$cstNode?.text ?? '')?.[1];
    const parsed = digits !== undefined ? parseNumberKey(`${k.negative ? '-' : ''}${digits}`) : undefined;
    return parsed ?? (k.negative ? -k.value : k.value);
}
