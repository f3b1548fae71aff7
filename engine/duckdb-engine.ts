import { existsSync, readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdbDialect, duckdbPlainValue } from '../compiler/sql/duckdb-dialect.js';
import { CONVERTED_TEXT_DIFFERS, copySqliteIntoDuckDb } from './duckdb-copy.js';
import { DatabaseError, exactIntegerValue, type SqlEngine, type SqlValue } from './engine.js';
import type { SqliteReader } from './sqlite-source.js';
import { defaultCopyCacheDir, ensureCopy } from './duckdb-cache.js';
import { EngineChoiceError } from './open-engine.js';
import { TypedStorage } from './storage-facts.js';
import type { ColumnRequest, StorageFacts } from '../compiler/storage.js';

const q = duckdbDialect.quoteIdentifier;

export interface DuckDbOpenOptions {
    /** How a SQLite file is read for the copy (default: native SQLite where installed, else sql.js). */
    readonly reader?: (file: string) => Promise<SqliteReader & { close(): void }>;
    /** Where the copies of SQLite files are kept (default `defaultCopyCacheDir()`); false: in memory, not kept. */
    readonly cacheDir?: string | false;
    /** A DuckDB database file opened for writing (table destinations). */
    readonly writable?: boolean;
}

/**
 * DuckDB, for data that outgrows an in-memory SQLite: a DuckDB file (read-only), Parquet or CSV
 * files (one view per file, named after it), or a SQLite file copied in with the appender.
 */
export class DuckDbEngine implements SqlEngine {
    readonly name = 'duckdb';
    readonly dialect = duckdbDialect;
    /** Milliseconds spent copying a SQLite file in (0 when the data was read in place or from the cache). */
    copyMs = 0;
    /** The DuckDB database file the data is read from in place (not a copy of a SQLite file, nor views of Parquet or CSV files). */
    databaseFile?: string;
    /** The database file is open for writing (table destinations), not read-only. */
    writable = false;
    /** For a SQLite file: whether its copy was made now or found in the cache. */
    copyFrom: 'copied' | 'cache' | undefined;
    /** For a SQLite file: the cached copy read (none for a copy in memory). */
    copyFile: string | undefined;
    /** For a SQLite file: the file copied. */
    copySource: string | undefined;

    private constructor(private readonly instance: DuckDBInstance | undefined, private readonly conn: DuckDBConnection) {}

    /**
     * `writable`: a DuckDB database file is opened for writing (`segments refresh` with a table
     * destination), which DuckDB allows one process at a time; otherwise read-only.
     */
    static async open(path: string, options: DuckDbOpenOptions = {}): Promise<DuckDbEngine> {
        if (!existsSync(path)) throw new DatabaseError(path, 'database file not found');
        const { DuckDBInstance } = await import('@duckdb/node-api');
        if (statSync(path).isDirectory() || ['.parquet', '.csv'].includes(extname(path).toLowerCase())) {
            const instance = await DuckDBInstance.create(':memory:', limits());
            const engine = new DuckDbEngine(instance, await instance.connect());
            await engine.attachFiles(path);
            return engine;
        }
        if (await isSqliteFile(path)) return DuckDbEngine.openSqlite(path, options);
        try {
            const instance = await DuckDBInstance.create(path, { ...limits(), access_mode: options.writable ? 'READ_WRITE' : 'READ_ONLY' });
            const engine = new DuckDbEngine(instance, await instance.connect());
            engine.databaseFile = path;
            engine.writable = options.writable === true;
            return engine;
        } catch (e) {
            const message = (e as Error).message;
            if (options.writable && /lock/i.test(message)) {
                throw new DatabaseError(path, `another process has this DuckDB file open, and a table destination needs it for writing (DuckDB allows one writer at a time): close the other program and refresh again (${message.split('\n')[0]})`);
            }
            throw new DatabaseError(path, `not a DuckDB, SQLite, Parquet or CSV file (${message})`);
        }
    }

    /**
     * A SQLite file: its DuckDB copy from the cache (read-only), made first when the file is new
     * or changed (`duckdb-cache.ts`); with `cacheDir: false`, or when the cache folder cannot be
     * written, a copy in memory for this engine only.
     */
    private static async openSqlite(path: string, options: DuckDbOpenOptions): Promise<DuckDbEngine> {
        const { DuckDBInstance } = await import('@duckdb/node-api');
        const dir = options.cacheDir === undefined ? defaultCopyCacheDir() : options.cacheDir;
        const started = performance.now();
        const copyInto = async (target: string, tempDir?: string): Promise<number> => {
            const reader = options.reader ? await options.reader(path) : await sqliteReader(path);
            const instance = await DuckDBInstance.create(target, limits());
            const conn = await instance.connect();
            try {
                const rows = await copySqliteIntoDuckDb(conn, reader, 'main', { tempDir });
                if (target !== ':memory:') await conn.run('CHECKPOINT');
                return rows;
            } finally {
                reader.close();
                if (target !== ':memory:') {
                    conn.closeSync();
                    instance.closeSync();
                }
            }
        };
        if (dir !== false) {
            let copy: { path: string; made: boolean } | undefined;
            try {
                copy = await ensureCopy(dir, path, async temporary => void (await copyInto(temporary, dir)));
            } catch (e) {
                if (!isCacheFolderError(e)) throw e;
            }
            if (copy) {
                const instance = await DuckDBInstance.create(copy.path, { ...limits(), access_mode: 'READ_ONLY' });
                const engine = new DuckDbEngine(instance, await instance.connect());
                engine.copyMs = copy.made ? performance.now() - started : 0;
                engine.copyFrom = copy.made ? 'copied' : 'cache';
                engine.copyFile = copy.path;
                engine.copySource = path;
                return engine;
            }
        }
        const instance = await DuckDBInstance.create(':memory:', limits());
        const engine = new DuckDbEngine(instance, await instance.connect());
        const reader = options.reader ? await options.reader(path) : await sqliteReader(path);
        try {
            await copySqliteIntoDuckDb(engine.conn, reader, 'main');
        } finally {
            reader.close();
        }
        engine.copyMs = performance.now() - started;
        engine.copyFrom = 'copied';
        engine.copySource = path;
        return engine;
    }

    /** An engine on a connection of a shared instance, reading `schema` by default (tests). */
    static async onSchema(instance: DuckDBInstance, schema: string): Promise<DuckDbEngine> {
        const conn = await instance.connect();
        await conn.run(`SET search_path = ${duckdbDialect.stringLiteral(schema)}`);
        return new DuckDbEngine(undefined, conn);
    }

    get connection(): DuckDBConnection {
        return this.conn;
    }

    async query(sql: string): Promise<SqlValue[][]> {
        const reader = await this.conn.runAndReadAll(sql);
        const rows = reader.getRowsJS().map(row => row.map(toSqlValue));
        // Decimals come back as JavaScript numbers: an integral one (a 64-bit key read from text) is read exactly.
        const types = reader.columnTypes();
        const decimals = types.flatMap((t, i) => (t.typeId === DECIMAL_TYPE ? [i] : []));
        // Dates and timestamps as DuckDB writes them (`2027-02-10`, `2027-02-10 01:02:03.25`): a JavaScript Date would drop the fraction and give a date a time.
        const times = types.flatMap((t, i) => (t.typeId === DATE_TYPE || t.typeId === TIMESTAMP_TYPE ? [i] : []));
        if (decimals.length > 0 || times.length > 0) {
            const raw = reader.getRows();
            rows.forEach((row, r) => {
                for (const i of decimals) row[i] = exactDecimal(raw[r][i]) ?? row[i];
                for (const i of times) row[i] = raw[r][i] === null ? null : String(raw[r][i]);
            });
        }
        return rows;
    }

    private readonly typed = new TypedStorage(this, 'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()', duckdbPlainValue);

    private converted?: Promise<Set<string>>;

    /**
     * The storage of the columns a plan reads. A column of a SQLite file the copy converted to
     * timestamps from text in several forms (`T`, `Z`, fractions, offsets) no longer holds its
     * stored text, so a plan reading it as text is refused rather than given other text.
     */
    async storage(columns: readonly ColumnRequest[], quantities?: readonly string[]): Promise<StorageFacts> {
        const name = (table: string, column: string): string => `${table.toLowerCase()}\u0000${column.toLowerCase()}`;
        this.converted ??= this.query(`SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = current_schema() AND comment = ${duckdbDialect.stringLiteral(CONVERTED_TEXT_DIFFERS)}`)
            .then(rows => new Set(rows.map(r => name(String(r[0]), String(r[1])))));
        const converted = await this.converted;
        const asText = columns.find(c => c.type === 'text' && converted.has(name(c.table, c.column)));
        if (asText) {
            throw new DatabaseError(this.copySource ?? 'DuckDB', `${asText.entity}'s column ${asText.table}.${asText.column} holds datetimes, which DuckDB's copy of the file reads as timestamps, and a text attribute reads it as stored text in several forms: declare the attribute \`datetime\` (or \`date\`), or pick the sql.js engine`);
        }
        return this.typed.facts(columns, quantities);
    }

    /** One view per Parquet or CSV file: `orders.parquet` becomes the table `orders`. */
    private async attachFiles(path: string): Promise<void> {
        const files = statSync(path).isDirectory() ? readdirSync(path).map(f => join(path, f)) : [path];
        for (const file of files) {
            const ext = extname(file).toLowerCase();
            if (ext !== '.parquet' && ext !== '.csv') continue;
            const reader = ext === '.parquet' ? 'read_parquet' : 'read_csv_auto';
            await this.conn.run(`CREATE VIEW ${q(basename(file, extname(file)))} AS SELECT * FROM ${reader}(${duckdbDialect.stringLiteral(file)})`);
        }
    }

    async close(): Promise<void> {
        this.conn.closeSync();
        this.instance?.closeSync();
    }
}

/**
 * What a DuckDB instance may take of the machine: `SEGMENTS_DUCKDB_MEMORY_LIMIT` (DuckDB's
 * `memory_limit`, e.g. `4GB`; beyond it DuckDB spills to a temporary folder beside the file) and
 * `SEGMENTS_DUCKDB_THREADS` (`threads`); unset, DuckDB's own defaults (80% of the memory, every core).
 */
export function limits(): Record<string, string> {
    const out: Record<string, string> = {};
    const memory = process.env.SEGMENTS_DUCKDB_MEMORY_LIMIT?.trim();
    const threads = process.env.SEGMENTS_DUCKDB_THREADS?.trim();
    if (memory) {
        if (!/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memory)) throw new EngineChoiceError(`SEGMENTS_DUCKDB_MEMORY_LIMIT is \`${memory}\`: write an amount such as 4GB or 512MiB`);
        out.memory_limit = memory;
    }
    if (threads) {
        if (!/^[1-9]\d{0,3}$/.test(threads)) throw new EngineChoiceError(`SEGMENTS_DUCKDB_THREADS is \`${threads}\`: write a whole number of threads, 1 or more`);
        out.threads = threads;
    }
    return out;
}

/** DuckDB's type ids of DECIMAL, TIMESTAMP and DATE (`DuckDBTypeId`, read here without loading the driver's values). */
const DECIMAL_TYPE = 19;
const TIMESTAMP_TYPE = 12;
const DATE_TYPE = 13;

/** An integral decimal as an exact integer; undefined for other values. */
function exactDecimal(value: unknown): SqlValue | undefined {
    if (typeof value !== 'object' || value === null || !('scale' in value) || !('value' in value)) return undefined;
    const { scale, value: scaled } = value as { scale: number; value: unknown };
    if (typeof scaled !== 'bigint') return undefined;
    const unit = 10n ** BigInt(scale);
    return scaled % unit === 0n ? exactIntegerValue(scaled / unit) : undefined;
}

function toSqlValue(value: unknown): SqlValue {
    if (value === null || value === undefined) return null;
    if (typeof value === 'bigint') return exactIntegerValue(value);
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'number' || typeof value === 'string' || value instanceof Uint8Array) return value;
    if (value instanceof Date) return value.toISOString().slice(0, 19).replace('T', ' ');
    return String(value);
}

async function isSqliteFile(path: string): Promise<boolean> {
    const handle = await open(path, 'r');
    try {
        const header = Buffer.alloc(16);
        await handle.read(header, 0, 16, 0);
        return header.toString('latin1') === 'SQLite format 3\u0000';
    } finally {
        await handle.close();
    }
}

/** Node's errors for a folder that cannot be made or written (the copy is then kept in memory). */
function isCacheFolderError(e: unknown): boolean {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR', 'EEXIST'].includes(code);
}

/** sql.js reads a file whole, into a Node buffer and the WebAssembly heap: not beyond 2 GiB. */
const SQLJS_LIMIT = 2 ** 31 - 1;

/**
 * Reads the SQLite file with native SQLite (better-sqlite3, read-only, streaming) where its
 * build is installed, else with sql.js, which holds the whole file in memory.
 */
async function sqliteReader(file: string): Promise<SqliteReader & { close(): void }> {
    const { openNativeSqlite, nativeReader, nativeSqliteAvailable } = await import('./native-sqlite.js');
    if (await nativeSqliteAvailable()) {
        const db = await openNativeSqlite(file);
        return { ...nativeReader(db), close: () => void db.close() };
    }
    if (statSync(file).size > SQLJS_LIMIT) {
        throw new DatabaseError(file, 'is over 2 GiB, which sql.js cannot read, and native SQLite (better-sqlite3) is not installed here to read it for DuckDB: use the command line with `npm install better-sqlite3`, or convert the file to DuckDB or Parquet');
    }
    const { SqlJsEngine } = await import('./sqljs-engine.js');
    const engine = await SqlJsEngine.open(file);
    return { ...engine.reader(), close: () => void engine.close() };
}
