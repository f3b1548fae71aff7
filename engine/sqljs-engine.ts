import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { sqliteDialect } from '../compiler/sql/sqlite-dialect.js';
import type { TableInfo } from '../compiler/schema-text.js';
import { DatabaseError, exactIntegerValue, type SqlEngine, type SqlValue } from './engine.js';
import { readDatabaseFile } from './database-file.js';
import { describeSqlite } from './describe.js';
import type { SqliteReader } from './sqlite-source.js';
import { StorageCache } from './storage-facts.js';
import { SharedCopies, type CopyCounts } from './shared-copies.js';
import { sqlitePlainValue } from '../compiler/sql/sqlite-reads.js';
import type { ColumnRequest, StorageFacts } from '../compiler/storage.js';
import { SQLJS_COSTS } from '../compiler/sql/semi-join-shape.js';

let sqlJs: Promise<SqlJsStatic> | undefined;

/** sql.js reads integers as bigints when asked (its typings omit the option). */
type ExecWithConfig = (sql: string, params: undefined, config: { useBigInt: boolean }) => { values: unknown[][] }[];
type GetWithConfig = (params: null, config: { useBigInt: boolean }) => unknown[];
const BIG_INTEGERS = { useBigInt: true };

/** A row with every bigint that fits a number exactly turned into one. */
function exactRow(row: readonly unknown[]): SqlValue[] {
    return row.map(v => (typeof v === 'bigint' ? exactIntegerValue(v) : (v as SqlValue)));
}

function loadSqlJs(): Promise<SqlJsStatic> {
    sqlJs ??= initSqlJs();
    return sqlJs;
}

/** A file's copy in memory, with what was learnt about how its columns are stored. */
interface Copy {
    readonly db: Database;
    readonly storage: StorageCache;
}

/** The copies of database files this thread holds: one per file, shared by every engine opened on it. */
const copies = new SharedCopies<Copy>(copy => copy.db.close());

async function readCopy(file: string): Promise<Copy> {
    const bytes = await readDatabaseFile(file);
    const SQL = await loadSqlJs();
    const db = new SQL.Database(bytes);
    try {
        db.exec('SELECT count(*) FROM sqlite_master');
    } catch (e) {
        db.close();
        throw new DatabaseError(file, `not a readable SQLite database (${(e as Error).message})`);
    }
    return { db, storage: new StorageCache(SQLJS_COSTS) };
}

/** How many copies of database files this thread has read and closed, and holds now (tests and benchmarks). */
export function sqlJsCopyCounts(): CopyCounts {
    return copies.counts();
}

/**
 * SQLite in WebAssembly. The file is read into memory and never written back: indexes or
 * temporary tables made for a run live in the in-memory copy only.
 *
 * One copy per file in this thread: engines opened on the same file, unchanged since (size and
 * modification time), share it (data checks, counts and runs); `close` lets go of it, and the
 * last to let go frees it. A changed file is read again for the engines opened after the change.
 */
export class SqlJsEngine implements SqlEngine {
    readonly name = 'sqljs';
    readonly dialect = sqliteDialect;
    private closed = false;

    private constructor(private readonly db: Database, readonly file: string, private readonly storageCache: StorageCache, private readonly release: () => void) {}

    static async open(file: string): Promise<SqlJsEngine> {
        const lease = await copies.acquire(file, readCopy);
        return new SqlJsEngine(lease.value.db, file, lease.value.storage, () => lease.release());
    }

    /** A private copy made from bytes (a test's rows, a file read elsewhere): closed with the engine. */
    static async fromBytes(bytes: Uint8Array, file = ':memory:'): Promise<SqlJsEngine> {
        const SQL = await loadSqlJs();
        const db = new SQL.Database(bytes);
        return new SqlJsEngine(db, file, new StorageCache(SQLJS_COSTS), () => db.close());
    }

    storage(columns: readonly ColumnRequest[], quantities?: readonly string[]): Promise<StorageFacts> {
        return this.storageCache.facts({ dialect: this.dialect, query: sql => this.query(sql), plainValue: sqlitePlainValue }, columns, quantities);
    }

    async query(sql: string): Promise<SqlValue[][]> {
        try {
            return this.querySync(sql);
        } catch (e) {
            throw dataError(this.file, e);
        }
    }

    /** Rows of the last statement of `sql`, integers exact (bigints beyond 2^53). */
    querySync(sql: string): SqlValue[][] {
        const results = (this.db.exec as ExecWithConfig)(sql, undefined, BIG_INTEGERS);
        return results.length === 0 ? [] : (results[results.length - 1].values as SqlValue[][]).map(exactRow);
    }

    /**
     * Runs one statement once per row of values, bound as parameters (never written into the
     * SQL), in one transaction: for building a small database in memory (a segment test's rows).
     */
    insertRows(sql: string, rows: readonly (readonly SqlValue[])[]): void {
        const statement = this.db.prepare(sql);
        this.db.exec('BEGIN');
        try {
            for (const row of rows) statement.run(row as SqlValue[] as (string | number | null | Uint8Array)[]);
            this.db.exec('COMMIT');
        } catch (e) {
            this.db.exec('ROLLBACK');
            throw e;
        } finally {
            statement.free();
        }
    }

    /** Tables, columns (with a sample of values), keys and foreign keys, for schema generation. */
    describe(sampleSize = 200): TableInfo[] {
        return describeSqlite(sql => this.querySync(sql), sampleSize);
    }

    /** Tables and their columns, for schema generation and data-aware checks. */
    tables(): { name: string; columns: { name: string; type: string; pk: boolean }[]; foreignKeys: { column: string; table: string; to: string | null }[] }[] {
        const names = this.querySync("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map(r => String(r[0]));
        const q = (s: string): string => sqliteDialect.stringLiteral(s);
        return names.map(name => ({
            name,
            columns: this.querySync(`SELECT name, type, pk FROM pragma_table_info(${q(name)})`).map(r => ({ name: String(r[0]), type: String(r[1] ?? ''), pk: Number(r[2]) > 0 })),
            foreignKeys: this.querySync(`SELECT "from", "table", "to" FROM pragma_foreign_key_list(${q(name)})`).map(r => ({ column: String(r[0]), table: String(r[1]), to: r[2] === null ? null : String(r[2]) }))
        }));
    }

    /** Row-by-row reading, for copying this database into another engine. */
    reader(): SqliteReader {
        const db = this.db;
        return {
            all: sql => this.querySync(sql),
            *iterate(sql: string): Iterable<SqlValue[]> {
                const statement = db.prepare(sql);
                try {
                    while (statement.step()) yield exactRow((statement.get as GetWithConfig).call(statement, null, BIG_INTEGERS));
                } finally {
                    statement.free();
                }
            }
        };
    }

    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        this.release();
    }
}

/**
 * A query error that comes from the data, not from the query: a file damaged or rewritten under
 * the run, or a table or column gone since the workspace was checked. Such errors are the
 * user's to fix (one line, exit 2); any other error is returned as it is.
 */
/**
 * Decimal sums and averages are exact in 64-bit units of 10^-10 on SQLite (reference, 4.2):
 * beyond them the query stops rather than round (`sqlite-reads.ts`).
 */
const DECIMAL_RANGE = 'a sum or average is beyond the exact decimal range of SQLite (±922,337,203.6854775807 with 10 decimal places), so it cannot be counted exactly here: run it with --engine duckdb or --engine postgres';

/**
 * SQLite plans a statement's subqueries and named queries once per reference, and stops past
 * 1,000 in one statement (SQLITE_LIMIT_EXPR_DEPTH): reached by `in segment` of a segment with
 * sequences inside another sequence's step, each written in place. A plain sequence of 12 steps
 * stays far below it.
 */
const NESTING = 'this segment nests more queries than SQLite plans in one statement (`in segment` conditions and sequence steps, each written in place), so it cannot be counted here: run it with --engine duckdb or --engine postgres';

function dataError(file: string, e: unknown): unknown {
    const message = e instanceof Error ? e.message : String(e);
    if (/malformed|not a database|file is encrypted|disk I\/O error/i.test(message)) return new DatabaseError(file, `the database file is damaged or changed while it was read (${message})`);
    if (/^no such (table|column)/i.test(message)) return new DatabaseError(file, `the database does not have what the schema names (${message}): run \`segments check\``);
    if (/integer overflow/i.test(message)) return new DatabaseError(file, DECIMAL_RANGE);
    if (/VIEWs and\/or subqueries nested too deep/i.test(message)) return new DatabaseError(file, NESTING);
    return e;
}
