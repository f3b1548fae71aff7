import { workspaceTests } from '../../../testing/collect.js';
import type { SegmentTest, TestResult } from '../../../testing/results.js';
import { runTest } from '../../../testing/run-tests.js';
import { TestEngines } from '../../../testing/test-engines.js';
import type { CancelToken } from './cancel.js';
import type { EvaluationContext, TestListItem, TestOutcome, TestProblem } from './protocol.js';
import type { LoadedModel, WorkspaceSession } from './session.js';

/** Every test of the workspace, as the Testing view lists them (unsaved text included). */
export async function listTests(session: WorkspaceSession): Promise<TestListItem[]> {
    return testsOf(await session.loaded()).map(t => ({ id: t.id, file: t.file, line: t.line, label: labelOf(t), segment: t.segment }));
}

/**
 * Runs the tests asked for (all when `ids` is absent) on the picked engine with the same code as
 * `segments test`: the workspace database opened once for the run, each test's own rows apart.
 * Cancellation is checked between tests; `progress` hears each outcome as it is known.
 */
export async function runWorkspaceTests(session: WorkspaceSession, ctx: EvaluationContext, ids: readonly string[] | undefined, token: CancelToken, progress?: (outcome: TestOutcome) => void): Promise<TestOutcome[]> {
    const model = await session.loaded();
    // A build without DuckDB says so the way the views do (the host offers sql.js).
    if (ctx.engine === 'duckdb') await session.openEngine();
    const wanted = ids ? new Set(ids) : undefined;
    const tests = testsOf(model).filter(t => !wanted || wanted.has(t.id));
    const engines = new TestEngines(model.workspace.model.database?.uri.fsPath, ctx.postgresUrl);
    const run = { plans: model.unblocked, runnable: model.plans.plans, segments: model.workspace.model.segments, engines };
    const outcomes: TestOutcome[] = [];
    try {
        for (const test of tests) {
            await token.checkpoint();
            const outcome = outcomeOf(await runTest(test, ctx.engine ?? 'sqljs', run));
            outcomes.push(outcome);
            progress?.(outcome);
        }
    } finally {
        await engines.close();
    }
    return outcomes;
}

function testsOf(model: LoadedModel): SegmentTest[] {
    return workspaceTests(model.workspace);
}

/** The title, else `as of D`: the segment is the item's description. */
function labelOf(t: SegmentTest): string {
    if (t.name.startsWith(`${t.segment}: `)) return t.name.slice(t.segment.length + 2);
    if (t.name.startsWith(`${t.segment} `)) return t.name.slice(t.segment.length + 1);
    return t.name;
}

function outcomeOf(r: TestResult): TestOutcome {
    return {
        id: r.test.id,
        status: r.status,
        ms: r.ms,
        checks: r.checks.map(c => ({
            line: c.line, text: c.text, passed: c.passed, message: c.message, expected: c.expected, actual: c.actual,
            explanations: c.explanations.flatMap(e => e.lines)
        })),
        ...(r.error !== undefined ? { error: r.error } : {}),
        problems: r.status === 'error' && r.errorKind === 'invalid' ? r.test.problems.map(p => problemOf(p, r.test.line)) : []
    };
}

/** `line:col: message [code]` (testing/collect.ts) as a located problem; another text sits at the test's line. */
function problemOf(text: string, testLine: number): TestProblem {
    const m = /^(\d+):(\d+): ([\s\S]*)$/.exec(text);
    return m ? { line: Number(m[1]), column: Number(m[2]), message: m[3]! } : { line: testLine, column: 1, message: text };
}
