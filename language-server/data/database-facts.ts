import { statSync } from 'node:fs';
import type { KeyValue } from '../../compiler/ir.js';
import { keyLiteral, type Dialect } from '../../compiler/sql/dialect.js';
import { sqliteDialect } from '../../compiler/sql/sqlite-dialect.js';
import type { AttributeType } from '../../compiler/schema.js';
import { UNKNOWN_STORAGE } from '../../compiler/storage.js';
import { readAs } from '../../engine/storage-facts.js';
import type { DatabaseStatus, QueryService, TableInfo } from './query-service.js';

/** What a text column holds: its most frequent values and, when there are not too many, all of them. */
export interface ColumnValues {
    readonly distinct: number;
    readonly top: readonly { readonly value: string; readonly count: number }[];
    /** Every distinct value, or `undefined` when there are more than `MAX_ALL`. */
    readonly all?: ReadonlySet<string>;
}

/** How one column reads as a type: values stored, values that fit no form of the type, a few of those. */
export interface ColumnReading {
    readonly stored: number;
    readonly unreadable: number;
    readonly examples: readonly string[];
}

/** The records of an event entity without a readable time: of how many rows, how many missing or unreadable, a few keys. */
export interface TimelessRecords {
    readonly rows: number;
    readonly missing: number;
    readonly unreadable: number;
    readonly examples: readonly string[];
}

export const readingKey = (column: string, type: AttributeType): string => `${column}\u0000${type}`;

const MAX_ALL = 5000;
const TOP = 20;
const STATUS_TTL_MS = 1000;

/**
 * Facts about the data that checks, completion and hover ask for, cached per database file and
 * modification time. Every query goes through the dialect's quoting: no user text is pasted.
 */
export class DatabaseFacts {
    private readonly statuses = new Map<string, { at: number; stamp: string; status: Promise<DatabaseStatus>; settled?: DatabaseStatus }>();
    private readonly cache = new Map<string, Promise<unknown>>();

    constructor(readonly queries: QueryService, private readonly dialect: Dialect = sqliteDialect) {}

    /**
     * Whether the file can be read. Asked of the query service only when the file changed (its
     * modification time and size, read here: a stat costs microseconds, a round trip to a busy
     * worker can cost far more and would delay every validation); a failure is asked again after a second.
     */
    status(file: string): Promise<DatabaseStatus> {
        const now = Date.now();
        const stamp = fileStamp(file, now);
        const known = this.statuses.get(file);
        if (known && known.stamp === stamp && (known.settled?.kind === 'ok' || now - known.at < STATUS_TTL_MS)) return known.status;
        const entry: { at: number; stamp: string; status: Promise<DatabaseStatus>; settled?: DatabaseStatus } = {
            at: now, stamp,
            status: this.queries.status(file).catch((e: unknown): DatabaseStatus => ({ kind: 'unreadable', message: String(e) }))
        };
        void entry.status.then(s => { entry.settled = s; });
        this.statuses.set(file, entry);
        return entry.status;
    }

    /**
     * The file changed (its owner saw it): the next status looks at it again at once rather than
     * within 200 ms, so the query service lets go of its old copy now.
     */
    changed(file: string): void {
        stamps.delete(file);
        this.statuses.delete(file);
    }

    /** Tables by lower-case name (SQLite compares names case-insensitively); empty when unreadable. */
    async tables(file: string): Promise<ReadonlyMap<string, TableInfo>> {
        return this.cached(file, 'tables', async () => {
            const byName = new Map<string, TableInfo>();
            for (const t of await this.queries.tables(file)) byName.set(t.name.toLowerCase(), t);
            return byName;
        });
    }

    /** Most frequent values of a column (as text), or `undefined` when the column cannot be read. */
    async columnValues(file: string, table: string, column: string): Promise<ColumnValues | undefined> {
        if (!(await this.hasColumn(file, table, column))) return undefined;
        return this.cached(file, `values\u0000${table}\u0000${column}`, async () => {
            const q = this.dialect.quoteIdentifier;
            const rows = await this.queries.query(file,
                `SELECT CAST(${q(column)} AS TEXT) AS v, count(*) AS n FROM ${q(table)} WHERE ${q(column)} IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ${MAX_ALL + 1}`);
            const values = rows.map(r => ({ value: String(r[0]), count: Number(r[1]) }));
            const distinct = values.length > MAX_ALL
                ? Number((await this.queries.query(file, `SELECT count(DISTINCT ${q(column)}) FROM ${q(table)}`))[0]?.[0] ?? 0)
                : values.length;
            return {
                distinct,
                top: values.slice(0, TOP),
                ...(values.length <= MAX_ALL ? { all: new Set(values.map(v => v.value)) } : {})
            };
        });
    }

    /**
     * How the given columns read as their types (reference, section 2), in one pass over the
     * table: per column, how many values are stored, how many fit no form of the type (they are
     * missing for every condition), and up to three of those.
     */
    async readings(file: string, table: string, columns: readonly { readonly column: string; readonly type: AttributeType }[]): Promise<ReadonlyMap<string, ColumnReading>> {
        const present: { readonly column: string; readonly type: AttributeType }[] = [];
        for (const c of columns) if (c.type !== 'text' && await this.hasColumn(file, table, c.column)) present.push(c);
        if (present.length === 0) return new Map();
        const d = this.dialect;
        const q = d.quoteIdentifier;
        const signature = present.map(c => `${c.column}\u0001${c.type}`).join('\u0000');
        return this.cached(file, `readings\u0000${table}\u0000${signature}`, async () => {
            const unreadable = (c: { column: string; type: AttributeType }): string => `${q(c.column)} IS NOT NULL AND ${readAs(d, q(c.column), c.type)} IS NULL`;
            const counts = (await this.queries.query(file, `SELECT ${present.map(c => `count(${q(c.column)}), SUM(CASE WHEN ${unreadable(c)} THEN 1 ELSE 0 END)`).join(', ')} FROM ${q(table)}`))[0] ?? [];
            const out = new Map<string, ColumnReading>();
            for (const [i, c] of present.entries()) {
                const bad = Number(counts[i * 2 + 1] ?? 0);
                const examples = bad === 0 ? [] : (await this.queries.query(file, `SELECT DISTINCT CAST(${q(c.column)} AS TEXT) FROM ${q(table)} WHERE ${unreadable(c)} ORDER BY 1 LIMIT 3`)).map(r => String(r[0]));
                out.set(readingKey(c.column, c.type), { stored: Number(counts[i * 2] ?? 0), unreadable: bad, examples });
            }
            return out;
        });
    }

    /**
     * The records of an event entity (reference 6.1) whose time `column` (read as `type`) is
     * missing, or fits no form of the type: they exist at no instant. With the rows of `table`,
     * and up to three of their keys (`keyColumn`, read as text) as examples.
     */
    async timelessRecords(file: string, table: string, column: string, type: 'date' | 'datetime', keyColumn: string): Promise<TimelessRecords | undefined> {
        if (!(await this.hasColumn(file, table, column))) return undefined;
        const d = this.dialect;
        const q = d.quoteIdentifier;
        return this.cached(file, `timeless\u0000${table}\u0000${column}\u0000${type}\u0000${keyColumn}`, async () => {
            const read = readAs(d, q(column), type);
            const row = (await this.queries.query(file,
                `SELECT count(*), SUM(CASE WHEN ${q(column)} IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN ${q(column)} IS NOT NULL AND ${read} IS NULL THEN 1 ELSE 0 END) FROM ${q(table)}`))[0] ?? [];
            const [rows, missing, unreadable] = [0, 1, 2].map(i => Number(row[i] ?? 0));
            const examples = missing + unreadable === 0 || !(await this.hasColumn(file, table, keyColumn)) ? []
                : (await this.queries.query(file, `SELECT CAST(${q(keyColumn)} AS TEXT) FROM ${q(table)} WHERE ${read} IS NULL ORDER BY ${q(keyColumn)} LIMIT 3`)).map(r => String(r[0]));
            return { rows, missing, unreadable, examples };
        });
    }

    /** Keys of `column` (read as keys of `type`) that more than one row holds, and those rows. */
    async duplicateKeys(file: string, table: string, column: string, type: 'number' | 'text'): Promise<{ readonly keys: number; readonly rows: number }> {
        if (!(await this.hasColumn(file, table, column))) return { keys: 0, rows: 0 };
        const d = this.dialect;
        return this.cached(file, `duplicates\u0000${table}\u0000${column}\u0000${type}`, async () => {
            const key = d.readKey(d.quoteIdentifier(column), type, UNKNOWN_STORAGE);
            const row = (await this.queries.query(file,
                `SELECT count(*), COALESCE(SUM(n), 0) FROM (SELECT count(*) AS n FROM (SELECT ${key} AS k FROM ${d.quoteIdentifier(table)}) AS r WHERE r.k IS NOT NULL GROUP BY r.k HAVING count(*) > 1) AS dup`))[0];
            return { keys: Number(row?.[0] ?? 0), rows: Number(row?.[1] ?? 0) };
        });
    }

    /** The given keys that no row of `table` has in `column`. */
    async missingKeys(file: string, table: string, column: string, keys: readonly KeyValue[]): Promise<ReadonlySet<KeyValue>> {
        if (keys.length === 0 || !(await this.hasColumn(file, table, column))) return new Set();
        const d = this.dialect;
        const literal = (k: KeyValue): string => keyLiteral(d, k);
        const signature = keys.map(k => `${typeof k}:${k}`).join('\u0000');
        return this.cached(file, `keys\u0000${table}\u0000${column}\u0000${signature}`, async () => {
            const present = new Set<string>();
            for (let i = 0; i < keys.length; i += 500) {
                const chunk = keys.slice(i, i + 500);
                const rows = await this.queries.query(file,
                    `SELECT DISTINCT ${d.quoteIdentifier(column)} FROM ${d.quoteIdentifier(table)} WHERE ${d.quoteIdentifier(column)} IN (${chunk.map(literal).join(', ')})`);
                for (const r of rows) present.add(String(r[0]));
            }
            return new Set(keys.filter(k => !present.has(String(k))));
        });
    }

    private async hasColumn(file: string, table: string, column: string): Promise<boolean> {
        const t = (await this.tables(file)).get(table.toLowerCase());
        return !!t && t.columns.some(c => c.toLowerCase() === column.toLowerCase());
    }

    /** A value computed once per file version; forgotten when the file changes. */
    private async cached<T>(file: string, key: string, compute: () => Promise<T>): Promise<T> {
        const status = await this.status(file);
        if (status.kind !== 'ok') return compute();
        const full = `${file}\u0000${status.mtime}\u0000${key}`;
        let value = this.cache.get(full) as Promise<T> | undefined;
        if (!value) {
            value = compute();
            this.cache.set(full, value);
            value.catch(() => this.cache.delete(full));
        }
        return value;
    }

    dispose(): void {
        this.queries.dispose();
    }
}

const stamps = new Map<string, { readonly at: number; readonly stamp: string }>();
const STAMP_TTL_MS = 200;

/**
 * What changes when a file is written or replaced: its modification time and size. Read at most
 * every 200 ms per file: one validation asks for it once per condition.
 */
function fileStamp(file: string, now = Date.now()): string {
    const known = stamps.get(file);
    if (known && now - known.at < STAMP_TTL_MS) return known.stamp;
    let stamp: string;
    try {
        const info = statSync(file);
        stamp = info.isDirectory() ? 'folder' : `${info.mtimeMs}:${info.size}`;
    } catch {
        stamp = 'missing';
    }
    stamps.set(file, { at: now, stamp });
    return stamp;
}
