/** better-sqlite3 (native SQLite), the baseline the benchmark compares sql.js with. */
import Database from 'better-sqlite3';

export type NativeDb = Database.Database;

export async function openNativeWritable(file: string): Promise<NativeDb> {
    return new Database(file);
}

export function openNativeReadOnly(file: string): NativeDb {
    return new Database(file, { readonly: true, fileMustExist: true });
}
