import { existsSync, readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdbDialect, duckdbPlainValue } from '../compiler/sql/duckdb-dialect.js';
import { copySqliteIntoDuckDb } from './duckdb-copy.js';
import { DatabaseError, exactIntegerValue, type SqlEngine, type SqlValue } from './engine.js';
import type { SqliteReader } from './sqlite-source.js';
import { TypedStorage } from './storage-facts.js';
import type { ColumnRequest, StorageFacts } from '../compiler/storage.js';

const q = duckdbDialect.quoteIdentifier;

/**
 * DuckDB, for data that outgrows an in-memory SQLite: a DuckDB file (read-only), Parquet or CSV
 * files (one view per file, named after it), or a SQLite file copied in with the appender.
 */
export class DuckDbEngine implements SqlEngine {
    readonly name = 'duckdb';
    readonly dialect = duckdbDialect;
    /** Milliseconds spent copying a SQLite file in (0 when the data was read in place). */
    copyMs = 0;
    /** The DuckDB database file the data is read from in place (not a copy of a SQLite file, nor views of Parquet or CSV files). */
    databaseFile?: string;
    /** The database file is open for writing (table destinations), not read-only. */
    writable = false;

    private constructor(private readonly instance: DuckDBInstance | undefined, private readonly conn: DuckDBConnection) {}

    /**
     * `writable`: a DuckDB database file is opened for writing (`segments refresh` with a table
     * destination), which DuckDB allows one process at a time; otherwise read-only.
     */
    static async open(path: string, options: { reader?: (file: string) => Promise<SqliteReader & { close(): void }>; writable?: boolean } = {}): Promise<DuckDbEngine> {
        if (!existsSync(path)) throw new DatabaseError(path, 'database file not found');
        const { DuckDBInstance } = await import('@duckdb/node-api');
        if (statSync(path).isDirectory() || ['.parquet', '.csv'].includes(extname(path).toLowerCase())) {
            const instance = await DuckDBInstance.create(':memory:');
            const engine = new DuckDbEngine(instance, await instance.connect());
            await engine.attachFiles(path);
            return engine;
        }
        if (await isSqliteFile(path)) {
            const instance = await DuckDBInstance.create(':memory:');
            const engine = new DuckDbEngine(instance, await instance.connect());
            const started = performance.now();
            const reader = options.reader ? await options.reader(path) : await sqlJsReader(path);
            try {
                await copySqliteIntoDuckDb(engine.conn, reader, 'main');
            } finally {
                reader.close();
            }
            engine.copyMs = performance.now() - started;
            return engine;
        }
        try {
            const instance = await DuckDBInstance.create(path, { access_mode: options.writable ? 'READ_WRITE' : 'READ_ONLY' });
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
        const decimals = reader.columnTypes().flatMap((t, i) => (t.typeId === DECIMAL_TYPE ? [i] : []));
        if (decimals.length > 0) {
            const raw = reader.getRows();
            rows.forEach((row, r) => {
                for (const i of decimals) row[i] = exactDecimal(raw[r][i]) ?? row[i];
            });
        }
        return rows;
    }

    private readonly typed = new TypedStorage(this, 'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()', duckdbPlainValue);

    storage(columns: readonly ColumnRequest[]): Promise<StorageFacts> {
        return this.typed.facts(columns);
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

/** DuckDB's type id of DECIMAL (`DuckDBTypeId.DECIMAL`, read here without loading the driver's values). */
const DECIMAL_TYPE = 19;

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

async function sqlJsReader(file: string): Promise<SqliteReader & { close(): void }> {
    const { SqlJsEngine } = await import('./sqljs-engine.js');
    const engine = await SqlJsEngine.open(file);
    return { ...engine.reader(), close: () => void engine.close() };
}
