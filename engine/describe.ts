import type { ColumnInfo, ForeignKeyInfo, TableInfo } from '../compiler/schema-text.js';
import type { Dialect } from '../compiler/sql/dialect.js';
import { duckdbDialect } from '../compiler/sql/duckdb-dialect.js';
import { postgresDialect } from '../compiler/sql/postgres-dialect.js';
import { sqliteDialect } from '../compiler/sql/sqlite-dialect.js';
import type { SqlValue } from './engine.js';

/**
 * What each engine's catalog says about its tables, for schema generation: columns with their
 * declared type, primary key position and a sample of values; foreign keys with the columns they
 * refer to; single-column unique constraints.
 */

const SAMPLE = 200;

type Query = (sql: string) => Promise<SqlValue[][]>;

/** A SQLite database, through any reader of rows. */
export function describeSqlite(all: (sql: string) => SqlValue[][], sampleSize = SAMPLE): TableInfo[] {
    const lit = sqliteDialect.stringLiteral;
    const q = sqliteDialect.quoteIdentifier;
    const names = all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map(r => String(r[0]));
    return names.map(table => {
        const columns: ColumnInfo[] = all(`SELECT name, type, pk FROM pragma_table_info(${lit(table)}) ORDER BY cid`).map(r => ({
            name: String(r[0]), declaredType: String(r[1] ?? ''), primaryKey: Number(r[2]),
            sample: all(`SELECT ${q(String(r[0]))} FROM ${q(table)} WHERE ${q(String(r[0]))} IS NOT NULL LIMIT ${sampleSize}`).map(v => v[0])
        }));
        const byId = new Map<number, { table: string; columns: string[]; to: (string | null)[] }>();
        for (const r of all(`SELECT id, "from", "table", "to" FROM pragma_foreign_key_list(${lit(table)}) ORDER BY id, seq`)) {
            const fk = byId.get(Number(r[0])) ?? { table: String(r[2]), columns: [], to: [] };
            fk.columns.push(String(r[1]));
            fk.to.push(r[3] === null ? null : String(r[3]));
            byId.set(Number(r[0]), fk);
        }
        const uniqueColumns: string[] = [];
        for (const index of all(`SELECT name FROM pragma_index_list(${lit(table)}) WHERE "unique" = 1 AND partial = 0 AND origin <> 'pk' ORDER BY name`)) {
            const cols = all(`SELECT name FROM pragma_index_info(${lit(String(index[0]))})`).map(r => r[0]);
            const column = columns.find(c => c.name === cols[0]);
            const notNull = column && all(`SELECT "notnull" FROM pragma_table_info(${lit(table)}) WHERE name = ${lit(column.name)}`)[0]?.[0];
            if (cols.length === 1 && column && Number(notNull) === 1) uniqueColumns.push(column.name);
        }
        return { name: table, columns, foreignKeys: [...byId.values()], uniqueColumns };
    });
}

/** Column-name lists come back as JSON text, whatever the names hold. */
function names(value: SqlValue): string[] {
    return value === null ? [] : (JSON.parse(String(value)) as string[]);
}

async function samples(query: Query, dialect: Dialect, table: string, column: string, sampleSize: number): Promise<unknown[]> {
    const q = dialect.quoteIdentifier;
    return (await query(`SELECT ${q(column)} FROM ${q(table)} WHERE ${q(column)} IS NOT NULL LIMIT ${sampleSize}`)).map(r => r[0]);
}

/** The tables of the first schema on a PostgreSQL session's search path (`--schema`, or public). */
export async function describePostgres(query: Query, sampleSize = SAMPLE): Promise<TableInfo[]> {
    const columns = await query(`SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum`);
    const constraints = await query(`SELECT rel.relname, con.contype,
            (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)::text,
            frel.relname, fn.nspname,
            (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum)::text,
            (SELECT bool_and(a.attnotnull) FROM unnest(con.conkey) k(attnum) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)
        FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace n ON n.oid = rel.relnamespace
        LEFT JOIN pg_class frel ON frel.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = frel.relnamespace
        WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f')
        ORDER BY rel.relname, con.conname`);
    const current = String((await query('SELECT current_schema()'))[0]?.[0] ?? 'public');
    return assemble(columns, constraints.map(r => ({
        table: String(r[0]), kind: String(r[1]) === 'p' ? 'primary' : String(r[1]) === 'u' ? 'unique' : 'foreign',
        columns: names(r[2]), target: r[3] === null ? undefined : String(r[3]), to: names(r[5]),
        otherSchema: r[4] !== null && String(r[4]) !== current ? String(r[4]) : undefined, notNull: String(r[6]) === 'true' || r[6] === 1
    })), (table, column) => samples(query, postgresDialect, table, column, sampleSize));
}

/** The tables and views (Parquet and CSV files are views) of a DuckDB connection's current schema. */
export async function describeDuckDb(query: Query, sampleSize = SAMPLE): Promise<TableInfo[]> {
    const columns = await query(`SELECT table_name, column_name, data_type FROM duckdb_columns()
        WHERE schema_name = current_schema() AND database_name = current_database() AND NOT internal
        ORDER BY table_name, column_index`);
    const constraints = await query(`SELECT table_name, constraint_type, to_json(constraint_column_names)::VARCHAR,
            referenced_table, to_json(referenced_column_names)::VARCHAR
        FROM duckdb_constraints() WHERE schema_name = current_schema() AND database_name = current_database()
            AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
        ORDER BY table_name, constraint_index`);
    const notNull = new Set((await query(`SELECT table_name, to_json(constraint_column_names)::VARCHAR FROM duckdb_constraints()
        WHERE schema_name = current_schema() AND database_name = current_database() AND constraint_type = 'NOT NULL'`))
        .flatMap(r => names(r[1]).map(c => `${String(r[0])}\u0000${c}`)));
    return assemble(columns, constraints.map(r => {
        const cols = names(r[2]);
        return {
            table: String(r[0]), kind: String(r[1]) === 'PRIMARY KEY' ? 'primary' : String(r[1]) === 'UNIQUE' ? 'unique' : 'foreign',
            columns: cols, target: r[3] === null ? undefined : String(r[3]), to: names(r[4]),
            notNull: cols.every(c => notNull.has(`${String(r[0])}\u0000${c}`))
        };
    }), (table, column) => samples(query, duckdbDialect, table, column, sampleSize));
}

interface Constraint {
    readonly table: string;
    readonly kind: 'primary' | 'unique' | 'foreign';
    readonly columns: readonly string[];
    readonly target?: string;
    readonly to: readonly string[];
    readonly otherSchema?: string;
    readonly notNull: boolean;
}

async function assemble(columns: readonly SqlValue[][], constraints: readonly Constraint[], sample: (table: string, column: string) => Promise<unknown[]>): Promise<TableInfo[]> {
    const tables = new Map<string, { name: string; declared: { name: string; type: string }[] }>();
    for (const r of columns) {
        const name = String(r[0]);
        const table = tables.get(name) ?? { name, declared: [] };
        table.declared.push({ name: String(r[1]), type: String(r[2] ?? '') });
        tables.set(name, table);
    }
    const result: TableInfo[] = [];
    for (const table of [...tables.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const own = constraints.filter(c => c.table === table.name);
        const primary = own.find(c => c.kind === 'primary')?.columns ?? [];
        const cols: ColumnInfo[] = [];
        for (const c of table.declared) cols.push({ name: c.name, declaredType: c.type, primaryKey: primary.indexOf(c.name) + 1, sample: await sample(table.name, c.name) });
        const foreignKeys: ForeignKeyInfo[] = own.filter(c => c.kind === 'foreign' && c.target !== undefined).map(c => ({
            columns: c.columns, table: c.target!, to: c.columns.map((_, i) => c.to[i] ?? null), ...(c.otherSchema !== undefined ? { otherSchema: c.otherSchema } : {})
        }));
        const uniqueColumns = own.filter(c => c.kind === 'unique' && c.columns.length === 1 && c.notNull).map(c => c.columns[0]);
        result.push({ name: table.name, columns: cols, foreignKeys, uniqueColumns });
    }
    return result;
}
