import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { duckdbDialect } from '../compiler/sql/duckdb-dialect.js';
import { sqliteDialect } from '../compiler/sql/sqlite-dialect.js';
import { UNKNOWN_STORAGE } from '../compiler/storage.js';
import type { SqlValue } from './engine.js';
import { affinity, coerce, copyType, describeSource, listSource, sourceRows, type CopyType, type ListedTable, type SourceTable, type SqliteReader, type StorageClasses } from './sqlite-source.js';

const q = duckdbDialect.quoteIdentifier;
const sq = sqliteDialect.quoteIdentifier;
const TYPES: Readonly<Record<CopyType, string>> = { integer: 'BIGINT', real: 'DOUBLE', text: 'VARCHAR', blob: 'BLOB' };

/** Rows per CSV file handed to DuckDB: a file is loaded while the next one is written. */
const CHUNK_ROWS = 250_000;
/** Columns whose storage classes one 30-bit mask holds (5 bits each, JavaScript's `|` is 32-bit). */
const MASK_COLUMNS = 6;

export interface CopyOptions {
    /** Where the CSV chunks are written (a private folder is made inside it and removed). */
    readonly tempDir?: string;
    /** Rows per CSV chunk (default 250,000). */
    readonly chunkRows?: number;
    /** Told how each table was copied: by CSV chunks, or value by value. */
    readonly onTable?: (table: string, how: 'csv' | 'values') => void;
    /** Told of each text column converted to DuckDB's own dates or timestamps (`convertTimes`). */
    readonly onConverted?: (table: string, column: ConvertedColumn) => void;
}

/** A text column the copy holds as DuckDB dates or timestamps. */
export interface ConvertedColumn {
    readonly column: string;
    readonly type: 'DATE' | 'TIMESTAMP';
    /** Whether each value's text, as DuckDB writes the converted value, is the text stored (else reading it as text would differ). */
    readonly sameText: boolean;
}

/**
 * The comment a converted column carries in the copy when its text as DuckDB writes it is not
 * the text stored (`T`, `Z`, fractions, offsets): the engine refuses to read it as text.
 */
export const CONVERTED_TEXT_DIFFERS = 'segments: text converted to timestamps; the stored text is not kept';

/**
 * Copies every table of a SQLite database into a DuckDB schema. Values keep SQLite's storage:
 * dates as ISO text, booleans as 0/1, which the DuckDB dialect reads. Returns the rows copied.
 *
 * Each table is read once: SQLite writes each row as a CSV line (text quoted, numbers as SQLite
 * prints them, which round-trips a double exactly) together with the storage classes of its
 * values, and DuckDB loads the lines by chunks with its CSV reader while the next chunk is read.
 * The column types are those `describeSource` would pick, decided from the first chunk and
 * checked on every other; a table whose later values need another type, or that holds blobs or
 * reals beside text, is copied again value by value through the appender with the types found
 * by a full pass, as before.
 */
export async function copySqliteIntoDuckDb(conn: DuckDBConnection, source: SqliteReader, schema: string, options: CopyOptions = {}): Promise<number> {
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
    const folder = mkdtempSync(join(options.tempDir ?? tmpdir(), 'segments-copy-'));
    let total = 0;
    try {
        for (const table of listSource(source)) {
            const copied = await copyByCsv(conn, source, schema, table, folder, options.chunkRows ?? CHUNK_ROWS);
            options.onTable?.(table.name, copied === undefined ? 'values' : 'csv');
            if (copied !== undefined) {
                total += copied;
            } else {
                await conn.run(`DROP TABLE IF EXISTS ${q(schema)}.${q(table.name)}`);
                total += await copyByAppender(conn, source, schema, describeSource(source, [table.name])[0]);
            }
            for (const column of await convertTimes(conn, schema, table.name)) options.onConverted?.(table.name, column);
        }
    } finally {
        rmSync(folder, { recursive: true, force: true });
    }
    return total;
}

/** The CSV path; undefined when the table must go through the appender instead. */
async function copyByCsv(conn: DuckDBConnection, source: SqliteReader, schema: string, table: ListedTable, folder: string, chunkRows: number): Promise<number | undefined> {
    const n = table.columns.length;
    if (n === 0) return undefined;
    const sql = `SELECT ${[lineExpression(table), ...maskExpressions(table)].join(', ')} FROM ${sq(table.name)}`;
    const seen = new Array<number>(n).fill(0);
    let types: CopyType[] | undefined;
    let lines: string[] = [];
    let loading: Promise<void> | undefined;
    let chunk = 0;
    let rows = 0;
    const target = `${q(schema)}.${q(table.name)}`;
    const flush = async (): Promise<boolean> => {
        const decided = seen.map((classes, i) => copyType(classes, affinity(table.columns[i].declared)));
        if (!types) {
            types = decided;
            if (!types.every((t, i) => fitsCsv(t, seen[i]))) return false;
            await conn.run(`CREATE TABLE ${target} (${table.columns.map((c, i) => `${q(c.name)} ${TYPES[types![i]]}`).join(', ')})`);
        } else if (!decided.every((t, i) => t === types![i] && fitsCsv(t, seen[i]))) {
            return false;
        }
        if (lines.length === 0) return true;
        const file = join(folder, `${chunk++}.csv`);
        writeFileSync(file, `${lines.join('\n')}\n`);
        lines = [];
        await loading;
        loading = conn.run(`COPY ${target} FROM ${duckdbDialect.stringLiteral(file)} (${CSV_OPTIONS})`).then(() => rmSync(file, { force: true }));
        return true;
    };
    try {
        for (const row of source.iterate(sql)) {
            lines.push(String(row[0]));
            for (let m = 1; m < row.length; m++) {
                const mask = Number(row[m]);
                const first = (m - 1) * MASK_COLUMNS;
                for (let c = 0; c < MASK_COLUMNS && first + c < n; c++) seen[first + c] |= (mask >>> (5 * c)) & 31;
            }
            rows++;
            if (lines.length === chunkRows && !(await flush())) return undefined;
        }
        if (!(await flush())) return undefined;
        await loading;
        loading = undefined;
        return rows;
    } finally {
        await loading?.catch(() => undefined);
    }
}

/** Rows of a text column looked at first: a column whose first values are not all dates is not read in full. */
const SCREEN_ROWS = 2_000;

/**
 * Converts, once, each text column of a copied table whose every stored value is a readable
 * date or datetime (reference 2: ISO forms, `T` or space, a fraction, `Z` or an offset) into
 * DuckDB's own type, with the value the dialect reads from the text (an offset converted to
 * UTC, a fraction to the millisecond): a column of dates alone becomes DATE, any other
 * TIMESTAMP. Queries then read the values as they are instead of parsing every text each time.
 * A column holding one value that is not a readable datetime (`2026/06/01`, `now`) stays text,
 * so that value stays missing and the data checks count it as on the other engines. A column
 * whose text DuckDB would write back otherwise than stored is marked (`CONVERTED_TEXT_DIFFERS`).
 */
async function convertTimes(conn: DuckDBConnection, schema: string, table: string): Promise<ConvertedColumn[]> {
    const target = `${q(schema)}.${q(table)}`;
    const read = async (sql: string): Promise<unknown[]> => (await conn.runAndReadAll(sql)).getRows()[0] ?? [];
    const texts = (await conn.runAndReadAll(`SELECT column_name FROM information_schema.columns WHERE table_schema = ${duckdbDialect.stringLiteral(schema)} AND table_name = ${duckdbDialect.stringLiteral(table)} AND data_type = 'VARCHAR' ORDER BY ordinal_position`))
        .getRows().map(r => String(r[0]));
    if (texts.length === 0) return [];
    const asTime = (c: string): string => duckdbDialect.columnAsDateTime(q(c), 'datetime', UNKNOWN_STORAGE);
    // The cheap screen: the first rows' values, each a datetime or NULL, and at least one value.
    const screen = await read(`SELECT ${texts.map(c => `count(${q(c)}) > 0 AND count(${q(c)}) = count(${asTime(c)})`).join(', ')} FROM (SELECT * FROM ${target} LIMIT ${SCREEN_ROWS})`);
    const candidates = texts.filter((_, i) => screen[i] === true);
    if (candidates.length === 0) return [];
    // Each value read once (`t${i}` beside its text `v${i}`), then four facts per column.
    const inner = candidates.map((c, i) => `${q(c)} AS v${i}, ${asTime(c)} AS t${i}`).join(', ');
    const terms = candidates.flatMap((_, i) => [
        `count(v${i}) = count(t${i})`,
        `count(v${i}) FILTER (WHERE length(v${i}) <> 10) = 0`,
        `count(v${i}) FILTER (WHERE CAST(t${i} AS VARCHAR) <> v${i}) = 0`,
        `count(v${i}) FILTER (WHERE CAST(CAST(t${i} AS DATE) AS VARCHAR) <> v${i}) = 0`
    ]);
    const facts = await read(`SELECT ${terms.join(', ')} FROM (SELECT ${inner} FROM ${target})`);
    const converted: ConvertedColumn[] = [];
    for (const [i, c] of candidates.entries()) {
        const [readable, datesOnly, sameTimestamp, sameDate] = facts.slice(i * 4, i * 4 + 4).map(v => v === true);
        if (!readable) continue;
        const type = datesOnly ? 'DATE' : 'TIMESTAMP';
        const value = type === 'DATE' ? `CAST(${asTime(c)} AS DATE)` : asTime(c);
        await conn.run(`ALTER TABLE ${target} ALTER COLUMN ${q(c)} SET DATA TYPE ${type} USING ${value}`);
        const sameText = type === 'DATE' ? sameDate : sameTimestamp;
        if (!sameText) await conn.run(`COMMENT ON COLUMN ${target}.${q(c)} IS ${duckdbDialect.stringLiteral(CONVERTED_TEXT_DIFFERS)}`);
        converted.push({ column: c, type, sameText });
    }
    return converted;
}

const CSV_OPTIONS = "FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULLSTR '', ALLOW_QUOTED_NULLS false, AUTO_DETECT false, NEW_LINE '\\n', STRICT_MODE true";

/**
 * Whether a column's values can go through CSV as SQLite prints them: blobs cannot, and a real
 * in a text column would be printed by SQLite, not as the value-by-value copy writes it.
 */
function fitsCsv(type: CopyType, classes: number): boolean {
    if (type === 'blob' || (classes & CLASS.blob) !== 0) return false;
    return type !== 'text' || (classes & CLASS.real) === 0;
}

/** The storage-class bits of one value (`StorageClasses` in sqlite-source.ts). */
const CLASS: Readonly<Record<keyof StorageClasses, number>> = { text: 1, real: 2, blob: 4, integer: 8, huge: 16 };

/** One CSV line per row: NULL as nothing, text quoted (quotes doubled), numbers as SQLite prints them. */
function lineExpression(table: ListedTable): string {
    return table.columns.map(column => {
        const c = sq(column.name);
        return `(CASE WHEN ${c} IS NULL THEN '' WHEN typeof(${c}) IN ('integer', 'real') THEN CAST(${c} AS TEXT) ELSE '"' || replace(CAST(${c} AS TEXT), '"', '""') || '"' END)`;
    }).join(` || ',' || `);
}

/** The storage classes of a row's values, six columns per integer. */
function maskExpressions(table: ListedTable): string[] {
    const masks: string[] = [];
    for (let start = 0; start < table.columns.length; start += MASK_COLUMNS) {
        masks.push(table.columns.slice(start, start + MASK_COLUMNS).map((column, i) => {
            const c = sq(column.name);
            const bits = `(CASE typeof(${c}) WHEN 'integer' THEN (CASE WHEN abs(${c}) > 9007199254740991 THEN ${CLASS.integer | CLASS.huge} ELSE ${CLASS.integer} END) `
                + `WHEN 'real' THEN ${CLASS.real} WHEN 'text' THEN ${CLASS.text} WHEN 'blob' THEN ${CLASS.blob} ELSE 0 END)`;
            return i === 0 ? bits : `(${bits} << ${5 * i})`;
        }).join(' | '));
    }
    return masks;
}

async function copyByAppender(conn: DuckDBConnection, source: SqliteReader, schema: string, table: SourceTable): Promise<number> {
    const columns = table.columns.map(c => `${q(c.name)} ${TYPES[c.type]}`).join(', ');
    await conn.run(`CREATE TABLE ${q(schema)}.${q(table.name)} (${columns})`);
    const appender = await conn.createAppender(table.name, schema);
    const types = table.columns.map(c => c.type);
    let total = 0;
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
