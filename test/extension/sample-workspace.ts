import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import initSqlJs from 'sql.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copySqliteIntoPostgres } from '../../engine/postgres-copy.js';
import { PostgresEngine } from '../../engine/postgres-engine.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { CancelToken } from '../../extension/src/evaluator/cancel.js';
import { handleRequest } from '../../extension/src/evaluator/handle-request.js';
import type { EvaluationContext, EvaluatorRequest, EvaluatorResults } from '../../extension/src/evaluator/protocol.js';
import { WorkspaceSession } from '../../extension/src/evaluator/session.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const SAMPLE_AS_OF = '2027-02-11';

/** A private copy of samples/retail (segments and database), so tests never write into the repository. */
export function copySample(): string {
    const sample = join(REPO, 'samples', 'retail');
    if (!existsSync(join(sample, 'retail.sqlite'))) {
        execFileSync(process.execPath, [join(REPO, 'node_modules/tsx/dist/cli.mjs'), join(sample, 'build-sample.ts')], { cwd: REPO, stdio: 'ignore' });
    }
    const dir = join(mkdtempSync(join(tmpdir(), 'segments-')), 'retail');
    cpSync(sample, dir, { recursive: true, filter: src => !/\.history\.sqlite(\.journal|\.lock)?$/.test(src) && !/\.ts$/.test(src) });
    return dir;
}

export function sampleSegmentNames(dir: string): number {
    return readdirSync(dir).filter(f => f.endsWith('.segment')).length;
}

/** The evaluator worker's request handler, called in-process on a sample copy. */
export class InProcessEvaluator {
    readonly session: WorkspaceSession;
    readonly context: EvaluationContext;

    constructor(readonly root: string, asOf = SAMPLE_AS_OF, overlays: ReadonlyMap<string, string> = new Map(), settings: Omit<EvaluationContext, 'root' | 'asOf'> = {}) {
        this.session = new WorkspaceSession(root, overlays);
        this.context = { root, asOf, ...settings };
    }

    async request<K extends EvaluatorRequest['op']>(request: Extract<EvaluatorRequest, { op: K }>): Promise<EvaluatorResults[K]> {
        return (await handleRequest(this.session, this.context, request, new CancelToken())) as EvaluatorResults[K];
    }
}

/**
 * A workspace folder of its own: `data.sqlite` made by `setup` SQL, and `main.segment` with
 * `database "data.sqlite"` then `text`. For the views on small data written in the test.
 */
export async function smallWorkspace(setup: string, text: string, asOf = SAMPLE_AS_OF): Promise<InProcessEvaluator> {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec(setup);
    const root = mkdtempSync(join(tmpdir(), 'segments-small-'));
    writeFileSync(join(root, 'data.sqlite'), db.export());
    db.close();
    writeFileSync(join(root, 'main.segment'), `database "data.sqlite"\n${text}`);
    return new InProcessEvaluator(root, asOf);
}

/** Copies a workspace's `retail.sqlite` into a PostgreSQL schema, for the evaluator on PostgreSQL. */
export async function copySampleIntoPostgres(root: string, url: string, schema: string): Promise<void> {
    const source = await SqlJsEngine.open(join(root, 'retail.sqlite'));
    const pg = await PostgresEngine.connect(url);
    await pg.withClient(client => copySqliteIntoPostgres(client, source.reader(), schema));
    await pg.close();
    await source.close();
}

/** Drops a schema made by `copySampleIntoPostgres`. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
    const pg = await PostgresEngine.connect(url);
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg.close();
}
