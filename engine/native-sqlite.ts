import type { SqlValue } from './engine.js';
import { DatabaseError } from './engine.js';
import type { SqliteReader } from './sqlite-source.js';

/** The part of better-sqlite3 used here (a dev dependency, loaded only when asked for). */
interface NativeStatement {
    raw(on: boolean): NativeStatement;
    all(): unknown[];
    iterate(): IterableIterator<unknown>;
}
export interface NativeDatabase {
    prepare(sql: string): NativeStatement;
    exec(sql: string): unknown;
    close(): unknown;
}
type NativeConstructor = new (file: string, options?: { readonly?: boolean; fileMustExist?: boolean }) => NativeDatabase;

let available: Promise<boolean> | undefined;

/** Whether better-sqlite3 and its native build load in this process (looked at once). */
export function nativeSqliteAvailable(): Promise<boolean> {
    available ??= import('better-sqlite3').then(
        m => {
            try {
                new (m as unknown as { default: NativeConstructor }).default(':memory:').close();
                return true;
            } catch {
                return false;
            }
        },
        () => false
    );
    return available;
}

/** Opens a SQLite file read-only with better-sqlite3 (native SQLite): the fast way to read a big file. */
export async function openNativeSqlite(file: string): Promise<NativeDatabase> {
    let Native: NativeConstructor;
    try {
        Native = ((await import('better-sqlite3')) as unknown as { default: NativeConstructor }).default;
    } catch (e) {
        throw new DatabaseError(file, `better-sqlite3 is not installed (${(e as Error).message})`);
    }
    try {
        return new Native(file, { readonly: true, fileMustExist: true });
    } catch (e) {
        throw new DatabaseError(file, `not a readable SQLite database (${(e as Error).message})`);
    }
}

export function nativeReader(db: NativeDatabase): SqliteReader {
    return {
        all: sql => db.prepare(sql).raw(true).all() as SqlValue[][],
        iterate: sql => db.prepare(sql).raw(true).iterate() as IterableIterator<SqlValue[]>
    };
}
