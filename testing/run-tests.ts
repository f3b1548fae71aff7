import type * as ast from '../grammar/generated/ast.js';
import type { SegmentPlan } from '../compiler/ir.js';
import { keyText, type KeyValue } from '../compiler/keys.js';
import { DatabaseError } from '../engine/engine.js';
import { MembersFileError } from '../engine/members-file.js';
import { EngineChoiceError, type EngineName } from '../engine/open-engine.js';
import { SegmentRunner } from '../engine/runner.js';
import { explain } from '../explain/explain.js';
import { evaluateCheck } from './checks.js';
import type { CheckResult, SegmentTest, TestResult } from './results.js';
import type { HeldEngine, TestEngines } from './test-engines.js';

/** What a run of tests needs from the workspace. */
export interface TestRunContext {
    /** Plans of every segment without errors: a test's own rows hold every table of the schema. */
    readonly plans: ReadonlyMap<string, SegmentPlan>;
    /** The plans that may run on the workspace database (none reads a table or column it lacks). */
    readonly runnable: ReadonlyMap<string, SegmentPlan>;
    /** Every segment of the model by name, for Explain Membership. */
    readonly segments: ReadonlyMap<string, ast.Segment>;
    readonly engines: TestEngines;
}

/**
 * Runs one test on one engine: its rows as a database (or the workspace database), its
 * segment through the same compiler and `SegmentRunner` as `segments run`, at its instant,
 * then each check. A test that cannot run (its errors, its segment's, a database that cannot be
 * read) is a result with status `error`, never an exception.
 */
export async function runTest(test: SegmentTest, engine: EngineName, ctx: TestRunContext): Promise<TestResult> {
    const started = performance.now();
    const done = (r: Omit<TestResult, 'test' | 'engine' | 'ms'>): TestResult => ({ test, engine, ...r, ms: Math.round(performance.now() - started) });
    const plan = test.plan;
    if (!plan) return done({ status: 'error', errorKind: 'invalid', checks: [], error: `The test has errors: ${test.problems.join('; ')}` });
    const plans = plan.data ? ctx.plans : ctx.runnable;
    const named = [plan.segment, ...plan.checks.flatMap(c => ('of' in c ? [c.of] : []))];
    const broken = named.filter(n => !plans.has(n));
    if (broken.length > 0) {
        const why = broken.map(n => (ctx.plans.has(n) ? `${n} reads a table or column the database lacks` : `${n} has errors`)).join('; ');
        return done({ status: 'error', errorKind: 'invalid', checks: [], error: `${why}, so it was not run: see \`segments check\`.` });
    }
    let held: HeldEngine | undefined;
    try {
        held = plan.data ? await ctx.engines.withRows(engine, plan.data) : { engine: await ctx.engines.workspace(engine), release: async () => undefined };
        const runner = new SegmentRunner(held.engine, plans, plan.clock);
        const members = await runner.keys(plan.segment);
        const node = ctx.segments.get(plan.segment)!;
        const sqlEngine = held.engine;
        const env = {
            segment: plan.segment,
            keysOf: (name: string) => runner.keys(name),
            explain: (key: KeyValue) => explain(runner.plan(plan.segment), node, typeof key === 'bigint' ? keyText(key) : key, runner, sqlEngine, ctx.segments)
        };
        const checks: CheckResult[] = [];
        for (const check of plan.checks) checks.push(await evaluateCheck(check, members, env));
        return done({ status: checks.every(c => c.passed) ? 'passed' : 'failed', checks, count: members.length });
    } catch (e) {
        if (e instanceof DatabaseError || e instanceof EngineChoiceError || e instanceof MembersFileError) return done({ status: 'error', errorKind: 'data', checks: [], error: e.message });
        throw e;
    } finally {
        await held?.release();
    }
}

/** Runs every test on each engine in turn (engine by engine, tests in order); `onResult` hears each result as it comes. */
export async function runTests(tests: readonly SegmentTest[], engines: readonly EngineName[], ctx: TestRunContext, onResult?: (r: TestResult) => void): Promise<TestResult[]> {
    const results: TestResult[] = [];
    for (const engine of engines) {
        for (const test of tests) {
            const result = await runTest(test, engine, ctx);
            onResult?.(result);
            results.push(result);
        }
    }
    return results;
}
