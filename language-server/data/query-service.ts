import type { SqlValue } from '../../engine/engine.js';

/** Where a database file stands: missing, unreadable, or opened at a given modification time. */
export type DatabaseStatus =
    | { readonly kind: 'missing'; readonly message: string }
    | { readonly kind: 'unreadable'; readonly message: string }
    | { readonly kind: 'ok'; readonly mtime: number };

/** A table of the database, with its column names as stored. */
export interface TableInfo {
    readonly name: string;
    readonly columns: readonly string[];
}

/**
 * Runs read-only queries on database files, off the editing path: implementations keep one
 * opened copy per file and modification time, and reopen it when the file changes.
 */
export interface QueryService {
    status(file: string): Promise<DatabaseStatus>;
    tables(file: string): Promise<readonly TableInfo[]>;
    /** Rows of a query; rejects with a `QueryCancelled` when `cancel` is called first. */
    query(file: string, sql: string, signal?: AbortSignal): Promise<SqlValue[][]>;
    dispose(): void;
}

export class QueryCancelled extends Error {
    constructor() {
        super('query cancelled');
        this.name = 'QueryCancelled';
    }
}
