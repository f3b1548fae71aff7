import { stat } from 'node:fs/promises';
import { databaseReadMessage } from '../../engine/database-file.js';
import { DatabaseError, type SqlValue } from '../../engine/engine.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { QueryCancelled, type DatabaseStatus, type QueryService, type TableInfo } from './query-service.js';

interface Opened {
    readonly mtime: number;
    readonly engine: Promise<SqlJsEngine>;
    tables?: readonly TableInfo[];
}

/** Queries run in this thread on sql.js: for tests and for the query worker itself. */
export class InProcessQueryService implements QueryService {
    private readonly opened = new Map<string, Opened>();

    async status(file: string): Promise<DatabaseStatus> {
        let mtime: number;
        try {
            const info = await stat(file);
            // Not even opened: a device or FIFO may never end, or never start, when read.
            if (info.isDirectory()) return { kind: 'unreadable', message: databaseReadMessage({ kind: 'folder' }) };
            if (!info.isFile()) return { kind: 'unreadable', message: databaseReadMessage({ kind: 'not-regular', what: info.isFIFO() ? 'a named pipe (FIFO)' : info.isSocket() ? 'a socket' : 'a device' }) };
            mtime = info.mtimeMs;
        } catch {
            return { kind: 'missing', message: 'database file not found' };
        }
        try {
            await this.open(file, mtime);
            return { kind: 'ok', mtime };
        } catch (e) {
            return { kind: 'unreadable', message: e instanceof DatabaseError ? e.message.slice(file.length + 2) : String(e) };
        }
    }

    async tables(file: string): Promise<readonly TableInfo[]> {
        const status = await this.status(file);
        if (status.kind !== 'ok') return [];
        const opened = this.opened.get(file)!;
        opened.tables ??= (await opened.engine).tables().map(t => ({ name: t.name, columns: t.columns.map(c => c.name) }));
        return opened.tables;
    }

    async query(file: string, sql: string, signal?: AbortSignal): Promise<SqlValue[][]> {
        const status = await this.status(file);
        if (status.kind !== 'ok') throw new DatabaseError(file, status.message);
        const engine = await this.opened.get(file)!.engine;
        if (signal?.aborted) throw new QueryCancelled();
        return engine.querySync(sql);
    }

    private open(file: string, mtime: number): Promise<SqlJsEngine> {
        const current = this.opened.get(file);
        if (current && current.mtime === mtime) return current.engine;
        if (current) void current.engine.then(e => e.close(), () => undefined);
        const engine = SqlJsEngine.open(file);
        this.opened.set(file, { mtime, engine });
        engine.catch(() => this.opened.delete(file));
        return engine;
    }

    dispose(): void {
        for (const o of this.opened.values()) void o.engine.then(e => e.close(), () => undefined);
        this.opened.clear();
    }
}
