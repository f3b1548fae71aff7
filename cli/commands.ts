import { resolve, sep } from 'node:path';
import { clockAsOf, type Clock } from '../compiler/time.js';
import { DatabaseError, type SqlEngine } from '../engine/engine.js';
import type { DialectName } from '../compiler/sql/dialect.js';
import { DIALECTS } from '../compiler/sql/dialects.js';
import { EngineChoiceError, openEngine as openSqlEngine, type EngineName } from '../engine/open-engine.js';
import { SegmentRunner } from '../engine/runner.js';
import { SqlJsEngine } from '../engine/sqljs-engine.js';
import { properties } from '../compiler/lower.js';
import { formatCheckReport, type CheckFormat } from './check-report.js';
import { allDiagnostics, formatDiagnostic, isError, type FileDiagnostic } from './diagnostics.js';
import { UsageError } from './errors.js';
import { formatCsv, formatJson, formatTable, type RunOutput } from './output.js';
import { blockingErrors, openWorkspace, type CliWorkspace } from './workspace.js';

export interface Io {
    out(text: string): void;
    err(text: string): void;
}

/**
 * `segments check PATH...`: every error and warning in PATH, as text (`file:line:col`), JSON or
 * GitHub workflow commands; 1 when any is an error.
 */
export async function check(paths: readonly string[], io: Io, format: CheckFormat = 'text'): Promise<number> {
    const problems: FileDiagnostic[] = [];
    const seen = new Set<string>();
    const files = new Set<string>();
    for (const path of paths) {
        const cw = await openWorkspace(path);
        const target = resolve(path);
        const inTarget = (file: string): boolean => file === target || file.startsWith(target.endsWith(sep) ? target : target + sep);
        for (const document of cw.ws.documents) if (inTarget(document.uri.fsPath)) files.add(document.uri.fsPath);
        for (const d of allDiagnostics(cw.ws)) {
            if (!inTarget(d.file)) continue;
            if ((d.diagnostic.severity ?? 1) > 2) continue;
            const line = formatDiagnostic(d);
            if (seen.has(line)) continue;
            seen.add(line);
            problems.push(d);
        }
    }
    const text = formatCheckReport({ problems, files: files.size }, format);
    if (text) io.out(text);
    return problems.some(d => isError(d.diagnostic)) ? 1 : 0;
}

export interface RunOptions {
    readonly segment?: string;
    readonly asOf?: string;
    readonly format: 'table' | 'json' | 'csv';
    readonly limit?: number;
    /** The engine that runs the SQL: sql.js (default), DuckDB, or PostgreSQL at `url`. */
    readonly engine?: EngineName;
    readonly url?: string;
    /** The PostgreSQL schema to read first (default: public). */
    readonly schema?: string;
}

/** `segments run PATH`: the named segment, or every segment declared in PATH. */
export async function run(path: string, options: RunOptions, io: Io): Promise<number> {
    const clock = parseClock(options.asOf);
    const cw = await openWorkspace(path);
    const segments = selectSegments(cw, options.segment);
    const runnable = segments.filter(s => cw.runnable.has(s.name));
    let status = 0;
    for (const s of segments) {
        if (cw.runnable.has(s.name)) continue;
        status = 1;
        io.err(`${s.name} has errors and was not run:`);
        for (const d of blockingErrors(cw, s)) io.err(`  ${formatDiagnostic(d)}`);
    }
    if (runnable.length === 0) return status;
    const engine = await openEngine(cw, options.engine ?? 'sqljs', options.url, options.schema);
    try {
        const runner = new SegmentRunner(engine, cw.runnable, clock);
        const results: RunOutput[] = [];
        for (const s of runnable) {
            const result = await runner.run(s.name);
            const plan = runner.plan(s.name);
            const limit = options.limit ?? (options.format === 'table' ? 10 : undefined);
            const keys = limit === undefined ? result.keys : result.keys.slice(0, limit);
            const props = properties(s);
            results.push({
                name: s.name, title: plan.title, kind: plan.kind, audience: plan.audience.name,
                status: props.status === 'inactive' ? 'inactive' : 'active',
                asOf: options.asOf ?? clock.now.replace(' ', 'T'),
                count: result.keys.length, keys,
                members: await runner.showRows(s.name, keys)
            });
        }
        io.out(options.format === 'json' ? formatJson(results) : options.format === 'csv' ? formatCsv(results) : formatTable(results));
    } finally {
        await engine.close();
    }
    return status;
}

/** `segments sql PATH --segment NAME`: the query that would run. */
export async function sql(path: string, options: { segment: string; asOf?: string; dialect?: DialectName }, io: Io): Promise<number> {
    const clock = parseClock(options.asOf);
    const cw = await openWorkspace(path);
    const [segment] = selectSegments(cw, options.segment);
    if (!cw.runnable.has(segment.name)) {
        io.err(`${segment.name} has errors, so it has no SQL:`);
        for (const d of blockingErrors(cw, segment)) io.err(`  ${formatDiagnostic(d)}`);
        return 1;
    }
    const engine = await SqlJsEngine.fromBytes(new Uint8Array());
    const runner = new SegmentRunner(engine, cw.runnable, clock);
    io.out(formatSql(await runner.sql(segment.name, DIALECTS[options.dialect ?? 'sqlite'])));
    return 0;
}

function selectSegments(cw: CliWorkspace, name: string | undefined) {
    if (name === undefined) {
        if (cw.declared.length === 0) throw new UsageError('no segments are declared there');
        return cw.declared;
    }
    const segment = cw.ws.model.segments.get(name);
    if (!segment) {
        const known = [...cw.ws.model.segments.keys()].sort();
        throw new UsageError(`no segment named ${name}${known.length ? ` (segments: ${known.join(', ')})` : ''}`);
    }
    return [segment];
}

export type { EngineName };

/** The engine for `run`: the workspace's database file on sql.js or DuckDB, or a PostgreSQL server. */
export async function openEngine(cw: CliWorkspace, engine: EngineName, url: string | undefined, postgresSchema?: string, writable = false): Promise<SqlEngine> {
    const postgresUrl = url ?? process.env.SEGMENTS_PG_URL;
    if (engine === 'postgres' && !postgresUrl) throw new UsageError('--engine postgres needs --url postgres://user@host:port/database (or SEGMENTS_PG_URL)');
    const file = cw.ws.model.database?.uri.fsPath;
    if (engine !== 'postgres' && !file) throw new UsageError(`no \`database "file.sqlite"\` line in the workspace ${cw.ws.root}`);
    try {
        return await openSqlEngine({ engine, file, postgresUrl, postgresSchema, writable });
    } catch (e) {
        if (e instanceof EngineChoiceError) throw new UsageError(e.message);
        throw e;
    }
}

export function parseClock(asOf: string | undefined): Clock {
    try {
        return clockAsOf(asOf);
    } catch (e) {
        throw new UsageError(`--as-of ${asOf}: ${(e as Error).message}`);
    }
}

function formatSql(text: string): string {
    return `${text};`;
}

export { DatabaseError, isError };
export { schema, type SchemaOptions } from './schema-command.js';
