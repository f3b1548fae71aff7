import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { duckdbDialect } from '../compiler/sql/duckdb-dialect.js';
import type { SqlValue } from './engine.js';
import { coerce, describeSource, sourceRows, type CopyType, type SqliteReader } from './sqlite-source.js';

const q = duckdbDialect.quoteIdentifier;
const TYPES: Readonly<Record<CopyType, string>> = { integer: 'BIGINT', real: 'DOUBLE', text: 'VARCHAR', blob: 'BLOB' };

/**
 * Copies every table of a SQLite database into a DuckDB schema with the appender (DuckDB's
 * `sqlite` extension would need a download). Values keep SQLite's storage: dates as ISO text,
 * booleans as 0/1, which the DuckDB dialect reads. Returns the number of rows copied.
 */
export async function copySqliteIntoDuckDb(conn: DuckDBConnection, source: SqliteReader, schema: string): Promise<number> {
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
    let total = 0;
    for (const table of describeSource(source)) {
        const columns = table.columns.map(c => `${q(c.name)} ${TYPES[c.type]}`).join(', ');
        await conn.run(`CREATE TABLE ${q(schema)}.${q(table.name)} (${columns})`);
        const appender = await conn.createAppender(table.name, schema);
        const types = table.columns.map(c => c.type);
        try {
            for (const row of sourceRows(source, table)) {
                for (let i = 0; i < types.length; i++) append(appender, coerce(row[i] ?? null, types[i]), types[i]);
                appender.endRow();
                total++;
            }
            appender.flushSync();
        } finally {
            appender.closeSync();
        }
    }
    return total;
}

function append(appender: DuckDBAppender, value: SqlValue, type: CopyType): void {
    if (value === null) return appender.appendNull();
    switch (type) {
        case 'integer':
            return appender.appendBigInt(typeof value === 'bigint' ? value : BigInt(value as number));
        case 'real':
            return appender.appendDouble(value as number);
        case 'text':
            return appender.appendVarchar(value as string);
        case 'blob':
            return appender.appendBlob(value as Uint8Array);
    }
}
