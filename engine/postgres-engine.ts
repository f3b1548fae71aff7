import type { Pool, PoolClient } from 'pg';
import type { Dialect } from '../compiler/sql/dialect.js';
import { postgresDialect, postgresDialectFor, postgresPlainValue } from '../compiler/sql/postgres-dialect.js';
import { DatabaseError, exactIntegerValue, type SqlEngine, type SqlValue } from './engine.js';
import { TypedStorage } from './storage-facts.js';
import type { ColumnRequest, StorageFacts } from '../compiler/storage.js';

/** OIDs of the types node-postgres returns as strings by default. */
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

/**
 * PostgreSQL through a `pg` pool. Every connection reads `schema` first (when given), in UTC;
 * 64-bit integers and numerics come back as numbers, as they do from SQLite.
 */
export class PostgresEngine implements SqlEngine {
    readonly name = 'postgres';
    /** The dialect, spelling names as the catalog does (see `loadCatalog`). */
    dialect: Dialect = postgresDialect;

    private constructor(
        readonly pool: Pool,
        private readonly schema: string | undefined,
        private readonly ownsPool: boolean,
        private readonly parser: TypeParserLookup
    ) {}

    static async connect(url: string, schema?: string): Promise<PostgresEngine> {
        const pg = (await import('pg')).default;
        const pool = new pg.Pool({ connectionString: url, max: 4 });
        const engine = new PostgresEngine(pool, schema, true, typeParsers(pg.types.getTypeParser));
        try {
            await engine.loadCatalog();
        } catch (e) {
            await pool.end();
            throw new DatabaseError(redact(url), `cannot connect to PostgreSQL (${(e as Error).message})`);
        }
        return engine;
    }

    /** An engine sharing a pool, reading `schema` (tests and benchmarks). */
    static async onPool(pool: Pool, schema?: string): Promise<PostgresEngine> {
        const pg = (await import('pg')).default;
        return new PostgresEngine(pool, schema, false, typeParsers(pg.types.getTypeParser));
    }

    /** Reads the table and column names on the search path, so the dialect can match their case. */
    async loadCatalog(): Promise<void> {
        const rows = await this.query(
            'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ANY (current_schemas(false))');
        this.dialect = postgresDialectFor(rows.flatMap(r => [String(r[0]), String(r[1])]));
    }

    // The first schema of the search path that has a table wins, as it does for queries.
    private readonly typed = new TypedStorage(this,
        'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ANY (current_schemas(false)) ORDER BY array_position(current_schemas(false), table_schema::name)',
        postgresPlainValue);

    storage(columns: readonly ColumnRequest[], quantities?: readonly string[]): Promise<StorageFacts> {
        return this.typed.facts(columns, quantities);
    }

    async query(sql: string): Promise<SqlValue[][]> {
        return this.withClient(async client => {
            const result = await client.query({ text: sql, rowMode: 'array', types: { getTypeParser: this.parser } });
            return result.rows as SqlValue[][];
        });
    }

    /** Runs `work` on one connection with the session set up (UTC, ISO dates: the dialect reads a date as text by its `YYYY-MM-DD` prefix, search path). */
    async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
        const client = await this.pool.connect();
        try {
            await client.query(`SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET standard_conforming_strings = on; SET search_path TO ${this.schema ? `${postgresDialect.quoteIdentifier(this.schema)}, ` : ''}public`);
            return await work(client);
        } finally {
            client.release();
        }
    }

    async close(): Promise<void> {
        if (this.ownsPool) await this.pool.end();
    }
}

type TypeParserLookup = (oid: number, format?: 'text' | 'binary') => (value: string) => unknown;

/** node-postgres' parsers, except: 64-bit integers (and integral numerics) exact, other numerics as numbers, dates and times as text. */
function typeParsers(defaults: (oid: number, format: 'text') => unknown): TypeParserLookup {
    return oid => {
        if (oid === INT8) return (value: string) => exactIntegerValue(BigInt(value));
        // An integral numeric (`1234567890123456789`, `5.0`) is exact; others are numbers.
        if (oid === NUMERIC) return (value: string) => { const whole = /^(-?\d+)(?:\.0*)?$/.exec(value); return whole ? exactIntegerValue(BigInt(whole[1])) : Number(value); };
        if (oid === DATE || oid === TIMESTAMP || oid === TIMESTAMPTZ) return (value: string) => value;
        return defaults(oid, 'text') as (value: string) => unknown;
    };
}

/** A connection URL without its password, for messages. */
export function redact(url: string): string {
    return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
