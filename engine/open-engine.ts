import { checkDatabasePath } from './database-file.js';
import type { SqlEngine } from './engine.js';
import { SqlJsEngine } from './sqljs-engine.js';

export type EngineName = 'sqljs' | 'duckdb' | 'postgres';
export const ENGINE_NAMES: readonly EngineName[] = ['sqljs', 'duckdb', 'postgres'];

/** How the engines are named to users. */
export const ENGINE_LABELS: Readonly<Record<EngineName, string>> = { sqljs: 'sql.js', duckdb: 'DuckDB', postgres: 'PostgreSQL' };

/** Where the data is: the workspace's database file, or a PostgreSQL server (and schema). */
export interface EngineTarget {
    readonly engine: EngineName;
    /** The file named by `database` (sql.js and DuckDB). */
    readonly file?: string;
    readonly postgresUrl?: string;
    readonly postgresSchema?: string;
}

/** A target that cannot be opened as asked: a setting or option is missing. One line for the user. */
export class EngineChoiceError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'EngineChoiceError';
    }
}

/**
 * Opens the engine a user picked. The bigger engines load their drivers only when picked, and
 * say so plainly when this build lacks one.
 */
export async function openEngine(target: EngineTarget): Promise<SqlEngine> {
    if (target.engine === 'postgres') {
        if (!target.postgresUrl) throw new EngineChoiceError('The PostgreSQL engine needs a connection URL (postgres://user@host:port/database).');
        await driver('PostgreSQL', () => import('pg'));
        const { PostgresEngine } = await import('./postgres-engine.js');
        return PostgresEngine.connect(target.postgresUrl, target.postgresSchema || undefined);
    }
    if (!target.file) throw new EngineChoiceError('No `database "file.sqlite"` line in this workspace folder: add one to a .segment file.');
    if (target.engine === 'duckdb') {
        // DuckDB also reads a folder of Parquet or CSV files.
        await checkDatabasePath(target.file, { folder: true });
        await driver('DuckDB', () => import('@duckdb/node-api'));
        const { DuckDbEngine } = await import('./duckdb-engine.js');
        return DuckDbEngine.open(target.file);
    }
    return SqlJsEngine.open(target.file);
}

/** Loads a driver ahead of use, so that a build without it gets a sentence, not a resolver error. */
async function driver(name: string, load: () => Promise<unknown>): Promise<void> {
    try {
        await load();
    } catch (e) {
        throw new EngineChoiceError(`The ${name} engine is not available in this installation (${(e as Error).message.split('\n')[0]}); pick sql.js, or install a build that includes it.`);
    }
}
