import { sqliteDialect } from '../compiler/sql/sqlite-dialect.js';
import { exactIntegerValue, type SqlValue } from './engine.js';

/** The storage class a copied column gets in the target database, read from the values themselves. */
export type CopyType = 'integer' | 'real' | 'text' | 'blob';

export interface SourceColumn {
    readonly name: string;
    readonly type: CopyType;
    readonly primaryKey: boolean;
}

export interface SourceTable {
    readonly name: string;
    readonly columns: readonly SourceColumn[];
    /** Indexes on the table (single or multi-column), to recreate after the copy. */
    readonly indexes: readonly { readonly columns: readonly string[]; readonly unique: boolean }[];
}

/** Read access to a SQLite database (sql.js or better-sqlite3), for copying it into another engine. */
export interface SqliteReader {
    all(sql: string): SqlValue[][];
    iterate(sql: string): Iterable<SqlValue[]>;
}

const q = sqliteDialect.quoteIdentifier;
const lit = sqliteDialect.stringLiteral;

/** Which storage classes a column's values have (`huge`: an integer beyond 2^53). */
export interface StorageClasses {
    readonly text: boolean;
    readonly real: boolean;
    readonly blob: boolean;
    readonly integer: boolean;
    readonly huge: boolean;
}

/** The storage classes as bits: text 1, real 2, blob 4, integer 8, huge 16. */
function classesOf(bits: number): StorageClasses {
    return { text: (bits & 1) !== 0, real: (bits & 2) !== 0, blob: (bits & 4) !== 0, integer: (bits & 8) !== 0, huge: (bits & 16) !== 0 };
}

/**
 * The copy type of a column from the storage classes of its values (`bits` as in
 * `classesOf`), or from its declared type's affinity when it holds no values.
 */
export function copyType(bits: number, declared: CopyType): CopyType {
    const has = classesOf(bits);
    // Reals beside integers beyond 2^53: a double would round those integers, text keeps both exact.
    return has.blob ? 'blob' : has.text || (has.real && has.huge) ? 'text' : has.real ? 'real' : has.integer ? 'integer' : declared;
}

/** A table without column types yet: its name, its columns' names and declared types. */
export interface ListedTable {
    readonly name: string;
    readonly columns: readonly { readonly name: string; readonly declared: string }[];
}

/** The tables of a SQLite database with their columns' names and declared types, without reading rows. */
export function listSource(db: SqliteReader, only?: readonly string[]): ListedTable[] {
    const names = db.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map(r => String(r[0]));
    return names.filter(name => !only || only.includes(name)).map(name => ({
        name,
        columns: db.all(`SELECT name, type FROM pragma_table_info(${lit(name)})`).map(r => ({ name: String(r[0]), declared: String(r[1] ?? '') }))
    }));
}

/** The tables of a SQLite database (all, or those named), with each column's storage class found from its values. */
export function describeSource(db: SqliteReader, only?: readonly string[]): SourceTable[] {
    return listSource(db, only).map(({ name }) => {
        const info = db.all(`SELECT name, type, pk FROM pragma_table_info(${lit(name)})`);
        const present = info.length === 0 ? [] : db.all(`SELECT ${info.map(r => {
            const c = q(String(r[0]));
            return `max(typeof(${c}) = 'text'), max(typeof(${c}) = 'real'), max(typeof(${c}) = 'blob'), max(typeof(${c}) = 'integer'), `
                + `max(typeof(${c}) = 'integer' AND abs(${c}) > 9007199254740991)`;
        }).join(', ')} FROM ${q(name)}`)[0];
        const columns = info.map((r, i): SourceColumn => {
            let bits = 0;
            for (let k = 0; k < 5; k++) if (Number(present?.[i * 5 + k] ?? 0) === 1) bits |= 1 << k;
            return { name: String(r[0]), type: copyType(bits, affinity(String(r[1] ?? ''))), primaryKey: Number(r[2]) > 0 };
        });
        const indexes = db.all(`SELECT name, "unique" FROM pragma_index_list(${lit(name)})`).map(ix => ({
            unique: Number(ix[1]) === 1,
            columns: db.all(`SELECT name FROM pragma_index_info(${lit(String(ix[0]))}) ORDER BY seqno`).map(c => String(c[0]))
        })).filter(ix => ix.columns.length > 0 && ix.columns.every(c => c !== 'null'));
        return { name, columns, indexes };
    });
}

/** SQLite's type affinity for a declared type, used for columns that hold no values. */
export function affinity(declared: string): CopyType {
    const t = declared.toUpperCase();
    if (t.includes('INT')) return 'integer';
    if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
    if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'real';
    return t.includes('BLOB') || t === '' ? 'text' : 'real';
}

/** Every row of a table, columns in declaration order. */
export function sourceRows(db: SqliteReader, table: SourceTable): Iterable<SqlValue[]> {
    return db.iterate(`SELECT ${table.columns.map(c => q(c.name)).join(', ')} FROM ${q(table.name)}`);
}

/** A value converted to the column's copy type (SQLite lets any column hold any value). */
export function coerce(value: SqlValue, type: CopyType): SqlValue {
    if (value === null) return null;
    switch (type) {
        case 'integer':
            // Integers are exact (a bigint beyond 2^53); text that is no integer has no integer.
            if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return value;
            return typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? exactIntegerValue(BigInt(value.trim())) : null;
        case 'real':
            return typeof value === 'number' ? value : Number(value);
        case 'text':
            return typeof value === 'string' ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
        case 'blob':
            return value instanceof Uint8Array ? value : new TextEncoder().encode(String(value));
    }
}
