import type { ColumnRequest, StorageFacts } from '../compiler/storage.js';

/** A database that runs the compiler's SQL. sql.js is the embedded default; others plug in here. */
export interface SqlEngine {
    readonly name: string;
    readonly dialect: import('../compiler/sql/dialect.js').Dialect;
    /** Rows of a query, each an array of column values: numbers, integers beyond 2^53 as bigints, strings or null. */
    query(sql: string): Promise<SqlValue[][]>;
    /**
     * How the given columns are stored in this copy of the data (looked at once per column),
     * and the figures the compiler asked for (`StorageFacts.quantity`, each measured once).
     */
    storage(columns: readonly ColumnRequest[], quantities?: readonly string[]): Promise<StorageFacts>;
    close(): Promise<void>;
}

export type SqlValue = number | bigint | string | null | Uint8Array;

/** An integer from a driver as a number when that is exact, else as a bigint. */
export function exactIntegerValue(value: bigint): number | bigint {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** A user-facing problem with a database file: reported as one line, never a stack trace. */
export class DatabaseError extends Error {
    constructor(readonly file: string, message: string) {
        super(`${file}: ${message}`);
        this.name = 'DatabaseError';
    }
}
