import type { Dialect, DialectName } from './dialect.js';
import { duckdbDialect } from './duckdb-dialect.js';
import { postgresDialect } from './postgres-dialect.js';
import { sqliteDialect } from './sqlite-dialect.js';

/** The dialect registry, by name. */
export const DIALECTS: Readonly<Record<DialectName, Dialect>> = {
    sqlite: sqliteDialect,
    postgres: postgresDialect,
    duckdb: duckdbDialect
};

export function isDialectName(name: string): name is DialectName {
    return Object.hasOwn(DIALECTS, name);
}
