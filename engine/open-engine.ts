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
    /** A DuckDB database file is opened for writing (a table destination is written to it). */
    readonly writable?: boolean;
}

/** A target that cannot be opened as asked: a setting or option is missing. One line for the user. */
export class EngineChoiceError extends Error {
    /** `engine-not-installed`: this build or installation has no driver for the engine (`engine`). */
    constructor(message: string, readonly code?: 'engine-not-installed', readonly engine?: EngineName) {
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
        await driver('postgres', () => import('pg'));
        const { PostgresEngine } = await import('./postgres-engine.js');
        return PostgresEngine.connect(target.postgresUrl, target.postgresSchema || undefined);
    }
    if (!target.file) throw new EngineChoiceError('No `database "file.sqlite"` line in this workspace folder: add one to a .segment file.');
    if (target.engine === 'duckdb') {
        // DuckDB also reads a folder of Parquet or CSV files.
        await checkDatabasePath(target.file, { folder: true });
        await driver('duckdb', () => import('@duckdb/node-api'));
        const { DuckDbEngine } = await import('./duckdb-engine.js');
        return DuckDbEngine.open(target.file, { writable: target.writable === true });
    }
    return SqlJsEngine.open(target.file);
}

/** How to get each engine's driver, for the sentence a build without it shows. */
const INSTALL_HINTS: Readonly<Record<Exclude<EngineName, 'sqljs'>, string>> = {
    duckdb: 'the build for your platform includes it (`npm run package:with-duckdb` for the extension; `npm install @duckdb/node-api` beside the command line)',
    postgres: 'every build includes it, so this installation is damaged: install Segments again'
};

/**
 * Loads a driver ahead of use, so that a build without it gets a sentence, not a resolver error:
 * a missing module says which build has the engine; a module that is there but fails to load
 * (a native library for another platform) says so with the loader's first line.
 */
async function driver(engine: Exclude<EngineName, 'sqljs'>, load: () => Promise<unknown>): Promise<void> {
    try {
        await load();
    } catch (e) {
        const code = (e as { code?: unknown }).code;
        const label = ENGINE_LABELS[engine];
        if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
            throw new EngineChoiceError(`This installation of Segments does not include the ${label} engine: ${INSTALL_HINTS[engine]}. Or pick sql.js, which every build has.`, 'engine-not-installed', engine);
        }
        throw new EngineChoiceError(`The ${label} engine could not load on this machine (${(e as Error).message.split('\n')[0]}); pick sql.js, or install the build for this platform.`);
    }
}
