import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { generateSchema, type TableInfo } from '../compiler/schema-text.js';
import { describeDuckDb, describePostgres } from '../engine/describe.js';
import type { SqlEngine } from '../engine/engine.js';
import { EngineChoiceError, openEngine, type EngineName } from '../engine/open-engine.js';
import { SqlJsEngine } from '../engine/sqljs-engine.js';
import { writeAtomically } from './atomic-write.js';
import { UsageError } from './errors.js';

export interface SchemaOptions {
    /** Write the schema to this file (atomically), its `database` path relative to it. */
    readonly out?: string;
    readonly engine?: EngineName;
    /** PostgreSQL: the connection URL (default: SEGMENTS_PG_URL) and the schema to read (default: public). */
    readonly url?: string;
    readonly schema?: string;
}

interface Output {
    out(text: string): void;
    err(text: string): void;
}

/**
 * `segments schema DATABASE`: a schema generated from a SQLite or DuckDB file, or from a
 * PostgreSQL schema, that `check` accepts; what the user must decide goes to stderr as warnings.
 */
export async function schema(file: string | undefined, options: SchemaOptions, io: Output): Promise<number> {
    const engine = options.engine ?? 'sqljs';
    if (engine !== 'postgres' && !file) throw new UsageError('schema needs a database file (or --engine postgres --url URL)');
    if (engine === 'postgres' && file) throw new UsageError('schema --engine postgres reads a server, not a file: pass --url (and --schema), not a file name');
    const { tables, header } = await describe(engine, file, options);
    const target = options.out === undefined ? undefined : resolve(options.out);
    const databasePath = file === undefined ? undefined : pathFrom(target ? dirname(target) : process.cwd(), resolve(file));
    const generated = generateSchema(databasePath, tables, header);
    for (const w of generated.warnings) io.err(`segments: warning: ${w}`);
    if (target) {
        writeAtomically(target, generated.text, options.out!);
        io.err(`segments: wrote ${options.out}${databasePath !== undefined ? `; its database path, ${JSON.stringify(databasePath)}, is relative to that file` : ''}.`);
    } else {
        io.out(generated.text);
        if (databasePath !== undefined) io.err(`segments: the database path ${JSON.stringify(databasePath)} is relative to the current folder: save the schema there, or use --out FILE to have it relative to FILE.`);
    }
    return 0;
}

async function describe(engine: EngineName, file: string | undefined, options: SchemaOptions): Promise<{ tables: TableInfo[]; header: string[] }> {
    if (engine === 'sqljs' || (engine === 'duckdb' && file !== undefined && isSqliteFile(file))) {
        // DuckDB runs a SQLite file on a copy of its tables: their keys are the SQLite file's own.
        const sqlite = await SqlJsEngine.open(file!);
        try {
            return { tables: sqlite.describe(), header: [] };
        } finally {
            await sqlite.close();
        }
    }
    const url = options.url ?? process.env.SEGMENTS_PG_URL;
    if (engine === 'postgres' && !url) throw new UsageError('--engine postgres needs --url postgres://user@host:port/database (or SEGMENTS_PG_URL)');
    let opened: SqlEngine;
    try {
        opened = await openEngine({ engine, file, postgresUrl: url, postgresSchema: options.schema });
    } catch (e) {
        if (e instanceof EngineChoiceError) throw new UsageError(e.message);
        throw e;
    }
    try {
        const query = (sql: string) => opened.query(sql);
        if (engine === 'postgres') {
            const schemaName = String((await query('SELECT current_schema()'))[0]?.[0] ?? '');
            if (options.schema !== undefined && schemaName !== options.schema) throw new UsageError(`the PostgreSQL database has no schema named ${options.schema}`);
            const tables = await describePostgres(query);
            if (tables.length === 0) throw new UsageError(`the PostgreSQL schema ${schemaName} has no tables`);
            return { tables, header: [`Generated from the PostgreSQL schema ${schemaName}: run it with --engine postgres (and --schema ${schemaName}).`] };
        }
        return { tables: await describeDuckDb(query), header: [`Generated from ${basename(file!)} on DuckDB: run it with --engine duckdb.`] };
    } finally {
        await opened.close();
    }
}

/** `to` relative to the folder `from`, with `/` between folders (`.segment` paths are the same on every system). */
function pathFrom(from: string, to: string): string {
    const path = relative(from, to) || basename(to);
    return sep === '/' ? path : path.split(sep).join('/');
}

function isSqliteFile(file: string): boolean {
    try {
        if (!statSync(file).isFile()) return false;
        const fd = openSync(file, 'r');
        try {
            const header = Buffer.alloc(16);
            readSync(fd, header, 0, 16, 0);
            return header.toString('latin1') === 'SQLite format 3\u0000';
        } finally {
            closeSync(fd);
        }
    } catch {
        return false;
    }
}
