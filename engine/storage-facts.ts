import type { Dialect } from '../compiler/sql/dialect.js';
import type { RowCosts } from '../compiler/sql/semi-join-shape.js';
import { PLAIN_STORAGE, storageKey, StorageFacts, UNKNOWN_STORAGE, type ColumnRequest, type ColumnStorage } from '../compiler/storage.js';
import { addOffset } from '../compiler/time.js';
import type { SqlValue } from './engine.js';

/**
 * How the columns a plan reads are stored (`compiler/storage.ts`), found by one pass over each
 * table: per column, whether any value is not in its type's plain form, whether any fits no
 * form at all (missing), and whether any date carries an offset.
 */
export interface StorageProbe {
    readonly dialect: Dialect;
    query(sql: string): Promise<SqlValue[][]>;
    /**
     * Whether every value of the column is plain by its declared type alone (PostgreSQL's and
     * DuckDB's typed columns), or undefined when the values must be looked at; `plainValue`
     * is then the per-value test, 1 or 0 (NULL for NULL), or undefined for a type whose values
     * are never plain in such a column (text read as numbers on a typed engine).
     */
    plainByType?(request: ColumnRequest): Promise<boolean | undefined>;
    plainValue?(column: string, type: ColumnRequest['type']): string | undefined;
}

/** Facts found so far, by column, for one copy of the data. */
export class StorageCache {
    private readonly known = new Map<string, ColumnStorage>();
    private readonly distinct = new Map<string, boolean>();
    private readonly latest = new Map<string, string | undefined>();
    private readonly quantities = new Map<string, number | undefined>();

    /** `rowCosts`: the engine's costs of reading rows, where they differ from native SQLite's (sql.js). */
    constructor(private readonly rowCosts?: RowCosts) {}

    /** `quantities`: the figures the compiler asked for (`StorageFacts.quantity`), each measured once. */
    async facts(probe: StorageProbe, requests: readonly ColumnRequest[], quantities: readonly string[] = []): Promise<StorageFacts> {
        const missing = requests.filter(r => !this.known.has(storageKey(r.entity, r.column, r.type)));
        for (const [table, columns] of groupBy(missing, r => r.table)) await this.probeTable(probe, table, columns);
        const keys = requests.filter(r => r.distinct && !this.distinct.has(storageKey(r.entity, r.column, r.type)));
        for (const [table, columns] of groupBy(keys, r => r.table)) await this.probeKeys(probe, table, columns);
        for (const r of requests) {
            const key = storageKey(r.entity, r.column, r.type);
            if (r.latest && !this.latest.has(key)) this.latest.set(key, await latestTime(probe, r, this.known.get(key) ?? UNKNOWN_STORAGE));
        }
        for (const sql of quantities) {
            if (this.quantities.has(sql)) continue;
            const value = await probe.query(sql).then(rows => rows[0]?.[0], () => undefined);
            const n = typeof value === 'number' || typeof value === 'bigint' ? Number(value) : undefined;
            this.quantities.set(sql, n !== undefined && Number.isFinite(n) ? n : undefined);
        }
        return new StorageFacts(this.known, this.distinct, this.latest, this.quantities, this.rowCosts);
    }

    /** Whether the keys of each key column are distinct: one pass over the table, keys read as the language reads them. */
    private async probeKeys(probe: StorageProbe, table: string, requests: readonly ColumnRequest[]): Promise<void> {
        const d = probe.dialect;
        const keys = requests.map(r => d.readKey(d.quoteIdentifier(r.column), r.type === 'number' ? 'number' : 'text',
            this.known.get(storageKey(r.entity, r.column, r.type)) ?? UNKNOWN_STORAGE));
        const row = await probe.query(`SELECT ${keys.map(k => `count(${k}) - count(DISTINCT ${k})`).join(', ')} FROM ${d.quoteIdentifier(table)}`).then(rows => rows[0], () => undefined);
        // A table that cannot be read is assumed to hold a key twice.
        requests.forEach((r, i) => this.distinct.set(storageKey(r.entity, r.column, r.type), row !== undefined && Number(row[i]) === 0));
    }

    private async probeTable(probe: StorageProbe, table: string, requests: readonly ColumnRequest[]): Promise<void> {
        const d = probe.dialect;
        const set = (r: ColumnRequest, facts: ColumnStorage): void => void this.known.set(storageKey(r.entity, r.column, r.type), facts);
        const q = (sql: string): Promise<SqlValue[] | undefined> => probe.query(sql).then(rows => rows[0], () => undefined);
        // First the cheap test, every row: is each column plain?
        const unknown: ColumnRequest[] = [];
        for (const r of requests) {
            const byType = await probe.plainByType?.(r);
            if (byType === true) set(r, PLAIN_STORAGE);
            else unknown.push(r);
        }
        const test = (r: ColumnRequest): string | undefined => probe.plainValue?.(d.quoteIdentifier(r.column), r.type);
        const screened = unknown.filter(r => test(r) !== undefined);
        // No row, or only NULLs, gives NULL: nothing stored is not plain.
        const screen = screened.length === 0 ? [] : await q(`SELECT ${screened.map(r => `min(${test(r)})`).join(', ')} FROM ${d.quoteIdentifier(table)}`);
        const others: ColumnRequest[] = [];
        for (const r of unknown) {
            const i = screened.indexOf(r);
            if (i >= 0 && screen !== undefined && (screen[i] === null || Number(screen[i]) === 1)) set(r, PLAIN_STORAGE);
            else others.push(r);
        }
        if (others.length === 0) return;
        // Then, only for the rows of columns that are not plain: what fits no form, what has an offset.
        const terms = others.flatMap(r => {
            const c = d.quoteIdentifier(r.column);
            const plain = test(r);
            const other = plain !== undefined ? `${c} IS NOT NULL AND (${plain}) = 0` : `${c} IS NOT NULL`;
            const text = `CAST(${c} AS ${d.name === 'duckdb' ? 'VARCHAR' : 'TEXT'})`;
            const offset = r.type === 'date' || r.type === 'datetime' ? `(substr(${text}, 20) LIKE '%+%' OR substr(${text}, 20) LIKE '%-%')` : '1 = 0';
            return [`SUM(CASE WHEN ${other} AND ${readAs(d, c, r.type)} IS NULL THEN 1 ELSE 0 END)`, `SUM(CASE WHEN ${other} AND ${offset} THEN 1 ELSE 0 END)`];
        });
        const row = await q(`SELECT ${terms.join(', ')} FROM ${d.quoteIdentifier(table)}`);
        others.forEach((r, i) => {
            // A table or column the schema checks report is assumed to hold anything.
            const n = (k: number): number => Number(row?.[i * 2 + k] ?? 0);
            set(r, row === undefined ? UNKNOWN_STORAGE : { plain: false, unreadable: n(0) > 0, offsets: n(1) > 0 });
        });
    }
}

/** A time as `columnAsDate` / `columnAsDateTime` give it, in text: what `StorageFacts.latestTime` compares with the clock. */
const TIME_TEXT = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d+)?)?$/;

/**
 * The latest time of an event time column as the dialect reads it (`StorageFacts.latestTime`),
 * or undefined when some record has no readable time or the table is empty. Two cheap passes
 * rather than a reading of every value: the stored values' count and latest text (every
 * readable form starts with its day), then the reading of the values of the last days only
 * (an offset moves a value's day by at most one either way, so with offsets the two days
 * before the latest stored day are read too).
 */
async function latestTime(probe: StorageProbe, r: ColumnRequest, storage: ColumnStorage): Promise<string | undefined> {
    if (storage.unreadable || (r.type !== 'date' && r.type !== 'datetime')) return undefined;
    const d = probe.dialect;
    const c = d.quoteIdentifier(r.column);
    const table = d.quoteIdentifier(r.table);
    const text = (v: string): string => `CAST(${v} AS ${d.name === 'duckdb' ? 'VARCHAR' : 'TEXT'})`;
    const q = (sql: string): Promise<SqlValue[] | undefined> => probe.query(sql).then(rows => rows[0], () => undefined);
    const stored = await q(`SELECT count(*) - count(${c}), max(${text(c)}) FROM ${table}`);
    if (stored === undefined || Number(stored[0]) !== 0 || typeof stored[1] !== 'string') return undefined;
    const day = stored[1].slice(0, 10);
    if (!TIME_TEXT.test(day)) return undefined;
    const from = storage.offsets ? addOffset(day, false, { sign: -1, amount: 2, unit: 'day' }) : day;
    const bound = d.storedDayBound(c, 'from', from);
    const read = r.type === 'date' ? d.columnAsDate(c, 'date', storage) : d.columnAsDateTime(c, 'datetime', storage);
    const latest = await q(`SELECT max(${text(read)}) FROM ${table}${bound !== undefined ? ` WHERE ${bound}` : ''}`);
    const value = latest?.[0];
    return typeof value === 'string' && TIME_TEXT.test(value) ? value : undefined;
}

/**
 * The storage of columns on an engine with typed columns (PostgreSQL, DuckDB): the catalog's
 * types (`catalogSql` gives table, column and data type, the first row of a name winning)
 * decide, and only text columns read as other types are looked at.
 */
export class TypedStorage {
    private readonly cache = new StorageCache();
    private catalog?: Promise<Map<string, string>>;

    constructor(
        private readonly engine: { readonly dialect: Dialect; query(sql: string): Promise<SqlValue[][]> },
        private readonly catalogSql: string,
        private readonly plainValue: (column: string, type: ColumnRequest['type']) => string | undefined
    ) {}

    facts(columns: readonly ColumnRequest[], quantities?: readonly string[]): Promise<StorageFacts> {
        const name = (table: string, column: string): string => `${table.toLowerCase()}\u0000${column.toLowerCase()}`;
        this.catalog ??= this.engine.query(this.catalogSql).then(rows => {
            const types = new Map<string, string>();
            for (const r of rows) if (!types.has(name(String(r[0]), String(r[1])))) types.set(name(String(r[0]), String(r[1])), String(r[2]));
            return types;
        });
        const catalog = this.catalog;
        return this.cache.facts({
            dialect: this.engine.dialect,
            query: sql => this.engine.query(sql),
            plainByType: async r => plainByCatalogType(r.type, (await catalog).get(name(r.table, r.column))),
            plainValue: this.plainValue
        }, columns, quantities);
    }
}

/** A column read in every accepted form of its type (a value that fits none is NULL). */
export function readAs(d: Dialect, column: string, type: ColumnRequest['type']): string {
    switch (type) {
        case 'number': return d.readNumber(column, UNKNOWN_STORAGE);
        case 'text': return d.readText(column, UNKNOWN_STORAGE);
        case 'boolean': return d.columnAsBoolean(column, UNKNOWN_STORAGE);
        case 'date': return d.columnAsDate(column, 'date', UNKNOWN_STORAGE);
        case 'datetime': return d.columnAsDateTime(column, 'datetime', UNKNOWN_STORAGE);
    }
}

/**
 * Whether a column of an engine with typed columns (PostgreSQL, DuckDB) is plain for the type
 * it is read as, from its catalog type (`data_type` of `information_schema.columns`);
 * undefined when its values must be looked at (text holding numbers, dates or booleans).
 */
export function plainByCatalogType(type: ColumnRequest['type'], dataType: string | undefined): boolean | undefined {
    if (dataType === undefined) return undefined;
    const t = dataType.toUpperCase();
    const numeric = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|REAL|FLOAT|DOUBLE|DOUBLE PRECISION|NUMERIC|DECIMAL)\b/.test(t);
    const text = /^(TEXT|VARCHAR|CHARACTER VARYING|CHARACTER|CHAR|BPCHAR)\b/.test(t);
    switch (type) {
        case 'number': return numeric ? true : undefined;
        case 'text': return text ? true : undefined;
        // An integer column may hold 2, which is no boolean: its values are looked at.
        case 'boolean': return t === 'BOOLEAN' ? true : undefined;
        case 'date':
        case 'datetime': return t === 'DATE' || t === 'TIMESTAMP' || t === 'TIMESTAMP WITHOUT TIME ZONE' ? true : undefined;
    }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
    const out = new Map<string, T[]>();
    for (const item of items) {
        const k = key(item);
        out.set(k, [...(out.get(k) ?? []), item]);
    }
    return out;
}
