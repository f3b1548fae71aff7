import type { KeyValue } from '../compiler/ir.js';
import { keyLiteral, type Dialect } from '../compiler/sql/dialect.js';

/** Why a table destination was not written: one sentence, with what to do. */
export class TableDestinationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'TableDestinationError';
    }
}

/** A member as a table destination holds it (reference, section 7: `(segment, key, entered_at)`). */
export interface MemberRow {
    readonly key: KeyValue;
    /** The "as of" instant of the refresh the member last entered at, `YYYY-MM-DD HH:MM:SS` (UTC). */
    readonly enteredAt: string;
}

/** The database a table destination is written to, and how it runs statements in one transaction. */
export interface TableDatabase {
    /** The dialect every name and value of the statements goes through (exact quoting, no case folding). */
    readonly dialect: Dialect;
    /** Where, for messages: "the PostgreSQL schema s", "the DuckDB file f", "the history store f". */
    readonly where: string;
    /** The columns of `table` where it is written (name and type), none when there is no such table. */
    columns(table: string): Promise<{ name: string; type: string }[]>;
    /** Runs the statements in one transaction (other writers of `table` wait; readers see the table before or after, never between). */
    transaction(table: string, statements: readonly string[]): Promise<void>;
}

/** The columns of a members table, in order. */
export const MEMBER_COLUMNS = ['segment', 'key', 'entered_at'] as const;

/** Rows a single INSERT writes. */
const BATCH = 1000;

/**
 * Replaces `segment`'s rows of `table` with its members, in one transaction: the table is
 * created when missing (`segment` text, `key` of the audience key's type, `entered_at` a
 * timestamp; the key of each segment once). A table of that name that is not a members table
 * (other columns: a user's table, or the history store's own) is never touched.
 */
export async function writeMemberTable(db: TableDatabase, table: string, segment: string, keyType: 'number' | 'text', rows: readonly MemberRow[]): Promise<void> {
    const existing = await db.columns(table);
    const names = existing.map(c => c.name.toLowerCase());
    if (existing.length > 0 && (names.length !== MEMBER_COLUMNS.length || !MEMBER_COLUMNS.every(c => names.includes(c)))) {
        throw new TableDestinationError(`${db.where} already has a table ${table} that is not a members table (its columns are ${existing.map(c => c.name).join(', ')}, not segment, key, entered_at), so it was left alone: name another table in the destination`);
    }
    const keyColumn = existing.find(c => c.name.toLowerCase() === 'key');
    const textKeys = keyColumn ? /char|text|string|clob/i.test(keyColumn.type) : keyType === 'text';
    if (!textKeys) {
        const bad = rows.find(r => typeof r.key === 'string' || (typeof r.key === 'number' && !Number.isInteger(r.key)));
        if (bad) throw new TableDestinationError(`the key column of ${table} in ${db.where} holds whole numbers and ${segment}'s key ${String(bad.key)} is not one: send segments of text keys to another table`);
    }
    const d = db.dialect;
    const q = (name: string): string => d.quoteIdentifier(name);
    const [seg, key, entered] = MEMBER_COLUMNS.map(q);
    const types = columnTypes(d, textKeys);
    const statements = [
        `CREATE TABLE IF NOT EXISTS ${q(table)} (${seg} ${types.segment} NOT NULL, ${key} ${types.key} NOT NULL, ${entered} ${types.enteredAt} NOT NULL, PRIMARY KEY (${seg}, ${key}))`,
        `DELETE FROM ${q(table)} WHERE ${seg} = ${d.stringLiteral(segment)}`
    ];
    for (let i = 0; i < rows.length; i += BATCH) {
        const values = rows.slice(i, i + BATCH).map(r => `(${d.stringLiteral(segment)}, ${textKeys ? d.stringLiteral(String(r.key)) : keyLiteral(d, r.key)}, ${d.dateTimeLiteral(r.enteredAt)})`);
        statements.push(`INSERT INTO ${q(table)} (${seg}, ${key}, ${entered}) VALUES ${values.join(', ')}`);
    }
    try {
        await db.transaction(table, statements);
    } catch (e) {
        throw new TableDestinationError(`the table ${table} could not be written in ${db.where} (${firstLine(e)}); nothing of this refresh was written to it`);
    }
}

function columnTypes(d: Dialect, textKeys: boolean): { segment: string; key: string; enteredAt: string } {
    if (d.name === 'sqlite') return { segment: 'TEXT', key: textKeys ? 'TEXT' : 'INTEGER', enteredAt: 'TEXT' };
    return { segment: d.name === 'duckdb' ? 'VARCHAR' : 'TEXT', key: textKeys ? (d.name === 'duckdb' ? 'VARCHAR' : 'TEXT') : 'BIGINT', enteredAt: 'TIMESTAMP' };
}

function firstLine(e: unknown): string {
    return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
