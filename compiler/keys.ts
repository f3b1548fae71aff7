/**
 * Keys as the language reads them (reference, section 2): an integer key is exact at any size up
 * to 64 bits, and `5` and `"5"` in a number key column are one key. A key is a JavaScript number
 * when it is one exactly (safe integers, and non-integers), a `bigint` for the integers beyond
 * 2^53 that fit 64 bits, and a string for text keys.
 */
export type KeyValue = string | number | bigint;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `-?digits[.digits]`, spaces around it ignored: the forms a number key may be written or stored in. */
const NUMBER_TEXT = /^\s*([+-]?)(\d+)(?:\.(\d+))?\s*$/;

/**
 * A number key from its text (`"1028"`, `" 9007199254740993 "`, `"2.5"`, `"7.0"`), or undefined
 * when the text is not a plain decimal number or an integer outside 64 bits.
 */
export function parseNumberKey(text: string): number | bigint | undefined {
    const m = NUMBER_TEXT.exec(text);
    if (!m) return undefined;
    const [, sign, whole, fraction] = m;
    if (fraction !== undefined && /[^0]/.test(fraction)) {
        const n = Number(`${sign}${whole}.${fraction}`);
        return Number.isFinite(n) ? n : undefined;
    }
    const big = BigInt(`${sign === '-' ? '-' : ''}${whole}`);
    if (big < INT64_MIN || big > INT64_MAX) return undefined;
    return exactInteger(big);
}

/** An integer as a number when that is exact, else as a bigint. */
export function exactInteger(value: bigint): number | bigint {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/**
 * A value read from a key column (a number, bigint or text, as the engine returns it) as a key
 * of the given type; undefined for a value that is no key (missing, or text that is no number in
 * a number key column). `-0` is `0`.
 */
export function keyFromStored(value: unknown, keyType: 'number' | 'text'): KeyValue | undefined {
    if (value === null || value === undefined) return undefined;
    if (keyType === 'text') {
        if (typeof value === 'string') return value;
        if (typeof value === 'number' || typeof value === 'bigint') return keyText(value);
        return undefined;
    }
    if (typeof value === 'bigint') return exactInteger(value);
    if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : undefined;
    if (typeof value === 'string') return parseNumberKey(value);
    return undefined;
}

/**
 * A key as text: a text key as it is; a number as the shortest decimal that reads back as it,
 * in digits with an optional `-` and one `.`, never an exponent or a trailing `.0`.
 */
export function keyText(key: KeyValue): string {
    if (typeof key === 'string') return key;
    if (typeof key === 'bigint') return key.toString();
    if (Object.is(key, -0)) return '0';
    const s = String(key);
    if (!/e/i.test(s)) return s;
    // Exponent form: write the same shortest digits out in full.
    const [mantissa, exp] = s.split(/e/i);
    const negative = mantissa.startsWith('-');
    const digits = mantissa.replace(/^-/, '').replace('.', '');
    const point = (mantissa.replace(/^-/, '').indexOf('.') === -1 ? mantissa.replace(/^-/, '').length : mantissa.replace(/^-/, '').indexOf('.')) + Number(exp);
    const body = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
    return `${negative ? '-' : ''}${body}`;
}

/** Ascending key order: numbers (and bigints) by value, before text; text by code point. */
export function compareKeys(a: KeyValue, b: KeyValue): number {
    const an = typeof a !== 'string';
    const bn = typeof b !== 'string';
    if (an && bn) return a < b ? -1 : a > b ? 1 : 0;
    if (an !== bn) return an ? -1 : 1;
    return compareCodePoints(a as string, b as string);
}

/** Text order by Unicode code point (JavaScript's `<` compares UTF-16 code units). */
export function compareCodePoints(x: string, y: string): number {
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
        const a = x.codePointAt(i) as number;
        const b = y.codePointAt(i) as number;
        if (a !== b) return a - b;
        if (a > 0xffff) i++;
    }
    return x.length - y.length;
}

/** A key as a JSON value: numbers and 64-bit integers as JSON numbers (exact digits), text as strings. */
export function keyJson(key: KeyValue): string {
    return typeof key === 'string' ? JSON.stringify(key) : keyText(key);
}

/**
 * `JSON.stringify` that writes bigints as exact JSON numbers (JSON itself has no size limit on
 * numbers; only JavaScript's reader rounds them).
 */
export function stringifyJson(value: unknown, indent?: number): string {
    const marks: string[] = [];
    const nonce = Math.random().toString(36).slice(2);
    const text = JSON.stringify(value, (_k, v: unknown) => {
        if (typeof v === 'bigint') {
            marks.push(v.toString());
            return `bigint:${nonce}:${marks.length - 1}`;
        }
        return v;
    }, indent);
    return marks.length === 0 ? text : text.replace(new RegExp(`"bigint:${nonce}:(\\d+)"`, 'g'), (_m, i: string) => marks[Number(i)]);
}
