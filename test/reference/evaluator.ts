/**
 * A reference evaluator for the segment language: a second, deliberately plain implementation
 * of the semantics in docs/segment-language.md (the binding reference), over in-memory rows.
 *
 * It walks the parsed syntax tree (references resolved by the linker) and never touches the
 * compiler: its own schema reading, relationship graph and shortest paths, join semantics,
 * two-valued logic, comparisons and calendar arithmetic. It favours obviousness over speed:
 * a group is evaluated by enumerating, for every audience profile, every combination of one
 * related record per entity named, exactly as the reference words it.
 *
 * Stored values are read as a person reads them (reference, section 2), with the project's
 * choices where the reference is terse: numbers as numbers or decimal text (spaces U+0020 around
 * it ignored); booleans as 0/1 or the text true/false/1/0 in any case; dates and datetimes as ISO
 * text with an optional fraction (counted to the millisecond, half up) and zone (converted to
 * UTC); keys exact to 64 bits, `5`, `5.0`, `"5"` one key; anything else missing (no key). `sum`
 * and `avg` are exact decimals (section 4.2) in units of 10^-10.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { AstUtils } from 'langium';
import * as ast from '../../grammar/generated/ast.js';

// ---------------------------------------------------------------------------------------------
// Public types

/** A stored value: a number (a bigint for an integer beyond 2^53), a text, or NULL. */
export type CellValue = string | number | bigint | null;
export type Row = Readonly<Record<string, CellValue>>;
/** Rows by table name, each row by column name. */
export type Tables = Readonly<Record<string, readonly Row[]>>;
/**
 * A member key: text, or a number (a bigint for an integer beyond 2^53, up to 64 bits; a
 * `number` for safe integers and non-integers).
 */
export type ReferenceKey = string | number | bigint;

/** The evaluation instant: `today` is `YYYY-MM-DD`, `now` is `YYYY-MM-DD HH:MM:SS`, both UTC. */
export interface ReferenceClock {
    readonly today: string;
    readonly now: string;
}

/** What the evaluator needs of a model: the entities and segments, by name or as parsed files. */
export type ReferenceModel =
    | ast.Model
    | readonly ast.Model[]
    | { readonly entities: ReadonlyMap<string, ast.Entity>; readonly segments: ReadonlyMap<string, ast.Segment> };

/** The segment has an error by the reference (so it must never run): the message says which. */
export class SegmentError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'SegmentError';
    }
}

export type AttrType = 'text' | 'number' | 'boolean' | 'date' | 'datetime';

export interface RefAttribute {
    readonly entity: string;
    readonly name: string;
    readonly type: AttrType;
    readonly column: string;
    /** The entity whose key this attribute refers to (`-> Entity`). */
    readonly target?: string;
}

export interface RefEntity {
    readonly name: string;
    readonly table: string;
    readonly key: string;
    /** `time NAME` (reference 6.1): the attribute that says when a record came into being. */
    readonly time?: string;
    readonly attributes: readonly RefAttribute[];
}

/** A foreign key `from.attribute -> to`, walkable both ways; `id` is `From.Attribute`. */
export interface RefRelationship {
    readonly id: string;
    readonly from: string;
    readonly to: string;
    readonly column: string;
}

/** One step of a path, from entity `from` to entity `to`. */
export interface RefStep {
    readonly rel: RefRelationship;
    readonly from: string;
    readonly to: string;
}

export type RefPath =
    | { readonly kind: 'found'; readonly steps: readonly RefStep[] }
    | { readonly kind: 'none' }
    | { readonly kind: 'ambiguous'; readonly paths: readonly (readonly RefStep[])[] };

// ---------------------------------------------------------------------------------------------
// Schema and relationship graph

export class RefSchema {
    readonly entities = new Map<string, RefEntity>();
    readonly relationships: RefRelationship[] = [];

    constructor(entities: Iterable<RefEntity>) {
        for (const e of entities) if (!this.entities.has(e.name)) this.entities.set(e.name, e);
        for (const e of this.entities.values()) {
            for (const a of e.attributes) {
                if (a.target !== undefined && this.entities.has(a.target)) {
                    this.relationships.push({ id: `${e.name}.${a.name}`, from: e.name, to: a.target, column: a.column });
                }
            }
        }
    }

    entity(name: string): RefEntity {
        const e = this.entities.get(name);
        if (!e) throw new SegmentError(`unknown entity ${name}`);
        if (e.time !== undefined) {
            // Reference 6.1: the time is a date or datetime attribute of the entity; else which records exist cannot be said.
            const t = e.attributes.find(a => a.name === e.time);
            if (!t || !isTime(t.type)) throw new SegmentError(`the time ${e.time} of ${name} is not a date or datetime attribute of it`);
        }
        return e;
    }

    /** The event time of an entity (reference 6.1), or undefined for an entity without `time`. */
    timeAttribute(entity: string): RefAttribute | undefined {
        const e = this.entity(entity);
        return e.time === undefined ? undefined : this.attribute(entity, e.time);
    }

    attribute(entity: string, name: string): RefAttribute {
        const a = this.entity(entity).attributes.find(x => x.name === name);
        if (!a) throw new SegmentError(`unknown attribute ${entity}.${name}`);
        return a;
    }

    keyAttribute(entity: string): RefAttribute {
        const e = this.entity(entity);
        return this.attribute(entity, e.key);
    }

    /** Steps leaving `entity`, both directions; a foreign key to its own entity is no step. */
    steps(entity: string): RefStep[] {
        const result: RefStep[] = [];
        for (const rel of this.relationships) {
            if (rel.from === rel.to) continue;
            if (rel.from === entity) result.push({ rel, from: entity, to: rel.to });
            if (rel.to === entity) result.push({ rel, from: entity, to: rel.from });
        }
        return result;
    }
}

/** The schema declared by `entity` nodes. */
export function schemaFromAst(entities: Iterable<ast.Entity>): RefSchema {
    const result: RefEntity[] = [];
    for (const e of entities) {
        const attributes: RefAttribute[] = [];
        for (const a of e.attributes) {
            if (attributes.some(x => x.name === a.name)) continue;
            const target = a.target?.ref?.name;
            attributes.push({ entity: e.name, name: a.name, type: a.type, column: a.column ?? a.name, ...(target !== undefined ? { target } : {}) });
        }
        const time = e.time ? e.time.ref?.name ?? e.time.$refText : undefined;
        result.push({ name: e.name, table: e.table ?? e.name, key: e.key?.ref?.name ?? e.key?.$refText ?? '', ...(time !== undefined ? { time } : {}), attributes });
    }
    return new RefSchema(result);
}

/**
 * The shortest relationship path from `source` to `target`. When several shortest paths tie,
 * only those using every `via` relationship that appears on any of them are kept; one path
 * must remain.
 */
export function shortestPath(schema: RefSchema, source: string, target: string, via: ReadonlySet<string>): RefPath {
    if (source === target) return { kind: 'found', steps: [] };
    // Breadth first, keeping every path of the current length (the schemas are small).
    let frontier: RefStep[][] = [[]];
    const seen = new Set<string>([source]);
    while (frontier.length > 0) {
        const next: RefStep[][] = [];
        const reached = new Set<string>();
        for (const path of frontier) {
            const at = path.length === 0 ? source : path[path.length - 1].to;
            for (const step of schema.steps(at)) {
                if (seen.has(step.to)) continue;
                next.push([...path, step]);
                reached.add(step.to);
            }
        }
        const arrived = next.filter(p => p[p.length - 1].to === target);
        if (arrived.length > 0) {
            const wanted = [...via].filter(id => arrived.some(p => p.some(s => s.rel.id === id)));
            const kept = arrived.filter(p => wanted.every(id => p.some(s => s.rel.id === id)));
            return kept.length === 1 ? { kind: 'found', steps: kept[0] } : { kind: 'ambiguous', paths: kept };
        }
        for (const r of reached) seen.add(r);
        frontier = next;
    }
    return { kind: 'none' };
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic, UTC, to the millisecond

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/**
 * A date or datetime as stored (reference, section 2): `YYYY-MM-DD`, or that with ` ` or `T` and
 * `HH:MM:SS`, then an optional fraction of a second and an optional zone (`Z`, `+HH:MM`,
 * `-HH:MM`, `+HHMM`, `+HH`).
 */
const STORED_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

function isLeap(y: number): boolean {
    return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function monthLength(y: number, m: number): number {
    return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
function dayNumber(y: number, m: number, d: number): number {
    let n = 0;
    if (y >= 1970) for (let yy = 1970; yy < y; yy++) n += isLeap(yy) ? 366 : 365;
    else for (let yy = y; yy < 1970; yy++) n -= isLeap(yy) ? 366 : 365;
    for (let mm = 1; mm < m; mm++) n += monthLength(y, mm);
    return n + d - 1;
}

function fromDayNumber(n: number): [number, number, number] {
    let y = 1970;
    for (;;) {
        const len = isLeap(y) ? 366 : 365;
        if (n < 0) { y--; n += isLeap(y) ? 366 : 365; continue; }
        if (n >= len) { n -= len; y++; continue; }
        break;
    }
    let m = 1;
    while (n >= monthLength(y, m)) { n -= monthLength(y, m); m++; }
    return [y, m, n + 1];
}

/** A UTC instant: a calendar day and the milliseconds into it. */
interface Instant { y: number; m: number; d: number; ms: number }

const DAY_MS = 86_400_000;

function two(n: number): string {
    return String(n).padStart(2, '0');
}

/** The instant `ms` milliseconds after the start of day `day` (days since 1970-01-01), normalised. */
function instantAt(day: number, ms: number): Instant {
    const days = day + Math.floor(ms / DAY_MS);
    const [y, m, d] = fromDayNumber(days);
    return { y, m, d, ms: ms - Math.floor(ms / DAY_MS) * DAY_MS };
}

/**
 * Reads a date or datetime text in any stored form, converted to UTC; undefined for text that
 * fits no form (year 0000, an impossible day, hours past 23, minutes or seconds past 59). A
 * fraction counts to the millisecond, rounded half up.
 */
function parseInstant(text: string): Instant | undefined {
    const m = STORED_RE.exec(text);
    if (!m) return undefined;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > monthLength(y, mo)) return undefined;
    if (m[4] === undefined) return { y, m: mo, d, ms: 0 };
    const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
    if (h > 23 || mi > 59 || s > 59) return undefined;
    const fraction = m[7] ?? '';
    const millis = Number(fraction.slice(0, 3).padEnd(3, '0')) + (fraction.length > 3 && fraction[3] >= '5' ? 1 : 0);
    let offsetMinutes = 0;
    const zone = m[8];
    if (zone !== undefined && zone !== 'Z') {
        const digits = zone.slice(1).replace(':', '');
        const oh = Number(digits.slice(0, 2));
        const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
        if (oh > 23 || om > 59) return undefined;
        offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    const local = ((h * 60 + mi) * 60 + s) * 1000 + millis;
    return instantAt(dayNumber(y, mo, d), local - offsetMinutes * 60_000);
}

function formatDate(i: Instant): string {
    return `${String(i.y).padStart(4, '0')}-${two(i.m)}-${two(i.d)}`;
}

/** `YYYY-MM-DD HH:MM:SS.mmm`: fixed width, so text order is time order. */
function formatDateTime(i: Instant): string {
    const s = Math.floor(i.ms / 1000);
    return `${formatDate(i)} ${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}.${String(i.ms % 1000).padStart(3, '0')}`;
}

/** `YYYY-MM-DD HH:MM:SS`, with `.mmm` only when the milliseconds are not 0. */
function formatDateTimeShort(i: Instant): string {
    const full = formatDateTime(i);
    return full.endsWith('.000') ? full.slice(0, 19) : full;
}

export type Unit = 'day' | 'week' | 'month' | 'year' | 'hour' | 'minute';

function unitOfWord(word: string): Unit {
    const u = word.endsWith('s') ? word.slice(0, -1) : word;
    if (u === 'day' || u === 'week' || u === 'month' || u === 'year' || u === 'hour' || u === 'minute') return u;
    throw new SegmentError(`unknown time unit ${word}`);
}

/** `value` moved by `n` units: months and years keep the day, clamped to the month's end. */
function shift(value: Instant, n: number, unit: Unit): Instant {
    if (unit === 'month' || unit === 'year') {
        const months = value.y * 12 + (value.m - 1) + (unit === 'year' ? 12 * n : n);
        const y = Math.floor(months / 12);
        const m = months - 12 * y + 1;
        return { y, m, d: Math.min(value.d, monthLength(y, m)), ms: value.ms };
    }
    const millis = { day: DAY_MS, week: 7 * DAY_MS, hour: 3_600_000, minute: 60_000 }[unit] * n;
    return instantAt(dayNumber(value.y, value.m, value.d), value.ms + millis);
}

/** A date or datetime value moved by `n` units, staying of its type. */
function shiftValue(value: Value, n: number, unit: Unit): Value {
    if (value.type !== 'date' && value.type !== 'datetime') throw new Error(`${value.type} moved by ${unit}`);
    const moved = shift(parseInstant(value.v)!, n, unit);
    return value.type === 'date' ? { type: 'date', v: formatDate(moved) } : { type: 'datetime', v: formatDateTime(moved) };
}

/** `text` (a date, or a datetime in any stored form) moved by `n` units; a date stays a date. */
export function addToTime(text: string, n: number, unit: Unit): string {
    const i = parseInstant(text);
    if (!i) throw new RangeError(`not a date or datetime: ${text}`);
    const moved = shift(i, n, unit);
    return DATE_RE.test(text) ? formatDate(moved) : formatDateTimeShort(moved);
}

/** The clock of an "as of" value: a date D gives today D and now D 23:59:59; a datetime T gives now T. */
export function referenceClock(asOf: string): ReferenceClock {
    const i = parseInstant(asOf);
    if (!i) throw new RangeError(`not a date or datetime: ${asOf}`);
    if (DATE_RE.test(asOf)) return { today: asOf, now: `${asOf} 23:59:59` };
    return { today: formatDate(i), now: formatDateTimeShort(i) };
}

/**
 * A stored date or datetime cell as the UTC instant it stands for, in the reference's text forms
 * (`date`: `YYYY-MM-DD`; `dateTime`: `YYYY-MM-DDTHH:MM:SS`, the second it falls in, as a
 * segment literal writes it); undefined when it fits no form (any number included).
 */
export function storedInstant(raw: CellValue): { readonly date: string; readonly dateTime: string; readonly millis: number } | undefined {
    const i = typeof raw === 'string' ? parseInstant(raw) : undefined;
    if (!i) return undefined;
    return { date: formatDate(i), dateTime: formatDateTime(i).slice(0, 19).replace(' ', 'T'), millis: i.ms % 1000 };
}

// ---------------------------------------------------------------------------------------------
// Values

/** A number; `exact` holds an integer beyond 2^53 exactly (a 64-bit key, say). */
interface NumberValue { readonly type: 'number'; readonly v: number; readonly exact?: bigint }

type Value =
    | { readonly type: 'text'; readonly v: string }
    | NumberValue
    /** A `sum` or `avg` of numbers: exact decimal units of 10^-10 (reference, section 4.2). */
    | { readonly type: 'decimal'; readonly units: bigint }
    | { readonly type: 'boolean'; readonly v: boolean }
    /** `YYYY-MM-DD` */
    | { readonly type: 'date'; readonly v: string }
    /** `YYYY-MM-DD HH:MM:SS.mmm`, UTC */
    | { readonly type: 'datetime'; readonly v: string };

/** Code point order (what SQLite's binary collation gives on UTF-8 text). */
export function compareCodePoints(a: string, b: string): number {
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
        const x = a.codePointAt(i)!;
        const y = b.codePointAt(j)!;
        if (x !== y) return x < y ? -1 : 1;
        i += x > 0xffff ? 2 : 1;
        j += y > 0xffff ? 2 : 1;
    }
    const restA = i < a.length;
    const restB = j < b.length;
    return restA === restB ? 0 : restA ? 1 : -1;
}

/** Spaces (U+0020 only) removed at both ends. */
const trimSpaces = (s: string): string => s.replace(/^ +| +$/g, '');
/** A number written as text: sign, digits, and an optional fraction. */
const NUMBER_TEXT = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A number value of an integer: exact beyond 2^53. */
function integerValue(b: bigint): NumberValue {
    return b > MAX_SAFE || b < -MAX_SAFE ? { type: 'number', v: Number(b), exact: b } : { type: 'number', v: Number(b) };
}

/** A stored number: a number, or text in decimal notation with spaces around it; else missing. */
function readNumber(raw: CellValue): NumberValue | undefined {
    if (typeof raw === 'number') return Number.isFinite(raw) ? { type: 'number', v: raw } : undefined;
    if (typeof raw === 'bigint') return integerValue(raw);
    if (typeof raw !== 'string') return undefined;
    const m = NUMBER_TEXT.exec(trimSpaces(raw));
    if (!m) return undefined;
    if (m[3] === undefined || /^0+$/.test(m[3])) return integerValue(BigInt(`${m[1] === '-' ? '-' : ''}${m[2]}`));
    return { type: 'number', v: Number(`${m[1]}${m[2]}.${m[3]}`) };
}

/** A stored boolean: the numbers 0 and 1, or the text true, false, 1, 0 in any case with spaces around; else missing. */
function readBoolean(raw: CellValue): boolean | undefined {
    if (typeof raw === 'number' || typeof raw === 'bigint') return raw == 1 ? true : raw == 0 ? false : undefined;
    if (typeof raw !== 'string') return undefined;
    const t = trimSpaces(raw).toLowerCase();
    return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : undefined;
}

/** Stored text: text as it is, a number as its text. */
function readText(raw: CellValue): string | undefined {
    if (typeof raw === 'string') return raw;
    if (typeof raw === 'number' || typeof raw === 'bigint') return String(raw);
    return undefined;
}

/** A stored number as a segment's number literal would write it (for generators); undefined when missing. */
export function storedNumberText(raw: CellValue): string | undefined {
    const n = readNumber(raw);
    return n === undefined ? undefined : n.exact !== undefined ? n.exact.toString() : String(n.v);
}

/**
 * A stored key (reference, section 2), read as the key's type. A number key: a number, or text
 * in decimal notation with spaces around it; `5`, `5.0`, `"5"` and `" 5 "` are one key; an
 * integer is exact up to 64 bits (a bigint beyond 2^53). A text key: text as it is, a number as
 * its text. Undefined: no key.
 */
export function readKey(raw: CellValue, type: 'number' | 'text'): ReferenceKey | undefined {
    if (raw === null || raw === undefined) return undefined;
    if (type === 'text') return readText(raw);
    const exact = (b: bigint): ReferenceKey | undefined => (b < INT64_MIN || b > INT64_MAX ? undefined : b > MAX_SAFE || b < -MAX_SAFE ? b : Number(b));
    if (typeof raw === 'bigint') return exact(raw);
    if (typeof raw === 'number') {
        if (!Number.isFinite(raw)) return undefined;
        if (!Number.isInteger(raw)) return raw;
        return Number.isSafeInteger(raw) ? raw + 0 : exact(BigInt(raw));
    }
    const m = NUMBER_TEXT.exec(trimSpaces(raw));
    if (!m) return undefined;
    if (m[3] !== undefined && !/^0+$/.test(m[3])) return Number(`${m[1]}${m[2]}.${m[3]}`);
    return exact(BigInt(`${m[1] === '-' ? '-' : ''}${m[2]}`));
}

/** One string per key: `5`, `5.0` and `"5"` read as a number key give the same. */
const keyId = (k: ReferenceKey): string => (typeof k === 'string' ? `t:${k}` : `n:${String(k)}`);

// Exact decimals: `digits / 10^scale`.

interface Decimal { readonly digits: bigint; readonly scale: number }

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** Decimal text (`-12.50`, `1.5e-7`, `1.23456789012346e+18`) exactly. */
function parseDecimal(text: string): Decimal {
    const m = /^([+-]?)(\d+)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
    if (!m) throw new Error(`not a decimal: ${text}`);
    const fraction = m[3] ?? '';
    const digits = BigInt(`${m[1] === '-' ? '-' : ''}${m[2]}${fraction}`);
    const scale = fraction.length - Number(m[4] ?? 0);
    return scale >= 0 ? { digits, scale } : { digits: digits * pow10(-scale), scale: 0 };
}

/** `n / d` rounded half away from zero. */
function divideRounded(n: bigint, d: bigint): bigint {
    const negative = (n < 0n) !== (d < 0n);
    const [an, ad] = [n < 0n ? -n : n, d < 0n ? -d : d];
    const q = an / ad + (2n * (an % ad) >= ad ? 1n : 0n);
    return negative ? -q : q;
}

const UNIT_SCALE = 10;

/** A decimal in units of 10^-10, rounded half away from zero to 10 places. */
function toUnits(d: Decimal): bigint {
    return d.scale <= UNIT_SCALE ? d.digits * pow10(UNIT_SCALE - d.scale) : divideRounded(d.digits, pow10(d.scale - UNIT_SCALE));
}

/** A stored number as decimal units of 10^-10: to 15 significant digits, then 10 places, half away from zero. */
function decimalUnits(n: NumberValue): bigint {
    return toUnits(parseDecimal(n.v.toPrecision(15)));
}

/**
 * Decimal units against a number literal, in the same units: the literal's shortest decimal
 * text to 10 places, half away from zero (`0.30000000000000004` is 0.3); then exactly.
 */
function compareUnits(units: bigint, n: NumberValue): number {
    const literal = toUnits(n.exact !== undefined ? { digits: n.exact, scale: 0 } : parseDecimal(String(n.v)));
    return units < literal ? -1 : units > literal ? 1 : 0;
}

/** Reads a stored cell as a value of the attribute's type; `undefined` is a missing value. */
function readCell(row: Row, attribute: RefAttribute): Value | undefined {
    if (!(attribute.column in row)) throw new Error(`no column ${attribute.column} for ${attribute.entity}.${attribute.name}`);
    const raw = row[attribute.column];
    if (raw === null || raw === undefined) return undefined;
    switch (attribute.type) {
        case 'text': {
            const v = readText(raw);
            return v === undefined ? undefined : { type: 'text', v };
        }
        case 'number':
            return readNumber(raw);
        case 'boolean': {
            const v = readBoolean(raw);
            return v === undefined ? undefined : { type: 'boolean', v };
        }
        case 'date': {
            const i = typeof raw === 'string' ? parseInstant(raw) : undefined;
            return i ? { type: 'date', v: formatDate(i) } : undefined;
        }
        case 'datetime': {
            const i = typeof raw === 'string' ? parseInstant(raw) : undefined;
            return i ? { type: 'datetime', v: formatDateTime(i) } : undefined;
        }
    }
}

const isTime = (t: AttrType): t is 'date' | 'datetime' => t === 'date' || t === 'datetime';

function compareNumbers(a: NumberValue, b: NumberValue): number {
    if (a.exact !== undefined || b.exact !== undefined) {
        const big = (x: NumberValue): bigint | undefined => x.exact ?? (Number.isInteger(x.v) ? BigInt(x.v) : undefined);
        const [x, y] = [big(a), big(b)];
        if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
    }
    return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
}

/**
 * Orders two values of fitting types: numbers by value (decimal aggregates exactly), texts by
 * code point, dates and datetimes as calendar dates when either is a date, else as instants
 * (booleans are only tested for equality).
 */
function order(a: Value, b: Value): number {
    if ((a.type === 'date' || a.type === 'datetime') && (b.type === 'date' || b.type === 'datetime')) {
        const dateDomain = a.type === 'date' || b.type === 'date';
        const x = dateDomain ? a.v.slice(0, 10) : a.v;
        const y = dateDomain ? b.v.slice(0, 10) : b.v;
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.type === 'number' && b.type === 'number') return compareNumbers(a, b);
    if (a.type === 'decimal' && b.type === 'number') return compareUnits(a.units, b);
    if (a.type === 'number' && b.type === 'decimal') return -compareUnits(b.units, a);
    if (a.type === 'decimal' && b.type === 'decimal') return a.units < b.units ? -1 : a.units > b.units ? 1 : 0;
    if (a.type === 'text' && b.type === 'text') return compareCodePoints(a.v, b.v);
    if (a.type === 'boolean' && b.type === 'boolean') return a.v === b.v ? 0 : a.v ? 1 : -1;
    throw new Error(`cannot compare ${a.type} with ${b.type}`);
}

function compareWith(op: ast.CompareOperator, a: Value, b: Value): boolean {
    const c = order(a, b);
    switch (op) {
        case '=': return c === 0;
        case '!=': return c !== 0;
        case '<': return c < 0;
        case '<=': return c <= 0;
        case '>': return c > 0;
        case '>=': return c >= 0;
    }
}

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, c => c.toLowerCase());

// ---------------------------------------------------------------------------------------------
// Checked conditions: the syntax tree, resolved and type-checked, ready to evaluate

/** The records of a group (or an aggregate's `where`): one per entity name, a tree from the root. */
interface Scope {
    readonly root: string;
    readonly via: ReadonlySet<string>;
    /** Node 0 is the root; every other node has a parent earlier in the list. */
    readonly nodes: { readonly entity: string; readonly parent: number; readonly step?: RefStep }[];
}

interface Aggregate {
    readonly kind: 'aggregate';
    readonly fn: 'count' | 'sum' | 'avg' | 'min' | 'max';
    /** From the scope's root record to the aggregated entity. */
    readonly path: readonly RefStep[];
    readonly entity: string;
    readonly attribute?: RefAttribute;
    readonly where?: { readonly scope: Scope; readonly condition: Cond };
    readonly type: AttrType;
}

/** A measure (reference, 6.4): the aggregate over the records related to a record of `entity` (its path starts there). */
interface Measure {
    readonly name: string;
    readonly entity: string;
    readonly aggregate: Aggregate;
}

type Operand =
    | { readonly kind: 'attribute'; readonly node: number; readonly attribute: RefAttribute; readonly type: AttrType }
    /** A measure's value for the record of scope node `node`. */
    | { readonly kind: 'measure'; readonly node: number; readonly measure: Measure; readonly type: AttrType }
    | Aggregate;

/** The right side of a comparison that is an attribute or a measure, moved by its offsets (reference, 6.2). */
interface OperandValue {
    readonly operand: Operand;
    readonly offsets: readonly { readonly n: number; readonly unit: Unit }[];
}

type Cond =
    | { readonly k: 'and' | 'or'; readonly a: Cond; readonly b: Cond }
    | { readonly k: 'not'; readonly c: Cond }
    | { readonly k: 'compare'; readonly left: Operand; readonly op: ast.CompareOperator; readonly right: Value }
    /** Two values of the same combination of records compared. */
    | { readonly k: 'compareValues'; readonly left: Operand; readonly op: ast.CompareOperator; readonly right: OperandValue }
    /** `E [not] in segment NAME`: the record of scope node `node` (of entity E) among NAME's members. */
    | { readonly k: 'member'; readonly node: number; readonly entity: string; readonly members: ReadonlyMap<string, ReferenceKey>; readonly negated: boolean }
    | { readonly k: 'in'; readonly left: Operand; readonly values: readonly Value[]; readonly negated: boolean }
    | { readonly k: 'between'; readonly left: Operand; readonly low: Value; readonly high: Value }
    | { readonly k: 'match'; readonly left: Operand; readonly mode: 'contains' | 'starts' | 'ends'; readonly text: string }
    | { readonly k: 'empty'; readonly left: Operand; readonly negated: boolean };

/** One checked step of a sequence: its entity, reached from the audience by `path`, and its `where`. */
interface SequenceStepCheck {
    readonly path: readonly RefStep[];
    readonly entity: string;
    readonly time: RefAttribute;
    readonly none: boolean;
    readonly within?: { readonly n: number; readonly unit: Unit };
    readonly where?: { readonly scope: Scope; readonly condition: Cond };
}

interface CheckedSequence {
    readonly steps: readonly SequenceStepCheck[];
}

/** `time` (`YYYY-MM-DD HH:MM:SS.mmm`) moved forward by a `within` window, in the same form. */
function later(time: string, within: { readonly n: number; readonly unit: Unit }): string {
    return formatDateTime(shift(parseInstant(time)!, within.n, within.unit));
}

/** The digits of a number literal as written (the parsed value rounds integers beyond 2^53). */
function literalText(node: ast.NumberLiteral): string {
    const digits = /(\d+(?:\.\d+)?)\s*$/.exec(node.$cstNode?.text ?? '')?.[1] ?? String(node.value);
    return `${node.negative ? '-' : ''}${digits}`;
}

/** A number literal, exact when it is an integer beyond 2^53. */
function numberLiteral(node: ast.NumberLiteral): NumberValue {
    const v = readNumber(literalText(node));
    if (!v) throw new SegmentError(`not a number: ${literalText(node)}`);
    return v;
}

/** What a checker needs of the other segments: their audience, and their members (at the same instant). */
interface SegmentLookup {
    audienceOf(name: string): string;
    membersOf(name: string): ReadonlyMap<string, ReferenceKey>;
}

class Checker {
    /** Measures checked so far, by declaration. */
    private readonly measures = new Map<ast.Measure, Measure>();

    constructor(private readonly schema: RefSchema, private readonly clock: ReferenceClock, private readonly audience: string, private readonly segments: SegmentLookup) {}

    /** A group's condition, in a scope rooted at the audience. */
    group(group: ast.Group): { scope: Scope; condition: Cond } {
        return this.scoped(this.audience, this.viaOf(group.via), group.condition, false);
    }

    /**
     * A sequence (reference 6.3): at least two steps, `no` only on the last, `within` only on `then` steps (in whole units); each step's entity an event
     * entity joined to the audience by one shortest path, its `where` scoped at that entity.
     */
    sequence(sequence: ast.Sequence): CheckedSequence {
        const via = this.viaOf(sequence.via);
        if (sequence.steps.length < 2) throw new SegmentError('a sequence has at least two steps');
        const steps = sequence.steps.map((event, i): SequenceStepCheck => {
            if (event.none && i < sequence.steps.length - 1) throw new SegmentError('a no step is the last step');
            const entity = event.entity?.ref?.name;
            if (entity === undefined) throw new SegmentError(`unresolved entity ${event.entity?.$refText ?? ''}`);
            const e = this.schema.entity(entity);
            if (e.time === undefined) throw new SegmentError(`${entity} is not an event entity (no time)`);
            const time = this.schema.attribute(entity, e.time);
            if (!isTime(time.type)) throw new SegmentError(`${entity}'s time is ${time.type}`);
            let within: { readonly n: number; readonly unit: Unit } | undefined;
            if (event.amount !== undefined) {
                if (i === 0) throw new SegmentError('within on the first step');
                if (!Number.isInteger(event.amount)) throw new SegmentError('within counts whole units');
                within = { n: event.amount, unit: unitOfWord(event.unit ?? '') };
            }
            const path = shortestPath(this.schema, this.audience, entity, via);
            if (path.kind === 'none') throw new SegmentError(`no path from ${this.audience} to ${entity}`);
            if (path.kind === 'ambiguous') throw new SegmentError(`${entity} is reached from ${this.audience} by ${path.paths.length} equally short paths`);
            const where = event.where ? this.scoped(entity, via, event.where, false) : undefined;
            return { path: path.steps, entity, time, none: event.none, ...(within ? { within } : {}), ...(where ? { where } : {}) };
        });
        return { steps };
    }

    private viaOf(refs: readonly ast.AttributeRef[]): Set<string> {
        const via = new Set<string>();
        for (const ref of refs) {
            const a = this.attributeOf(ref);
            if (a.target === undefined) throw new SegmentError(`via ${a.entity}.${a.name} is not a relationship`);
            via.add(`${a.entity}.${a.name}`);
        }
        return via;
    }

    private scoped(root: string, via: ReadonlySet<string>, node: ast.Condition, inAggregate: boolean): { scope: Scope; condition: Cond } {
        const scope: Scope = { root, via, nodes: [{ entity: root, parent: -1 }] };
        const condition = this.condition(node, scope, inAggregate);
        return { scope, condition };
    }

    /** The scope node standing for `entity`, joined along its shortest path on first use. */
    private attach(scope: Scope, entity: string): number {
        const existing = scope.nodes.findIndex(n => n.entity === entity);
        if (existing >= 0) return existing;
        const path = shortestPath(this.schema, scope.root, entity, scope.via);
        if (path.kind === 'none') throw new SegmentError(`no path from ${scope.root} to ${entity}`);
        if (path.kind === 'ambiguous') throw new SegmentError(`${entity} is reached from ${scope.root} by ${path.paths.length} equally short paths`);
        let parent = 0;
        for (const step of path.steps) {
            this.schema.entity(step.to);
            const at = scope.nodes.findIndex(n => n.entity === step.to);
            if (at >= 0) {
                const n = scope.nodes[at];
                if (n.parent !== parent || n.step?.rel.id !== step.rel.id) throw new SegmentError(`${step.to} is reached by two different paths`);
                parent = at;
            } else {
                scope.nodes.push({ entity: step.to, parent, step });
                parent = scope.nodes.length - 1;
            }
        }
        return parent;
    }

    private attributeOf(ref: ast.AttributeRef | undefined): RefAttribute {
        const target = ref?.attribute?.ref;
        if (!ref || !target) throw new SegmentError(`unresolved attribute ${ref?.attribute?.$refText ?? ''}`);
        if (!ast.isAttribute(target)) throw new SegmentError(`${ref.entity?.$refText ?? ''}.${ref.attribute.$refText} is a measure, not an attribute`);
        const entity = target.$container.name;
        if (ref.entity && ref.entity.ref?.name !== entity) throw new SegmentError(`unresolved attribute ${ref.entity.$refText}.${ref.attribute.$refText}`);
        return this.schema.attribute(entity, target.name);
    }

    private condition(node: ast.Condition, scope: Scope, inAggregate: boolean): Cond {
        if (ast.isAndCondition(node) || ast.isOrCondition(node)) {
            return { k: ast.isAndCondition(node) ? 'and' : 'or', a: this.condition(node.left, scope, inAggregate), b: this.condition(node.right, scope, inAggregate) };
        }
        if (ast.isNotCondition(node)) return { k: 'not', c: this.condition(node.operand, scope, inAggregate) };
        if (ast.isAttributeRef(node) || ast.isCountAggregate(node) || ast.isValueAggregate(node)) {
            throw new SegmentError('incomplete condition: a value with no comparison');
        }
        if (ast.isSegmentCondition(node)) {
            // Reference 6.5: true for the joined record of ENTITY when it is (not) a member of NAME, whose audience is ENTITY.
            const entity = node.entity?.ref?.name;
            const target = node.segment?.ref;
            if (!entity || !target) throw new SegmentError('unresolved in segment');
            this.schema.entity(entity);
            if (this.segments.audienceOf(target.name) !== entity) throw new SegmentError(`${target.name} is not a segment of ${entity}`);
            return { k: 'member', node: this.attach(scope, entity), entity, members: this.segments.membersOf(target.name), negated: node.negated };
        }
        const left = this.operand(node.left, scope, inAggregate);
        const type = left.type;
        if (ast.isCompareCondition(node)) {
            if (type === 'boolean' && node.operator !== '=' && node.operator !== '!=') throw new SegmentError(`${node.operator} on a boolean`);
            if (ast.isAttributeValue(node.right)) return this.compareValues(left, node.operator, node.right, scope, inAggregate);
            return { k: 'compare', left, op: node.operator, right: this.value(node.right, type) };
        }
        if (ast.isInCondition(node)) {
            return { k: 'in', left, values: node.values.map(v => this.value(v, type)), negated: node.negated };
        }
        if (ast.isBetweenCondition(node)) {
            if (type === 'boolean') throw new SegmentError('between on a boolean');
            return { k: 'between', left, low: this.value(node.low, type), high: this.value(node.high, type) };
        }
        if (ast.isTextCondition(node)) {
            if (type !== 'text') throw new SegmentError(`${node.operator} on ${type}`);
            const right = this.value(node.right, 'text');
            if (right.type !== 'text') throw new SegmentError('text operator needs a text');
            const op = node.operator.replace(/\s+/g, '');
            const mode = op === 'contains' ? 'contains' : op.startsWith('starts') ? 'starts' : op.startsWith('ends') ? 'ends' : undefined;
            if (!mode) throw new Error(`unknown text operator ${node.operator}`);
            return { k: 'match', left, mode, text: right.v };
        }
        if (ast.isEmptyCondition(node)) return { k: 'empty', left, negated: node.negated };
        if (ast.isWindowCondition(node)) {
            if (!isTime(type)) throw new SegmentError(`in ${node.direction} on ${type}`);
            const unit = unitOfWord(node.unit);
            if (type === 'date' && (unit === 'hour' || unit === 'minute')) throw new SegmentError('a date window in hours or minutes');
            const here = parseInstant(type === 'date' ? this.clock.today : this.clock.now)!;
            const there = shift(here, node.direction === 'last' ? -node.amount : node.amount, unit);
            const fmt = (i: Instant): Value => (type === 'date' ? { type: 'date', v: formatDate(i) } : { type: 'datetime', v: formatDateTime(i) });
            return node.direction === 'last'
                ? { k: 'between', left, low: fmt(there), high: fmt(here) }
                : { k: 'between', left, low: fmt(here), high: fmt(there) };
        }
        if (ast.isOrderCondition(node)) {
            if (!isTime(type)) throw new SegmentError(`${node.operator} on ${type}`);
            const op = node.operator === 'before' ? '<' : '>';
            if (ast.isAttributeValue(node.right)) return this.compareValues(left, op, node.right, scope, inAggregate);
            return { k: 'compare', left, op, right: this.value(node.right, type) };
        }
        throw new Error(`unknown condition ${(node as ast.Condition).$type}`);
    }

    /**
     * `left op E.A + offsets` (reference, 6.2): the right attribute or measure read from the same
     * records; types fit as for values; offsets only on dates and datetimes, hours and minutes
     * only on datetimes.
     */
    private compareValues(left: Operand, op: ast.CompareOperator, node: ast.AttributeValue, scope: Scope, inAggregate: boolean): Cond {
        const operand = this.operand(node.attribute, scope, inAggregate);
        const offsets = node.offsets.map(o => {
            const unit = unitOfWord(o.unit);
            if (!isTime(operand.type)) throw new SegmentError(`a ${operand.type} moved by ${o.unit}`);
            if (operand.type === 'date' && (unit === 'hour' || unit === 'minute')) throw new SegmentError('a date moved by hours or minutes');
            if ((unit === 'month' || unit === 'year') && !Number.isInteger(o.amount)) throw new SegmentError('months and years move by whole numbers');
            return { n: o.sign === '-' ? -o.amount : o.amount, unit };
        });
        const fits = isTime(left.type) ? isTime(operand.type) : left.type === operand.type;
        if (!fits) throw new SegmentError(`a ${left.type} compared with a ${operand.type}`);
        return { k: 'compareValues', left, op, right: { operand, offsets } };
    }

    /** A measure a `top` step orders by (reference, 6.6), checked as any other use of it. */
    measureOf(node: ast.Measure): Measure {
        return this.measure(node);
    }

    /** A measure's definition, checked once: its aggregate with its entity in the audience's place, `via` as on a group. */
    private measure(node: ast.Measure): Measure {
        const known = this.measures.get(node);
        if (known) return known;
        const entity = node.entity?.ref?.name;
        if (!entity || !node.aggregate) throw new SegmentError('unresolved measure');
        if (this.schema.entity(entity).attributes.some(a => a.name === node.name)) throw new SegmentError(`${entity} has an attribute ${node.name}: a measure cannot take its name`);
        const via = new Set<string>();
        for (const ref of node.via) {
            const a = this.attributeOf(ref);
            if (a.target === undefined) throw new SegmentError(`via ${a.entity}.${a.name} is not a relationship`);
            via.add(`${a.entity}.${a.name}`);
        }
        const scope: Scope = { root: entity, via, nodes: [{ entity, parent: -1 }] };
        // Reference 6.4: a measure may not appear inside an aggregate, nor in another measure.
        const aggregate = this.operand(node.aggregate, scope, false, true);
        if (aggregate.kind !== 'aggregate') throw new Error('a measure is an aggregate');
        const measure: Measure = { name: `${entity}.${node.name}`, entity, aggregate };
        this.measures.set(node, measure);
        return measure;
    }

    private operand(node: ast.Operand, scope: Scope, inAggregate: boolean, inMeasure = false): Operand {
        if (ast.isAttributeRef(node)) {
            const target = node.attribute?.ref;
            if (ast.isMeasure(target)) {
                if (inAggregate || inMeasure) throw new SegmentError('a measure inside an aggregate or a measure');
                const measure = this.measure(target);
                return { kind: 'measure', node: this.attach(scope, measure.entity), measure, type: measure.aggregate.type };
            }
            const attribute = this.attributeOf(node);
            return { kind: 'attribute', node: this.attach(scope, attribute.entity), attribute, type: attribute.type };
        }
        if (inAggregate) throw new SegmentError('an aggregate inside an aggregate');
        let entity: string;
        let attribute: RefAttribute | undefined;
        let type: AttrType;
        if (ast.isCountAggregate(node)) {
            const e = node.entity?.ref;
            if (!e) throw new SegmentError('unresolved entity');
            entity = e.name;
            this.schema.entity(entity);
            type = 'number';
        } else {
            if (ast.isMeasure(node.attribute?.attribute?.ref)) throw new SegmentError('a measure inside an aggregate');
            attribute = this.attributeOf(node.attribute);
            entity = attribute.entity;
            const allowed: AttrType[] = node.function === 'sum' || node.function === 'avg' ? ['number'] : ['number', 'date', 'datetime'];
            if (!allowed.includes(attribute.type)) throw new SegmentError(`${node.function} of ${attribute.type}`);
            type = node.function === 'sum' || node.function === 'avg' ? 'number' : attribute.type;
        }
        const path = shortestPath(this.schema, scope.root, entity, scope.via);
        if (path.kind === 'none') throw new SegmentError(`no path from ${scope.root} to ${entity}`);
        if (path.kind === 'ambiguous') throw new SegmentError(`${entity} is reached from ${scope.root} by ${path.paths.length} equally short paths`);
        for (const step of path.steps) this.schema.entity(step.to);
        const where = node.where ? this.scoped(entity, scope.via, node.where, true) : undefined;
        return { kind: 'aggregate', fn: node.function, path: path.steps, entity, ...(attribute ? { attribute } : {}), ...(where ? { where } : {}), type };
    }

    /** A literal, checked against the type of the value it is compared with. */
    private value(node: ast.Value, expected: AttrType): Value {
        let v: Value;
        if (ast.isStringLiteral(node)) v = { type: 'text', v: node.value };
        else if (ast.isNumberLiteral(node)) v = numberLiteral(node);
        else if (ast.isBooleanLiteral(node)) v = { type: 'boolean', v: node.value };
        else v = this.time(node);
        const fits = isTime(expected) ? v.type === 'date' || v.type === 'datetime' : expected === v.type;
        if (!fits) throw new SegmentError(`a ${v.type} compared with a ${expected}`);
        return v;
    }

    private time(node: ast.TimeExpression): Value {
        const base = node.base;
        let text: string;
        let type: 'date' | 'datetime';
        if (ast.isTodayLiteral(base)) { text = this.clock.today; type = 'date'; }
        else if (ast.isNowLiteral(base)) { text = this.clock.now; type = 'datetime'; }
        else if (ast.isDateLiteral(base)) { text = base.value; type = 'date'; }
        else { text = base.value; type = 'datetime'; }
        let instant = parseInstant(text);
        if (!instant || (type === 'date') !== DATE_RE.test(text)) throw new SegmentError(`${text} is not a valid ${type}`);
        for (const o of node.offsets) {
            const unit = unitOfWord(o.unit);
            if (type === 'date' && (unit === 'hour' || unit === 'minute')) throw new SegmentError('a date moved by hours or minutes');
            if ((unit === 'month' || unit === 'year') && !Number.isInteger(o.amount)) throw new SegmentError('months and years move by whole numbers');
            instant = shift(instant, o.sign === '-' ? -o.amount : o.amount, unit);
        }
        return type === 'date' ? { type, v: formatDate(instant) } : { type, v: formatDateTime(instant) };
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation over rows

class Data {
    private readonly indexes = new Map<string, Map<string, Row[]>>();
    private readonly existing = new Map<string, readonly Row[]>();

    constructor(private readonly schema: RefSchema, private readonly tables: Tables, private readonly clock: ReferenceClock) {}

    /**
     * The records of `entity` that exist at the clock's instant (reference 6.1): for an event
     * entity, those whose time is not after `now` (a date time: not after `today`); a record
     * whose time is missing or unreadable does not exist. Every other read goes through here,
     * so a record that does not exist is in no group, aggregate or membership, and relates
     * nothing.
     */
    rows(entity: string): readonly Row[] {
        const known = this.existing.get(entity);
        if (known) return known;
        const table = this.schema.entity(entity).table;
        const rows = this.tables[table];
        if (!rows) throw new Error(`no table ${table}`);
        const time = this.schema.timeAttribute(entity);
        const result = time === undefined ? rows : rows.filter(r => this.existsAt(r, time));
        this.existing.set(entity, result);
        return result;
    }

    private existsAt(row: Row, time: RefAttribute): boolean {
        const value = readCell(row, time);
        if (value === undefined) return false;
        const instant: Value = time.type === 'date'
            ? { type: 'date', v: this.clock.today }
            : { type: 'datetime', v: formatDateTime(parseInstant(this.clock.now)!) };
        return order(value, instant) <= 0;
    }

    /**
     * The records of `step.to` related to `row` (a record of `step.from`) by the step's foreign
     * key: both sides read as keys of the entity the foreign key points to; a value that is no
     * key relates nothing.
     */
    related(row: Row, step: RefStep): readonly Row[] {
        const forward = step.rel.from === step.from;
        const keyType = this.keyType(step.rel.to);
        // Forward: the target's key equals the row's foreign key. Backward: the target's foreign key equals the row's key.
        const value = readKey(forward ? row[step.rel.column] : row[this.keyColumn(step.from)], keyType);
        if (value === undefined) return [];
        const matchColumn = forward ? this.keyColumn(step.to) : step.rel.column;
        const indexName = `${step.to}\u0000${matchColumn}`;
        let index = this.indexes.get(indexName);
        if (!index) {
            index = new Map();
            for (const r of this.rows(step.to)) {
                const k = readKey(r[matchColumn], keyType);
                if (k === undefined) continue;
                const list = index.get(keyId(k));
                if (list) list.push(r); else index.set(keyId(k), [r]);
            }
            this.indexes.set(indexName, index);
        }
        return index.get(keyId(value)) ?? [];
    }

    keyColumn(entity: string): string {
        return this.schema.keyAttribute(entity).column;
    }

    keyType(entity: string): 'number' | 'text' {
        return this.schema.keyAttribute(entity).type === 'number' ? 'number' : 'text';
    }

    /** The key of a record of `entity`, or undefined when its stored key is no key. */
    keyOf(entity: string, row: Row): ReferenceKey | undefined {
        return readKey(row[this.keyColumn(entity)], this.keyType(entity));
    }
}


class Evaluator {
    private readonly aggregates = new Map<Aggregate, Map<Row, Value | undefined>>();

    constructor(private readonly data: Data) {}

    /** Is there one record per scope node, related along the tree to `root`, making `condition` true? */
    exists(scope: Scope, root: Row, condition: Cond): boolean {
        const records: Row[] = new Array<Row>(scope.nodes.length);
        records[0] = root;
        const fill = (i: number): boolean => {
            if (i === scope.nodes.length) return this.test(condition, records, root);
            const node = scope.nodes[i];
            for (const candidate of this.data.related(records[node.parent], node.step!)) {
                records[i] = candidate;
                if (fill(i + 1)) return true;
            }
            return false;
        };
        return fill(1);
    }

    /**
     * Is the profile (the rows of one key) in the sequence? As the reference words it: records
     * r1, ..., rn, one per step, of its step's entity, related to the profile and satisfying its
     * `where`, with t(r1) < t(r2) < ... < t(rn) and t(rk) <= t(r(k-1)) + N UNIT for a step with
     * `within`; for a last `no` step, records r1, ..., r(n-1) as above with no record of the `no`
     * step after t(r(n-1)) (and, with `within`, at most N UNIT after it). Every chain is tried.
     */
    inSequence(sequence: CheckedSequence, profiles: readonly Row[]): boolean {
        const times = sequence.steps.map(step => this.stepTimes(step, profiles));
        const holds = (k: number, previous: string | undefined): boolean => {
            if (k === sequence.steps.length) return true;
            const step = sequence.steps[k];
            const fits = (t: string): boolean => previous === undefined || (t > previous && (step.within === undefined || t <= later(previous, step.within)));
            if (step.none) return !times[k].some(fits);
            return times[k].some(t => fits(t) && holds(k + 1, t));
        };
        return holds(0, undefined);
    }

    /**
     * t(r) of every record of a step related to the profile (the profile's own rows when the step
     * is the audience) and satisfying its `where`, as `YYYY-MM-DD HH:MM:SS.mmm` (a date at
     * 00:00:00); a record without a readable time has no place in a chain.
     */
    private stepTimes(step: SequenceStepCheck, profiles: readonly Row[]): string[] {
        let records: Row[] = [...profiles];
        for (const s of step.path) {
            const next = new Set<Row>();
            for (const r of records) for (const x of this.data.related(r, s)) next.add(x);
            records = [...next];
        }
        const times: string[] = [];
        for (const r of records) {
            if (step.where && !this.exists(step.where.scope, r, step.where.condition)) continue;
            const v = readCell(r, step.time);
            if (v === undefined) continue;
            if (v.type === 'date') times.push(`${v.v} 00:00:00.000`);
            else if (v.type === 'datetime') times.push(v.v);
        }
        return times;
    }

    private test(c: Cond, records: readonly Row[], root: Row): boolean {
        switch (c.k) {
            case 'and': return this.test(c.a, records, root) && this.test(c.b, records, root);
            case 'or': return this.test(c.a, records, root) || this.test(c.b, records, root);
            case 'not': return !this.test(c.c, records, root);
            case 'empty': {
                const v = this.operand(c.left, records, root);
                const empty = v === undefined || (v.type === 'text' && v.v === '');
                return c.negated ? !empty : empty;
            }
            case 'member': {
                // A record whose key is missing is no member of any segment.
                const key = this.data.keyOf(c.entity, records[c.node]);
                const member = key !== undefined && c.members.has(keyId(key));
                return c.negated ? !member : member;
            }
            case 'compareValues': {
                let left = this.operand(c.left, records, root);
                let right = this.operand(c.right.operand, records, root);
                // A comparison with a missing value on either side is false.
                if (left === undefined || right === undefined) return false;
                // The offsets first, in the right side's own type (months clamped to the month's end).
                for (const { n, unit } of c.right.offsets) right = shiftValue(right, n, unit);
                // A decimal sum or average against another number: the other read as stored numbers are, in decimal units.
                if (left.type === 'decimal' && right.type === 'number') right = { type: 'decimal', units: decimalUnits(right) };
                if (right.type === 'decimal' && left.type === 'number') left = { type: 'decimal', units: decimalUnits(left) };
                // `order` compares a datetime with a date by its calendar date.
                return compareWith(c.op, left, right);
            }
            default: {
                const v = this.operand(c.left, records, root);
                if (v === undefined) return false; // two-valued logic: a missing value makes every comparison false
                switch (c.k) {
                    case 'compare': return compareWith(c.op, v, c.right);
                    case 'in': {
                        const found = c.values.some(x => order(v, x) === 0);
                        return c.negated ? !found : found;
                    }
                    case 'between': return order(c.low, v) <= 0 && order(v, c.high) <= 0;
                    case 'match': {
                        if (v.type !== 'text') throw new Error('match on a non-text');
                        const s = asciiLower(v.v);
                        const t = asciiLower(c.text);
                        return c.mode === 'contains' ? s.includes(t) : c.mode === 'starts' ? s.startsWith(t) : s.endsWith(t);
                    }
                }
            }
        }
    }

    /** A measure's value for a record of its entity (for `top ... by`). */
    measureValue(m: Measure, record: Row): Value | undefined {
        return this.operand({ kind: 'measure', node: 0, measure: m, type: m.aggregate.type }, [record], record);
    }

    private operand(o: Operand, records: readonly Row[], root: Row): Value | undefined {
        if (o.kind === 'attribute') return readCell(records[o.node], o.attribute);
        // An aggregate is counted for the scope's root; a measure for the record it is read on.
        const aggregate = o.kind === 'measure' ? o.measure.aggregate : o;
        const record = o.kind === 'measure' ? records[o.node] : root;
        let cache = this.aggregates.get(aggregate);
        if (!cache) { cache = new Map(); this.aggregates.set(aggregate, cache); }
        if (cache.has(record)) return cache.get(record);
        const value = this.aggregate(aggregate, record);
        cache.set(record, value);
        return value;
    }

    /** The aggregate over the distinct records of its entity related to `root`. */
    private aggregate(a: Aggregate, root: Row): Value | undefined {
        let records: Row[] = [root];
        for (const step of a.path) {
            const next = new Set<Row>();
            for (const r of records) for (const x of this.data.related(r, step)) next.add(x);
            records = [...next];
        }
        if (a.where) {
            const where = a.where;
            records = records.filter(r => this.exists(where.scope, r, where.condition));
        }
        if (a.fn === 'count') return { type: 'number', v: records.length };
        const values = records.map(r => readCell(r, a.attribute!)).filter((v): v is Value => v !== undefined);
        switch (a.fn) {
            case 'sum':
            case 'avg': {
                // Decimal arithmetic (section 4.2): exact units of 10^-10, whatever the order of the records.
                let total = 0n;
                for (const v of values) {
                    if (v.type !== 'number') throw new Error(`${a.fn} of a ${v.type}`);
                    total += decimalUnits(v);
                }
                if (a.fn === 'sum') return { type: 'decimal', units: total };
                return values.length === 0 ? undefined : { type: 'decimal', units: divideRounded(total, BigInt(values.length)) };
            }
            case 'min':
            case 'max': {
                let best: Value | undefined;
                for (const v of values) {
                    if (best === undefined || (a.fn === 'min' ? order(v, best) < 0 : order(v, best) > 0)) best = v;
                }
                return best;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Segments

function collect(model: ReferenceModel): { entities: ast.Entity[]; segments: Map<string, ast.Segment> } {
    if ('entities' in model && !Array.isArray(model) && model.entities instanceof Map) {
        const m = model as { readonly entities: ReadonlyMap<string, ast.Entity>; readonly segments: ReadonlyMap<string, ast.Segment> };
        return { entities: [...m.entities.values()], segments: new Map(m.segments) };
    }
    const models: readonly ast.Model[] = Array.isArray(model) ? model : [model as ast.Model];
    const entities: ast.Entity[] = [];
    const segments = new Map<string, ast.Segment>();
    for (const m of models) {
        entities.push(...m.entities);
        for (const s of m.segments) {
            if (segments.has(s.name)) throw new SegmentError(`two segments named ${s.name}`);
            segments.set(s.name, s);
        }
    }
    return { entities, segments };
}

/** Ascending key order: numbers by value before text, text by code point. */
export function compareKeys(a: ReferenceKey, b: ReferenceKey): number {
    if (typeof a === 'string' || typeof b === 'string') {
        if (typeof a !== 'string') return -1;
        if (typeof b !== 'string') return 1;
        return compareCodePoints(a, b);
    }
    const integral = (k: number | bigint): boolean => typeof k === 'bigint' || Number.isInteger(k);
    if (integral(a) && integral(b)) {
        const [x, y] = [BigInt(a), BigInt(b)];
        return x < y ? -1 : x > y ? 1 : 0;
    }
    // A non-integer is a JavaScript number, far from any bigint key: compare as numbers.
    const [x, y] = [Number(a), Number(b)];
    return x < y ? -1 : x > y ? 1 : 0;
}

/** A set of member keys, by `keyId` (so `5` and `"5"` of a number key are one member). */
type KeySet = Map<string, ReferenceKey>;

/** The first column of a CSV text with a header row (RFC 4180 quoting), blank cells skipped. */
export function csvFirstColumn(text: string): string[] {
    const cells: string[] = [];
    let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    let line = 0;
    while (i < text.length) {
        let cell = '';
        if (text[i] === '"') {
            i++;
            while (i < text.length) {
                if (text[i] === '"' && text[i + 1] === '"') { cell += '"'; i += 2; } else if (text[i] === '"') { i++; break; } else { cell += text[i]; i++; }
            }
        }
        // The rest of the first cell (unquoted part), then skip to the end of the record.
        let inQuotes = false;
        let first = true;
        while (i < text.length) {
            const ch = text[i];
            if (inQuotes) {
                if (ch === '"' && text[i + 1] === '"') i++;
                else if (ch === '"') inQuotes = false;
            } else if (ch === '"') inQuotes = true;
            else if (ch === ',') first = false;
            else if (ch === '\n' || ch === '\r') break;
            else if (first) cell += ch;
            i++;
        }
        if (text[i] === '\r' && text[i + 1] === '\n') i += 2; else i++;
        if (line > 0 && cell.trim() !== '') cells.push(cell.trim());
        line++;
    }
    return cells;
}

class SegmentEvaluator {
    private readonly schema: RefSchema;
    private readonly segments: Map<string, ast.Segment>;
    private readonly data: Data;
    private readonly results = new Map<string, KeySet>();

    constructor(model: ReferenceModel, tables: Tables, private readonly clock: ReferenceClock) {
        const { entities, segments } = collect(model);
        this.schema = schemaFromAst(entities);
        this.segments = segments;
        this.data = new Data(this.schema, tables, clock);
    }

    audienceOf(name: string, seen: ReadonlySet<string> = new Set()): string {
        const segment = this.segments.get(name);
        if (!segment) throw new SegmentError(`unknown segment ${name}`);
        if (seen.has(name)) throw new SegmentError(`${name} refers to itself`);
        const declared = segment.properties.filter(ast.isAudienceProperty);
        if (declared.length > 1) throw new SegmentError('audience given twice');
        let audience = declared[0] ? declared[0].entity?.ref?.name : undefined;
        if (declared[0] && audience === undefined) throw new SegmentError('unresolved audience');
        if (ast.isCompoundSegment(segment)) {
            const inner = new Set([...seen, name]);
            for (const part of segment.parts) {
                const ref = part.segment?.ref;
                if (!ref) throw new SegmentError(`unresolved segment ${part.segment?.$refText ?? ''}`);
                const other = this.audienceOf(ref.name, inner);
                audience ??= other;
                if (other !== audience) throw new SegmentError(`${ref.name} returns ${other}, ${name} returns ${audience}`);
            }
        }
        if (audience === undefined) throw new SegmentError(`${name} has no audience`);
        this.schema.entity(audience);
        return audience;
    }

    /**
     * What `show` lists next to each of `keys` (members of segment `name`): per shown attribute,
     * every stored value it may show, as stored (`null` for a missing one). The attribute is the
     * member's own, or that of the record it refers to along its foreign keys (section 3); only
     * records that exist at the instant are read (6.1), so a record referred to that does not
     * exist shows nothing. Several values when the data holds a key twice (any of its rows).
     */
    show(name: string, keys: readonly ReferenceKey[]): (readonly CellValue[])[][] {
        const segment = this.segments.get(name);
        if (!segment) throw new SegmentError(`unknown segment ${name}`);
        const audience = this.audienceOf(name);
        const property = segment.properties.find(ast.isShowProperty);
        const columns = (property?.attributes ?? []).map(ref => {
            const target = ref.attribute?.ref;
            if (!target || !ast.isAttribute(target)) throw new SegmentError('only attributes are shown here');
            const attribute = this.schema.attribute(target.$container.name, target.name);
            const path = shortestPath(this.schema, audience, attribute.entity, new Set());
            if (path.kind !== 'found' || path.steps.some(step => step.rel.from !== step.from)) {
                throw new SegmentError(`${attribute.entity}.${attribute.name} has no single value for a ${audience}`);
            }
            for (const step of path.steps) this.schema.entity(step.to);
            return { attribute, steps: path.steps };
        });
        const rowsOf = new Map<string, Row[]>();
        for (const row of this.data.rows(audience)) {
            const key = this.data.keyOf(audience, row);
            if (key === undefined) continue;
            const list = rowsOf.get(keyId(key));
            if (list) list.push(row); else rowsOf.set(keyId(key), [row]);
        }
        return keys.map(key => columns.map(({ attribute, steps }) => {
            const values: CellValue[] = [];
            for (const row of rowsOf.get(keyId(key)) ?? []) {
                let records: readonly Row[] = [row];
                for (const step of steps) records = records.flatMap(r => this.data.related(r, step));
                if (records.length === 0) values.push(null);
                for (const r of records) values.push(r[attribute.column] ?? null);
            }
            return values;
        }));
    }

    keys(name: string, seen: ReadonlySet<string> = new Set()): KeySet {
        const cached = this.results.get(name);
        if (cached) return cached;
        if (seen.has(name)) throw new SegmentError(`${name} refers to itself`);
        const segment = this.segments.get(name);
        if (!segment) throw new SegmentError(`unknown segment ${name}`);
        for (const kind of ['TitleProperty', 'DescriptionProperty', 'AudienceProperty', 'StatusProperty', 'ShowProperty']) {
            if (segment.properties.filter(p => p.$type === kind).length > 1) throw new SegmentError(`${kind} given twice`);
        }
        const audience = this.audienceOf(name);
        const result = this.evaluate(segment, audience, new Set([...seen, name]));
        this.results.set(name, result);
        return result;
    }

    private evaluate(segment: ast.Segment, audience: string, seen: ReadonlySet<string>): KeySet {
        const keyAttribute = this.schema.keyAttribute(audience);
        const keyType = keyAttribute.type === 'number' ? 'number' : 'text';
        const profiles = this.data.rows(audience);
        // A row whose stored key is no key is no member.
        const keyOf = (row: Row): ReferenceKey | undefined => this.data.keyOf(audience, row);
        if (ast.isStaticSegment(segment)) {
            const members = segment.members;
            let listed: ReferenceKey[];
            if (members.file !== undefined) {
                const doc = AstUtils.getDocument(segment);
                const file = isAbsolute(members.file) ? members.file : resolve(dirname(doc.uri.fsPath), members.file);
                const cells = csvFirstColumn(readFileSync(file, 'utf8'));
                listed = cells.map(c => readKey(c, keyType)).filter((k): k is ReferenceKey => k !== undefined);
            } else {
                listed = members.keys.map(k => (ast.isNumberLiteral(k) ? readKey(literalText(k), 'number') ?? Number.NaN : k.value));
                const expected = keyAttribute.type === 'number' ? 'number' : 'string';
                if (listed.some(k => (typeof k === 'string' ? 'string' : 'number') !== expected)) throw new SegmentError('member keys of the wrong type');
            }
            const existing = new Set(profiles.map(keyOf).filter((k): k is ReferenceKey => k !== undefined).map(keyId));
            return new Map(listed.filter(k => existing.has(keyId(k))).map(k => [keyId(k), k]));
        }
        if (ast.isDynamicSegment(segment)) {
            const checker = new Checker(this.schema, this.clock, audience, {
                audienceOf: other => this.audienceOf(other),
                // Evaluated at the same instant; a segment reached again while it is evaluated refers to itself.
                membersOf: other => this.keys(other, seen)
            });
            // Check every group, sequence and step before evaluating any: a segment with an error never runs.
            const blocks = segment.groups.map(g => (ast.isSequence(g)
                ? { operator: g.operator, sequence: checker.sequence(g) }
                : { operator: g.operator, group: checker.group(g) }));
            const steps = checkSteps(segment, audience, this.schema, checker);
            const evaluator = new Evaluator(this.data);
            // A key stored twice is one profile: its records are those of either row.
            const byKey = new Map<string, { key: ReferenceKey; rows: Row[] }>();
            for (const p of profiles) {
                const key = keyOf(p);
                if (key === undefined) continue;
                const entry = byKey.get(keyId(key));
                if (entry) entry.rows.push(p); else byKey.set(keyId(key), { key, rows: [p] });
            }
            let acc: KeySet = new Map();
            blocks.forEach((b, i) => {
                const members: KeySet = new Map();
                for (const [id, { key, rows }] of byKey) {
                    // A group: any of the key's rows passing makes it a member.
                    const passes = b.group ? rows.some(p => evaluator.exists(b.group.scope, p, b.group.condition)) : evaluator.inSequence(b.sequence, rows);
                    if (passes) members.set(id, key);
                }
                acc = i === 0 ? members : combine(acc, b.operator ?? 'union', members);
            });
            return applySteps(steps, acc, profiles, keyOf, evaluator);
        }
        const checker = new Checker(this.schema, this.clock, audience, { audienceOf: other => this.audienceOf(other), membersOf: other => this.keys(other, seen) });
        const steps = checkSteps(segment, audience, this.schema, checker);
        let acc: KeySet = new Map();
        segment.parts.forEach((part, i) => {
            const ref = part.segment?.ref;
            if (!ref) throw new SegmentError('unresolved segment');
            const keys = this.keys(ref.name, seen);
            acc = i === 0 ? new Map(keys) : combine(acc, part.operator ?? 'union', keys);
        });
        return applySteps(steps, acc, profiles, keyOf, new Evaluator(this.data));
    }
}

function combine(left: ReadonlyMap<string, ReferenceKey>, operator: string, right: ReadonlyMap<string, ReferenceKey>): KeySet {
    switch (operator) {
        case 'union': return new Map([...left, ...right]);
        case 'intersect': return new Map([...left].filter(([id]) => right.has(id)));
        case 'exclude': return new Map([...left].filter(([id]) => !right.has(id)));
        default: throw new Error(`unknown set operator ${operator}`);
    }
}

// ---------------------------------------------------------------------------------------------
// Steps (reference, 6.6): `top N [%] by A [asc|desc]` and `sample P% [seed "S"]`, left to right

/** What a `top` step orders by: an attribute, or a measure, of the audience. */
type TopBy = { readonly kind: 'attribute'; readonly attribute: RefAttribute } | { readonly kind: 'measure'; readonly measure: Measure };

type CheckedStep =
    | { readonly k: 'top'; readonly by: TopBy; readonly descending: boolean; readonly count?: bigint; readonly hundredths?: bigint }
    | { readonly k: 'sample'; readonly hundredths: bigint; readonly seed: string };

/** The amount of a step as written (`top 12.50 %` gives `12.50`): the parsed number rounds long digits. */
function stepAmountText(step: ast.TopStep | ast.SampleStep): string {
    const text = (step.$cstNode?.text ?? '').replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
    return /^\s*(?:top|sample)\s+(\d+(?:\.\d+)?)/.exec(text)?.[1] ?? String(step.amount);
}

/** An amount times 100, exactly; undefined when that is not a whole number. */
function timesHundred(text: string): bigint | undefined {
    const d = parseDecimal(text);
    const scaled = d.digits * 100n;
    const unit = pow10(d.scale);
    return scaled % unit === 0n ? scaled / unit : undefined;
}

/** "P is from 0 (none) to 100 (all), with at most two decimals." */
function shareOf(step: ast.TopStep | ast.SampleStep): bigint {
    const text = stepAmountText(step);
    const hundredths = timesHundred(text);
    if (hundredths === undefined) throw new SegmentError(`${text}% has more than two decimals`);
    if (hundredths > 10000n) throw new SegmentError(`${text}% is more than 100%`);
    return hundredths;
}

/** Every step of a segment checked before anything is evaluated: a segment with an error never runs. */
function checkSteps(segment: ast.DynamicSegment | ast.CompoundSegment, audience: string, schema: RefSchema, checker: Checker): CheckedStep[] {
    return segment.steps.map((step): CheckedStep => {
        if (ast.isSampleStep(step)) return { k: 'sample', hundredths: shareOf(step), seed: step.seed ?? segment.name };
        const target = step.attribute?.attribute?.ref;
        if (!target) throw new SegmentError('unresolved attribute of a top step');
        const entity = ast.isMeasure(target) ? target.entity?.ref?.name : target.$container.name;
        if (entity !== audience) throw new SegmentError(`top by ${entity ?? '?'}.${target.name}, not an attribute or measure of the audience ${audience}`);
        const by: TopBy = ast.isMeasure(target) ? { kind: 'measure', measure: checker.measureOf(target) } : { kind: 'attribute', attribute: schema.attribute(entity, target.name) };
        const descending = step.order !== 'asc';
        if (step.percent) return { k: 'top', by, descending, hundredths: shareOf(step) };
        const n = timesHundred(stepAmountText(step));
        if (n === undefined || n % 100n !== 0n) throw new SegmentError(`top ${stepAmountText(step)}: not a whole number of members`);
        return { k: 'top', by, descending, count: n / 100n };
    });
}

/** 32-bit FNV-1a (offset basis 2166136261, prime 16777619) of bytes, in exact integers. */
export function fnv1a(bytes: Uint8Array): bigint {
    let h = 2166136261n;
    for (const b of bytes) h = ((h ^ BigInt(b)) * 16777619n) % 4294967296n;
    return h;
}

/**
 * text(k): a text key as it is; a number as the shortest decimal that reads back as it, digits
 * with an optional `-` and one `.`, never an exponent or a trailing `.0`; `-0` is `0`.
 */
export function keyText(k: ReferenceKey): string {
    if (typeof k === 'string') return k;
    if (typeof k === 'bigint') return k.toString();
    if (k === 0) return '0';
    // JavaScript writes the shortest digits that read back, with an exponent for very large or small numbers.
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(k));
    if (!m) throw new Error(`cannot write key ${String(k)}`);
    let digits = `${m[2]}${m[3] ?? ''}`;
    let point = m[2].length + Number(m[4] ?? 0);
    while (digits.length > 1 && digits[0] === '0') {
        digits = digits.slice(1);
        point--;
    }
    const body = point <= 0 ? `0.${'0'.repeat(-point)}${digits}`
        : point >= digits.length ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
    return `${m[1]}${body}`;
}

/** Order of `top` values: numbers by value (sums and averages exactly), text by code point, false before true, dates and datetimes as instants (a date at 00:00:00). */
function stepOrder(a: Value, b: Value): number {
    const instant = (v: Value): string | undefined => (v.type === 'date' ? `${v.v} 00:00:00.000` : v.type === 'datetime' ? v.v : undefined);
    const [x, y] = [instant(a), instant(b)];
    if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
    // Numbers (decimal sums and averages among them), text and booleans as comparisons order them.
    return order(a, b);
}

function applySteps(steps: readonly CheckedStep[], members: KeySet, rows: readonly Row[], keyOf: (row: Row) => ReferenceKey | undefined, evaluator: Evaluator): KeySet {
    let acc = members;
    for (const step of steps) {
        if (step.k === 'sample') {
            acc = new Map([...acc].filter(([, k]) => fnv1a(Buffer.from(`${step.seed}/${keyText(k)}`, 'utf8')) % 10000n < step.hundredths));
            continue;
        }
        // Each member's value: among the records holding its key (the project's choice for a key
        // stored twice), the one that comes first; missing only when every record misses it.
        const better = (v: Value, than: Value): boolean => (step.descending ? stepOrder(v, than) > 0 : stepOrder(v, than) < 0);
        const values = new Map<string, Value | undefined>();
        for (const row of rows) {
            const key = keyOf(row);
            if (key === undefined || !acc.has(keyId(key))) continue;
            const v = step.by.kind === 'attribute' ? readCell(row, step.by.attribute) : evaluator.measureValue(step.by.measure, row);
            const known = values.get(keyId(key));
            if (!values.has(keyId(key)) || (v !== undefined && (known === undefined || better(v, known)))) values.set(keyId(key), v);
        }
        // Missing values after all others in both orders; ties by key, ascending.
        const ordered = [...acc].sort(([ia, ka], [ib, kb]) => {
            const [va, vb] = [values.get(ia), values.get(ib)];
            if (va === undefined || vb === undefined) {
                if (va !== vb) return va === undefined ? 1 : -1;
                return compareKeys(ka, kb);
            }
            const c = stepOrder(va, vb);
            return c !== 0 ? (step.descending ? -c : c) : compareKeys(ka, kb);
        });
        const size = BigInt(ordered.length);
        const kept = step.count !== undefined ? (step.count < size ? step.count : size) : (step.hundredths! * size) / 10000n;
        acc = new Map(ordered.slice(0, Number(kept)));
    }
    return acc;
}


/**
 * The keys of segment `segmentName` of `model` on the rows of `tables` (by table and column name),
 * in ascending order. Throws `SegmentError` when the reference says the segment has an error.
 */
export function evaluateReference(model: ReferenceModel, tables: Tables, segmentName: string, clock: ReferenceClock | string): ReferenceKey[] {
    const c = typeof clock === 'string' ? referenceClock(clock) : clock;
    return [...new SegmentEvaluator(model, tables, c).keys(segmentName).values()].sort(compareKeys);
}

/** `SegmentEvaluator.show`: the values `show` may list next to each of `keys`, members of `segmentName`. */
export function evaluateShow(model: ReferenceModel, tables: Tables, segmentName: string, clock: ReferenceClock | string, keys: readonly ReferenceKey[]): (readonly CellValue[])[][] {
    const c = typeof clock === 'string' ? referenceClock(clock) : clock;
    return new SegmentEvaluator(model, tables, c).show(segmentName, keys);
}

/** Every segment of the model evaluated on one set of rows: name to keys, or the error. */
export function evaluateAll(model: ReferenceModel, tables: Tables, clock: ReferenceClock | string): Map<string, ReferenceKey[] | SegmentError> {
    const c = typeof clock === 'string' ? referenceClock(clock) : clock;
    const evaluator = new SegmentEvaluator(model, tables, c);
    const result = new Map<string, ReferenceKey[] | SegmentError>();
    for (const name of collect(model).segments.keys()) {
        try {
            result.set(name, [...evaluator.keys(name).values()].sort(compareKeys));
        } catch (e) {
            if (e instanceof SegmentError) result.set(name, e);
            else throw e;
        }
    }
    return result;
}
