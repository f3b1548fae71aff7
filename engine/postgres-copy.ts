import type { PoolClient } from 'pg';
import { postgresDialect } from '../compiler/sql/postgres-dialect.js';
import type { SqlValue } from './engine.js';
import { coerce, describeSource, sourceRows, type CopyType, type SourceTable, type SqliteReader } from './sqlite-source.js';

const q = postgresDialect.quoteIdentifier;
const TYPES: Readonly<Record<CopyType, string>> = { integer: 'BIGINT', real: 'DOUBLE PRECISION', text: 'TEXT', blob: 'BYTEA' };
const BATCH = 20_000;

export interface PostgresCopyOptions {
    /** Recreate the SQLite file's indexes (and a unique index per primary key); default true. */
    readonly indexes?: boolean;
    /** Run ANALYZE after loading; default true. */
    readonly analyze?: boolean;
}

/**
 * Copies every table of a SQLite database into a (new or emptied) PostgreSQL schema: columns
 * typed from their values, rows sent as arrays through `unnest` (one statement per batch),
 * then the indexes. Values keep SQLite's storage (ISO text dates, 0/1 booleans), which the
 * PostgreSQL dialect reads. Returns the number of rows copied.
 */
export async function copySqliteIntoPostgres(client: PoolClient, source: SqliteReader, schema: string, options: PostgresCopyOptions = {}): Promise<number> {
    await client.query(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`);
    await client.query(`CREATE SCHEMA ${q(schema)}`);
    let total = 0;
    for (const table of describeSource(source)) {
        const name = `${q(schema)}.${q(table.name)}`;
        await client.query(`CREATE TABLE ${name} (${table.columns.map(c => `${q(c.name)} ${TYPES[c.type]}`).join(', ')})`);
        const insert = `INSERT INTO ${name} SELECT * FROM unnest(${table.columns.map((c, i) => `$${i + 1}::${TYPES[c.type]}[]`).join(', ')})`;
        let batch: SqlValue[][] = table.columns.map(() => []);
        let size = 0;
        const flush = async (): Promise<void> => {
            if (size === 0) return;
            await client.query(insert, batch);
            total += size;
            batch = table.columns.map(() => []);
            size = 0;
        };
        for (const row of sourceRows(source, table)) {
            table.columns.forEach((c, i) => batch[i].push(coerce(row[i] ?? null, c.type)));
            if (++size === BATCH) await flush();
        }
        await flush();
        if (options.indexes !== false) await createIndexes(client, schema, table);
        if (options.analyze !== false) await client.query(`ANALYZE ${name}`);
    }
    return total;
}

async function createIndexes(client: PoolClient, schema: string, table: SourceTable): Promise<void> {
    const keys = table.columns.filter(c => c.primaryKey).map(c => c.name);
    const indexes = [...table.indexes];
    if (keys.length > 0 && !indexes.some(ix => ix.columns.join() === keys.join())) indexes.unshift({ columns: keys, unique: true });
    for (const ix of indexes) {
        await client.query(`CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ON ${q(schema)}.${q(table.name)} (${ix.columns.map(q).join(', ')})`);
    }
}
