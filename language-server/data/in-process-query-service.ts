import { stat } from 'node:fs/promises';
import { databaseReadMessage } from '../../engine/database-file.js';
import { DatabaseError, type SqlValue } from '../../engine/engine.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { QueryCancelled, type DatabaseStatus, type QueryService, type TableInfo } from './query-service.js';

interface Opened {
    readonly stamp: string;
    readonly engine: Promise<SqlJsEngine>;
    tables?: readonly TableInfo[];
}

/**
 * Queries run in this thread on sql.js: in the query worker, the evaluator and the command line.
 * The copy is the thread's one copy of the file (`SqlJsEngine.open`), shared with the runs.
 */
export class InProcessQueryService implements QueryService {
    private readonly opened = new Map<string, Opened>();

    async status(file: string): Promise<DatabaseStatus> {
        let mtime: number;
        let stamp: string;
        try {
            const info = await stat(file);
            // Not even opened: a device or FIFO may never end, or never start, when read.
            if (info.isDirectory()) return { kind: 'unreadable', message: databaseReadMessage({ kind: 'folder' }) };
            if (!info.isFile()) return { kind: 'unreadable', message: databaseReadMessage({ kind: 'not-regular', what: info.isFIFO() ? 'a named pipe (FIFO)' : info.isSocket() ? 'a socket' : 'a device' }) };
            mtime = info.mtimeMs;
            stamp = `${info.size}:${info.mtimeMs}`;
        } catch {
            return { kind: 'missing', message: 'database file not found' };
        }
        try {
            await this.open(file, stamp);
            return { kind: 'ok', mtime };
        } catch (e) {
            return { kind: 'unreadable', message: e instanceof DatabaseError ? e.message.slice(file.length + 2) : String(e) };
        }
    }

    async tables(file: string): Promise<readonly TableInfo[]> {
        const status = await this.status(file);
        if (status.kind !== 'ok') return [];
        const opened = this.held(file);
        opened.tables ??= (await opened.engine).tables().map(t => ({ name: t.name, columns: t.columns.map(c => c.name) }));
        return opened.tables;
    }

    async query(file: string, sql: string, signal?: AbortSignal): Promise<SqlValue[][]> {
        const status = await this.status(file);
        if (status.kind !== 'ok') throw new DatabaseError(file, status.message);
        const engine = await this.held(file).engine;
        if (signal?.aborted) throw new QueryCancelled();
        return engine.querySync(sql);
    }

    /** The copy opened by the status just asked; another request may have seen the file change since. */
    private held(file: string): Opened {
        const opened = this.opened.get(file);
        if (!opened) throw new DatabaseError(file, 'the database file changed while it was read: ask again');
        return opened;
    }

    private async open(file: string, stamp: string): Promise<SqlJsEngine> {
        const current = this.opened.get(file);
        if (current && current.stamp === stamp) return current.engine;
        // The old copy is let go of before the new one is read: a copy is as large as the file.
        if (current) {
            this.opened.delete(file);
            await current.engine.then(e => e.close(), () => undefined);
        }
        const again = this.opened.get(file);
        if (again && again.stamp === stamp) return again.engine;
        const engine = SqlJsEngine.open(file);
        const opened: Opened = { stamp, engine };
        this.opened.set(file, opened);
        engine.catch(() => { if (this.opened.get(file) === opened) this.opened.delete(file); });
        return engine;
    }

    dispose(): void {
        for (const o of this.opened.values()) void o.engine.then(e => e.close(), () => undefined);
        this.opened.clear();
    }
}
