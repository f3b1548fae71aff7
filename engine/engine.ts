/** A database that runs the compiler's SQL. sql.js is the embedded default; others plug in here. */
export interface SqlEngine {
    readonly name: string;
    readonly dialect: import('../compiler/sql/dialect.js').Dialect;
    /** Rows of a query, each an array of column values (numbers, strings or null). */
    query(sql: string): Promise<SqlValue[][]>;
    close(): Promise<void>;
}

export type SqlValue = number | string | null | Uint8Array;

/** A user-facing problem with a database file: reported as one line, never a stack trace. */
export class DatabaseError extends Error {
    constructor(readonly file: string, message: string) {
        super(`${file}: ${message}`);
        this.name = 'DatabaseError';
    }
}
