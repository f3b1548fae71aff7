import { resolve, sep } from 'node:path';
import { ENGINE_NAMES, type EngineName } from '../engine/open-engine.js';
import { workspaceTests } from '../testing/collect.js';
import { runTests } from '../testing/run-tests.js';
import { TestEngines } from '../testing/test-engines.js';
import type { Io } from './commands.js';
import { UsageError } from './errors.js';
import { report, type ReporterName } from './test-reporters.js';
import { openWorkspace } from './workspace.js';

export interface TestOptions {
    /** The engines to run every test on, in order (default: sql.js). */
    readonly engine?: readonly EngineName[];
    readonly reporter?: ReporterName;
    /** PostgreSQL connection URL (default: $SEGMENTS_PG_URL). */
    readonly url?: string;
}

/**
 * `segments test PATH`: every test declared in PATH, on each engine asked for. Exit 0 when all
 * pass, 1 when a check fails or a test or its segment has errors, 2 when the data cannot be used.
 */
export async function test(path: string, options: TestOptions, io: Io): Promise<number> {
    const engines = [...new Set(options.engine?.length ? options.engine : ['sqljs' as const])];
    for (const e of engines) if (!ENGINE_NAMES.includes(e)) throw new UsageError(`--engine ${e}: choose sqljs, duckdb or postgres`);
    const url = options.url ?? process.env.SEGMENTS_PG_URL;
    if (engines.includes('postgres') && !url) throw new UsageError('--engine postgres needs --url postgres://user@host:port/database (or SEGMENTS_PG_URL)');
    const cw = await openWorkspace(path);
    const target = resolve(path);
    const inside = (file: string): boolean => file === target || file.startsWith(target.endsWith(sep) ? target : target + sep);
    const tests = workspaceTests(cw.ws, inside);
    if (tests.length === 0) throw new UsageError(`no tests in ${path}: write one beside a segment, \`test NAME as of 2027-02-11 { members 1028 }\``);
    const testEngines = new TestEngines(cw.ws.model.database?.uri.fsPath, url);
    try {
        const results = await runTests(tests, engines, { plans: cw.plans.plans, runnable: cw.runnable, segments: cw.ws.model.segments, engines: testEngines });
        io.out(report(options.reporter ?? 'default', results));
        if (results.some(r => r.errorKind === 'data')) return 2;
        return results.every(r => r.status === 'passed') ? 0 : 1;
    } finally {
        await testEngines.close();
    }
}
