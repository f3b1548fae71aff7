import { addOffset, type TimeOffset } from '../compiler/time.js';

/**
 * One profile's journey through a sequence (reference 6.3), for Explain Membership: from the
 * times of the profile's records of each step (those satisfying the step's `where`), how many
 * steps it passes and one chain of records that shows it. The engine counts sequences in SQL
 * for everyone; this reads one profile's few records, already fetched.
 */
export interface ChainStep {
    /** Times of the profile's records of this step, in milliseconds since 1970 (UTC), any order. */
    readonly times: readonly number[];
    /** `then no`: only ever the last step. */
    readonly none: boolean;
    /** `within N UNIT` after the previous step's record. */
    readonly within?: TimeOffset;
}

export interface ChainFound {
    /**
     * How many steps the profile passes: it is in the sequence cut after each of its first
     * `passed` steps (a `then no` step passes when the whole sequence holds); all of them: a member.
     */
    readonly passed: number;
    /** The times of one chain of records for the first `chain.length` steps (the steps passed, or the steps before a `no` step). */
    readonly chain: readonly number[];
    /** A `then no` step failed: the earliest record of it after the chain's last record, within its window. */
    readonly blocker?: number;
}

/** Each chain end of a step, with the end of the step before it that it extends (-1 for the first step). */
interface Stage {
    readonly ends: readonly number[];
    readonly from: readonly number[];
}

export function findChain(steps: readonly ChainStep[]): ChainFound {
    const stages: Stage[] = [];
    const last = steps[steps.length - 1];
    const plain = last?.none ? steps.length - 1 : steps.length;
    for (let k = 0; k < plain; k++) {
        const times = [...new Set(steps[k].times)].sort((a, b) => a - b);
        if (k === 0) {
            if (times.length === 0) return { passed: 0, chain: [] };
            stages.push({ ends: times, from: times.map(() => -1) });
            continue;
        }
        const previous = stages[k - 1].ends;
        const ends: number[] = [];
        const from: number[] = [];
        let j = -1;
        for (const t of times) {
            // The latest end strictly before t: when it is not within the window, no earlier one is.
            while (j + 1 < previous.length && previous[j + 1] < t) j++;
            if (j < 0) continue;
            const within = steps[k].within;
            if (within && t > shift(previous[j], within)) continue;
            ends.push(t);
            from.push(j);
        }
        if (ends.length === 0) return { passed: k, chain: trace(stages, k - 1, 0) };
        stages.push({ ends, from });
    }
    if (!last?.none) return { passed: steps.length, chain: trace(stages, stages.length - 1, 0) };
    // `then no`: one chain end with no record after it (in its window) is enough.
    const blockers = [...last.times].sort((a, b) => a - b);
    const ends = stages[stages.length - 1].ends;
    let blocked: { index: number; blocker: number } | undefined;
    for (let i = ends.length - 1; i >= 0; i--) {
        const after = blockers.find(r => r > ends[i]);
        if (after === undefined || (last.within && after > shift(ends[i], last.within))) {
            return { passed: steps.length, chain: trace(stages, stages.length - 1, i) };
        }
        blocked ??= { index: i, blocker: after };
    }
    return { passed: steps.length - 1, chain: trace(stages, stages.length - 1, blocked!.index), blocker: blocked!.blocker };
}

/** The chain that ends at end `index` of stage `k`, first step first. */
function trace(stages: readonly Stage[], k: number, index: number): number[] {
    const chain: number[] = [];
    for (let s = k, i = index; s >= 0 && i >= 0; s--) {
        chain.unshift(stages[s].ends[i]);
        i = stages[s].from[i];
    }
    return chain;
}

/** `t + offset` as the reference says (month steps clamped to the month's end), keeping the fraction of a second. */
export function shift(t: number, offset: TimeOffset): number {
    const fraction = ((t % 1000) + 1000) % 1000;
    const moved = addOffset(new Date(t - fraction).toISOString().slice(0, 19).replace('T', ' '), true, offset);
    return Date.parse(`${moved.replace(' ', 'T')}Z`) + fraction;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?)?/;

/** A time as the engines return a read time (`YYYY-MM-DD HH:MM:SS[.fff]`, a date at 00:00:00), in milliseconds; undefined when it is none. */
export function timeValue(value: unknown): number | undefined {
    if (value instanceof Date) return value.getTime();
    if (typeof value !== 'string') return undefined;
    const m = TIME.exec(value.trim());
    if (!m) return undefined;
    const ms = m[7] ? Math.round(Number(`0${m[7]}`) * 1000) : 0;
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)) + ms;
}

/** A time to show: `YYYY-MM-DD HH:MM:SS` (with its milliseconds when it has some), or the date alone for a date. */
export function timeText(t: number, type: 'date' | 'datetime'): string {
    const iso = new Date(t).toISOString();
    if (type === 'date') return iso.slice(0, 10);
    const ms = iso.slice(20, 23);
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '000' ? '' : `.${ms}`}`;
}
