import type { DashboardRow, Key, OverlapMatrix } from '../shared/data.js';

/**
 * For each audience with two segments or more: how many members each pair shares. Each
 * segment's members are a bitset over the audience's keys (a key's bit is its offset from the
 * smallest key when the keys are integers close together, else its index among the distinct
 * keys), and a pair's overlap is the count of the bits set in both: O(N² × keys / 32) word
 * operations rather than a set lookup per member per pair.
 */
export function overlaps(rows: readonly DashboardRow[], members: ReadonlyMap<string, readonly Key[]>): OverlapMatrix[] {
    const byAudience = new Map<string, string[]>();
    for (const row of rows) {
        if (!members.has(row.name)) continue;
        const list = byAudience.get(row.audience) ?? [];
        list.push(row.name);
        byAudience.set(row.audience, list);
    }
    const result: OverlapMatrix[] = [];
    for (const [audience, segments] of byAudience) {
        if (segments.length < 2) continue;
        const sets = bitsets(segments.map(s => members.get(s)!));
        const counts = sets.map(() => new Array<number>(sets.length).fill(0));
        for (let i = 0; i < sets.length; i++) {
            counts[i][i] = sets[i].size;
            for (let j = i + 1; j < sets.length; j++) counts[i][j] = counts[j][i] = sharedBits(sets[i].bits, sets[j].bits);
        }
        result.push({ audience, segments, counts });
    }
    return result;
}

interface Bitset {
    readonly bits: Uint32Array;
    /** Distinct members. */
    readonly size: number;
}

/** The member lists as bitsets over one numbering of their keys. */
function bitsets(lists: readonly (readonly Key[])[]): Bitset[] {
    const bitOf = numbering(lists);
    return lists.map(keys => {
        const bits = new Uint32Array(Math.ceil(bitOf.width / 32));
        let size = 0;
        for (const k of keys) {
            const b = bitOf.index(k);
            const word = b >>> 5;
            const mask = 1 << (b & 31);
            if ((bits[word] & mask) === 0) {
                bits[word] |= mask;
                size++;
            }
        }
        return { bits, size };
    });
}

/** A bit per key: dense integers by their offset from the smallest, anything else by a map. */
function numbering(lists: readonly (readonly Key[])[]): { readonly width: number; index(key: Key): number } {
    let min = Infinity;
    let max = -Infinity;
    let integers = true;
    let largest = 0;
    for (const keys of lists) {
        largest = Math.max(largest, keys.length);
        for (const k of keys) {
            if (typeof k !== 'number' || !Number.isSafeInteger(k)) { integers = false; break; }
            if (k < min) min = k;
            if (k > max) max = k;
        }
        if (!integers) break;
    }
    // Dense enough: the bitsets stay within a few times the members' own size.
    if (integers && max >= min && max - min < Math.max(1 << 16, 32 * largest) && max - min < 1 << 26) {
        return { width: max - min + 1, index: k => (k as number) - min };
    }
    const ids = new Map<string, number>();
    const id = (k: Key): string => (typeof k === 'number' ? `n${k}` : `s${k}`);
    for (const keys of lists) for (const k of keys) if (!ids.has(id(k))) ids.set(id(k), ids.size);
    return { width: Math.max(1, ids.size), index: k => ids.get(id(k))! };
}

function sharedBits(a: Uint32Array, b: Uint32Array): number {
    let n = 0;
    for (let i = 0; i < a.length; i++) {
        let v = a[i] & b[i];
        if (v === 0) continue;
        v -= (v >>> 1) & 0x55555555;
        v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
        n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n;
}
