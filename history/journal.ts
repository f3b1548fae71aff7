import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Database, QueryExecResult, Statement as SqlJsStatement } from 'sql.js';

/** A value a write binds: the store holds text, numbers and nulls. */
export type SqlParam = string | number | null;

/** One write statement with its parameters, as a save journals it. */
export type Statement = readonly [sql: string, params: readonly SqlParam[]];

/**
 * The journal beside the store (`FILE.journal`): the writes of each save appended as one line,
 * so a save costs what it changed. Its first line names the generation of the snapshot it
 * follows (`FILE`'s `store_meta`); a fold writes a new snapshot with a new generation and then
 * an empty journal, so a journal left behind by a fold that stopped half-way names an older
 * generation and is ignored (the snapshot already holds it). Each record is
 * `HASH JSON\n`, HASH the first 16 hex digits of the JSON's SHA-256: a torn or damaged last
 * record (a writer killed while appending) fails its hash or has no newline, and it and
 * anything after it are ignored; the next save cuts it off under the lock before appending.
 */
export function journalFile(store: string): string {
    return `${store}.journal`;
}

const MAGIC = 'segments-history-journal 1 ';

export interface JournalContent {
    /** The generation of the snapshot the journal follows; undefined when there is no journal or its first line is unreadable. */
    readonly generation?: string;
    /** The saves' writes, oldest first. */
    readonly records: readonly (readonly Statement[])[];
    /** Bytes up to the end of the last whole record (what the next append follows). */
    readonly validLength: number;
    /** The file's size (larger than `validLength` after a torn append). */
    readonly size: number;
}

export async function readJournal(file: string): Promise<JournalContent> {
    const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
    });
    if (!bytes) return { records: [], validLength: 0, size: 0 };
    return parseJournal(bytes);
}

export function parseJournal(bytes: Buffer): JournalContent {
    const headerEnd = bytes.indexOf(10);
    const header = headerEnd < 0 ? '' : bytes.subarray(0, headerEnd).toString('utf8');
    if (!header.startsWith(MAGIC)) return { records: [], validLength: 0, size: bytes.length };
    const records: Statement[][] = [];
    let at = headerEnd + 1;
    for (;;) {
        const end = bytes.indexOf(10, at);
        if (end < 0) break;
        const record = decodeRecord(bytes.subarray(at, end).toString('utf8'));
        if (!record) break;
        records.push(record);
        at = end + 1;
    }
    return { generation: header.slice(MAGIC.length), records, validLength: at, size: bytes.length };
}

export function journalHeader(generation: string): Uint8Array {
    return Buffer.from(`${MAGIC}${generation}\n`, 'utf8');
}

/** One save's writes as a journal line; statements in a row with the same SQL share it. */
export function encodeRecord(statements: readonly Statement[]): Uint8Array {
    const groups: [string, ...(readonly SqlParam[])[]][] = [];
    for (const [sql, params] of statements) {
        const last = groups[groups.length - 1];
        if (last && last[0] === sql) last.push(params);
        else groups.push([sql, params]);
    }
    const json = JSON.stringify(groups);
    return Buffer.from(`${hashOf(json)} ${json}\n`, 'utf8');
}

function decodeRecord(line: string): Statement[] | undefined {
    const space = line.indexOf(' ');
    const json = line.slice(space + 1);
    if (space !== 16 || line.slice(0, 16) !== hashOf(json)) return undefined;
    try {
        const groups = JSON.parse(json) as unknown;
        if (!Array.isArray(groups)) return undefined;
        const statements: Statement[] = [];
        for (const group of groups) {
            if (!Array.isArray(group) || typeof group[0] !== 'string') return undefined;
            for (const params of group.slice(1)) {
                if (!Array.isArray(params) || !params.every(isParam)) return undefined;
                statements.push([group[0], params]);
            }
        }
        return statements;
    } catch {
        return undefined;
    }
}

function isParam(v: unknown): v is SqlParam {
    return v === null || typeof v === 'string' || typeof v === 'number';
}

function hashOf(json: string): string {
    return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

/**
 * The store's tables as a write sees them, shaped like the part of sql.js's `Database` writes
 * use: `run` and prepared statements change them (and are journalled), `exec` and `rows` read.
 * A write runs inside a savepoint of its own: `BEGIN` and `COMMIT` are no-ops, and a savepoint
 * rolled back drops the statements journalled since it.
 */
export interface StoreWriter {
    run(sql: string, params?: readonly SqlParam[]): void;
    prepare(sql: string): { run(params?: readonly SqlParam[]): void; free(): void };
    exec(sql: string, params?: readonly SqlParam[]): QueryExecResult[];
    rows(sql: string, params?: readonly SqlParam[]): SqlParam[][];
}

/** Runs writes on a database and keeps each statement for the journal; `close` frees them. */
export class CapturingWriter implements StoreWriter {
    readonly statements: Statement[] = [];
    private readonly prepared = new Map<string, SqlJsStatement>();
    private readonly savepoints: { name: string; at: number }[] = [];

    constructor(private readonly db: Database) {}

    run(sql: string, params: readonly SqlParam[] = []): void {
        const control = /^\s*(BEGIN|COMMIT|END|SAVEPOINT|RELEASE|ROLLBACK)\b\s*(?:SAVEPOINT\s+|TO\s+(?:SAVEPOINT\s+)?|TRANSACTION\s*)?(\w*)/i.exec(sql);
        if (control) return this.control(control[1].toUpperCase(), /^\s*ROLLBACK\s+TO\b/i.test(sql), control[2]);
        runPrepared(this.db, this.prepared, sql, params);
        this.statements.push([sql, [...params]]);
    }

    prepare(sql: string): { run(params?: readonly SqlParam[]): void; free(): void } {
        return { run: (params: readonly SqlParam[] = []) => this.run(sql, params), free: () => undefined };
    }

    exec(sql: string, params: readonly SqlParam[] = []): QueryExecResult[] {
        return this.db.exec(sql, [...params]);
    }

    rows(sql: string, params: readonly SqlParam[] = []): SqlParam[][] {
        const result = this.db.exec(sql, [...params]);
        return result.length ? result[0].values.map(r => r.map(v => (v instanceof Uint8Array ? null : v))) : [];
    }

    /** Transactions inside a write: the write's own savepoint holds them, so only savepoints are run. */
    private control(command: string, rollbackTo: boolean, name: string): void {
        if (command === 'SAVEPOINT') {
            this.db.run(`SAVEPOINT ${quoteName(name)}`);
            this.savepoints.push({ name, at: this.statements.length });
        } else if (command === 'RELEASE') {
            this.db.run(`RELEASE ${quoteName(name)}`);
            const i = this.savepoints.map(p => p.name).lastIndexOf(name);
            if (i >= 0) this.savepoints.splice(i);
        } else if (command === 'ROLLBACK' && rollbackTo) {
            this.db.run(`ROLLBACK TO ${quoteName(name)}`);
            const point = [...this.savepoints].reverse().find(p => p.name === name);
            if (point) this.statements.splice(point.at);
        } else if (command === 'ROLLBACK') {
            throw new Error('a write rolled back its transaction');
        }
    }

    close(): void {
        this.prepared.forEach(s => s.free());
        this.prepared.clear();
    }
}

function quoteName(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

/** Applies a journal's records in order, each in a transaction of its own. */
export function replay(db: Database, records: readonly (readonly Statement[])[]): void {
    const prepared = new Map<string, SqlJsStatement>();
    try {
        for (const record of records) {
            db.run('BEGIN');
            try {
                for (const [sql, params] of record) runPrepared(db, prepared, sql, params);
                db.run('COMMIT');
            } catch (e) {
                db.run('ROLLBACK');
                throw e;
            }
        }
    } finally {
        prepared.forEach(s => s.free());
    }
}

function runPrepared(db: Database, prepared: Map<string, SqlJsStatement>, sql: string, params: readonly SqlParam[]): void {
    let statement = prepared.get(sql);
    if (!statement) prepared.set(sql, (statement = db.prepare(sql)));
    statement.run([...params]);
}
