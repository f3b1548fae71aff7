import { keyText, type KeyValue } from './keys.js';

/**
 * `sample P% seed S` (reference, 6.6): a member with key `k` stays when the 32-bit FNV-1a hash of
 * the UTF-8 bytes of `S + "/" + text(k)` modulo 10,000 is below `P × 100` (P in hundredths of a
 * percent here). Plain TypeScript, so every engine keeps the same members.
 */
const OFFSET_BASIS = 2166136261;
const PRIME = 16777619;

/**
 * The FNV-1a hash of a text's UTF-8 bytes, encoded as they are hashed (no buffer per key: a
 * sample hashes every member's key). A lone surrogate is U+FFFD, as TextEncoder writes it.
 */
export function fnv1a32Text(text: string, hash = OFFSET_BASIS): number {
    let h = hash >>> 0;
    for (let i = 0; i < text.length; i++) {
        let c = text.charCodeAt(i);
        if (c < 0x80) {
            h = Math.imul(h ^ c, PRIME) >>> 0;
            continue;
        }
        if (c >= 0xd800 && c <= 0xdfff) {
            const next = text.charCodeAt(i + 1);
            if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
                c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
                i++;
            } else {
                c = 0xfffd;
            }
        }
        const bytes = c < 0x800 ? [0xc0 | (c >> 6), 0x80 | (c & 0x3f)]
            : c < 0x10000 ? [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
            : [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
        for (const b of bytes) h = Math.imul(h ^ b, PRIME) >>> 0;
    }
    return h;
}

/**
 * A filter keeping the members of a sample: the seed's part of the hash is computed once, each
 * key's bytes continue it.
 */
export function sampleFilter(seed: string, hundredths: number): (key: KeyValue) => boolean {
    if (hundredths >= 10000) return () => true;
    if (hundredths <= 0) return () => false;
    const prefix = fnv1a32Text(`${seed}/`);
    return key => fnv1a32Text(keyText(key), prefix) % 10000 < hundredths;
}
