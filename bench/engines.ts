/** Opening each benchmarked engine on a size's SQLite file; the time it takes is the load time. */
import { join } from 'node:path';
import type { Pool } from 'pg';
import { sqliteDialect } from '../compiler/sql/sqlite-dialect.js';
import { sqlitePlainValue } from '../compiler/sql/sqlite-reads.js';
import type { ColumnRequest, StorageFacts } from '../compiler/storage.js';
import { StorageCache } from '../engine/storage-facts.js';
import { DuckDbEngine } from '../engine/duckdb-engine.js';
import type { SqlEngine, SqlValue } from '../engine/engine.js';
import { nativeReader } from '../engine/native-sqlite.js';
import { copySqliteIntoPostgres } from '../engine/postgres-copy.js';
import { PostgresEngine } from '../engine/postgres-engine.js';
import { SqlJsEngine } from '../engine/sqljs-engine.js';
import { cacheDir, DATA_VERSION } from './datasets.js';
import { openNativeReadOnly, type NativeDb } from './native.js';

export type EngineName = 'sqljs' | 'native' | 'duckdb' | 'postgres';

export interface Opened {
    readonly engine: SqlEngine;
    /** Reading or copying the data in, in milliseconds. */
    readonly loadMs: number;
    readonly note?: string;
}

/** better-sqlite3 as a SqlEngine: the native baseline running the same SQL. */
class NativeEngine implements SqlEngine {
    readonly name = 'native';
    readonly dialect = sqliteDialect;
    constructor(readonly db: NativeDb) {}
    async query(sql: string): Promise<SqlValue[][]> {
        return this.db.prepare(sql).raw(true).all() as SqlValue[][];
    }
    private readonly storageCache = new StorageCache();
    storage(columns: readonly ColumnRequest[], quantities?: readonly string[]): Promise<StorageFacts> {
        return this.storageCache.facts({ dialect: this.dialect, query: sql => this.query(sql), plainValue: sqlitePlainValue }, columns, quantities);
    }
    async close(): Promise<void> {
        this.db.close();
    }
}

export async function openEngine(name: EngineName, file: string, size: string): Promise<Opened> {
    const started = performance.now();
    switch (name) {
        case 'sqljs': {
            const engine = await SqlJsEngine.open(file);
            return { engine, loadMs: performance.now() - started };
        }
        case 'native':
            return { engine: new NativeEngine(openNativeReadOnly(file)), loadMs: performance.now() - started };
        case 'duckdb': {
            // The copy is kept beside the data sets: the first run makes it, the others read it.
            const engine = await DuckDbEngine.open(file, { cacheDir: join(cacheDir(), 'duckdb-copies') });
            const loadMs = performance.now() - started;
            return { engine, loadMs, note: engine.copyFrom === 'cache' ? 'load = opening the kept DuckDB copy' : `load = SQLite copy by CSV chunks, kept (${(engine.copyMs / 1000).toFixed(1)} s)` };
        }
        case 'postgres': {
            const url = process.env.SEGMENTS_PG_URL;
            if (!url) throw new Error('SEGMENTS_PG_URL is not set');
            const schema = `bench_${size}_v${DATA_VERSION}`;
            const engine = await PostgresEngine.connect(url, schema);
            const copied = await engine.withClient(async client => {
                const present = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1', [schema]);
                if ((present.rowCount ?? 0) >= 4) return false;
                const db = openNativeReadOnly(file);
                try {
                    await copySqliteIntoPostgres(client, nativeReader(db), schema);
                } finally {
                    db.close();
                }
                return true;
            });
            await engine.loadCatalog();
            return { engine, loadMs: copied ? performance.now() - started : 0, note: copied ? 'load = SQLite copy into a schema' : 'schema copied by an earlier run' };
        }
    }
}

export type { Pool };
