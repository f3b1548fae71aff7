/**
 * Writes generated tables to a SQLite file with sql.js: declared primary keys and foreign keys
 * (so schema generation can find the relationships), an index per foreign-key column, rows
 * inserted with prepared statements in one transaction, and the file replaced atomically.
 */
import fs from 'node:fs';
import initSqlJs, { type SqlJsStatic, type SqlValue } from 'sql.js';
import type { Column, Table } from './generate.js';

export interface WriteSqliteOptions {
  /** An initialised sql.js module; by default `initSqlJs()` is called (Node finds the wasm itself). */
  sql?: SqlJsStatic;
}

/** SQLite identifier quoting: names come from our own table definitions, quoted all the same. */
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function columnDefinition(column: Column): string {
  let sql = `${quote(column.name)} ${column.type}`;
  if (column.primaryKey) sql += ' PRIMARY KEY';
  if (column.references) sql += ` REFERENCES ${quote(column.references.table)}(${quote(column.references.column)})`;
  return sql;
}

/** The DDL for one table and the indexes on its foreign-key columns. */
export function tableDdl(table: Table): string[] {
  const create = `CREATE TABLE ${quote(table.name)} (\n  ${table.columns.map(columnDefinition).join(',\n  ')}\n)`;
  const indexes = table.columns
    .filter((c) => c.references)
    .map((c) => `CREATE INDEX ${quote(`idx_${table.name}_${c.name}`)} ON ${quote(table.name)}(${quote(c.name)})`);
  return [create, ...indexes];
}

function toSqlValue(value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string' || value instanceof Uint8Array) return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString().slice(0, 19).replace('T', ' ');
  return String(value);
}

export async function writeSqliteFile(tables: Table[], path: string, options: WriteSqliteOptions = {}): Promise<void> {
  const SQL = options.sql ?? (await initSqlJs());
  const db = new SQL.Database();
  try {
    db.run('PRAGMA foreign_keys = ON');
    db.run('BEGIN');
    for (const table of tables) {
      for (const statement of tableDdl(table)) db.run(statement);
    }
    for (const table of tables) {
      const placeholders = table.columns.map(() => '?').join(', ');
      const names = table.columns.map((c) => quote(c.name)).join(', ');
      const insert = db.prepare(`INSERT INTO ${quote(table.name)} (${names}) VALUES (${placeholders})`);
      try {
        for (const row of table.rows) {
          insert.run(row.map(toSqlValue));
        }
      } finally {
        insert.free();
      }
    }
    db.run('COMMIT');
    const bytes = db.export();
    const temporary = `${path}.tmp-${process.pid}`;
    try {
      fs.writeFileSync(temporary, bytes);
      fs.renameSync(temporary, path);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      throw error;
    }
  } finally {
    db.close();
  }
}
