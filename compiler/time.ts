/**
 * Calendar arithmetic for `today`, `now` and time offsets, all in UTC.
 * Dates are `YYYY-MM-DD`, datetimes `YYYY-MM-DD HH:MM:SS`.
 */
export type TimeUnit = 'day' | 'week' | 'month' | 'year' | 'hour' | 'minute';

export interface Clock {
    readonly today: string;
    readonly now: string;
}

export interface TimeOffset {
    readonly sign: 1 | -1;
    readonly amount: number;
    readonly unit: TimeUnit;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$/;

export function isValidDate(text: string): boolean {
    const m = DATE.exec(text);
    if (!m) return false;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

export function isValidDateTime(text: string): boolean {
    const m = DATETIME.exec(text);
    if (!m) return false;
    return isValidDate(`${m[1]}-${m[2]}-${m[3]}`) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
}

/** The clock for an "as of" value: a date D gives today D and now D 23:59:59; a datetime T gives now T. */
export function clockAsOf(asOf?: string): Clock {
    if (asOf === undefined) {
        const iso = new Date().toISOString();
        return { today: iso.slice(0, 10), now: `${iso.slice(0, 10)} ${iso.slice(11, 19)}` };
    }
    if (isValidDate(asOf)) return { today: asOf, now: `${asOf} 23:59:59` };
    if (isValidDateTime(asOf)) {
        const now = normalizeDateTime(asOf);
        return { today: now.slice(0, 10), now };
    }
    throw new RangeError(`"${asOf}" is not a date (YYYY-MM-DD) or a datetime (YYYY-MM-DDTHH:MM:SS)`);
}

export function normalizeDateTime(text: string): string {
    const m = DATETIME.exec(text);
    if (!m) throw new RangeError(`not a datetime: ${text}`);
    return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
}

export function daysInMonth(year: number, month: number): number {
    return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Adds an offset to a date (day, week, month, year) or a datetime (any unit). */
export function addOffset(value: string, isDateTime: boolean, offset: TimeOffset): string {
    const date = value.slice(0, 10);
    const clock = isDateTime ? value.slice(11, 19) : '00:00:00';
    let [y, mo, d] = date.split('-').map(Number);
    let [h, mi, s] = clock.split(':').map(Number);
    const n = offset.sign * offset.amount;
    switch (offset.unit) {
        case 'year':
        case 'month': {
            const months = offset.unit === 'year' ? n * 12 : n;
            const total = y * 12 + (mo - 1) + months;
            y = Math.floor(total / 12);
            mo = (total % 12 + 12) % 12 + 1;
            d = Math.min(d, daysInMonth(y, mo));
            break;
        }
        case 'week':
        case 'day':
        case 'hour':
        case 'minute': {
            const ms = { week: 7 * 86_400_000, day: 86_400_000, hour: 3_600_000, minute: 60_000 }[offset.unit];
            const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s) + n * ms);
            [y, mo, d, h, mi, s] = [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()];
            break;
        }
    }
    const day = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
    return isDateTime ? `${day} ${pad(h)}:${pad(mi)}:${pad(s)}` : day;
}

export function unitOf(word: string): TimeUnit {
    return word.replace(/s$/, '') as TimeUnit;
}
