import { properties } from '../../../compiler/lower.js';
import { clockAsOf } from '../../../compiler/time.js';
import { SqlJsEngine } from '../../../engine/sqljs-engine.js';
import { simulateDay } from '../../../samples/retail/simulate-day.js';
import { explain } from '../../../explain/explain.js';
import type { CancelToken } from './cancel.js';
import { exportCsv } from './csv-export.js';
import { kindOf } from './find-segment.js';
import { buildFlow } from './flow.js';
import { workspaceOutline } from './outline.js';
import type { EvaluationContext, EvaluatorProgress, EvaluatorRequest, EvaluatorResults, ProgressOp } from './protocol.js';
import { buildDashboard, buildPreview, engineLabel, historyFor, isRefreshed } from './reports.js';
import { schemaText, staticSegmentText } from './segment-text.js';
import { notRunnableMessage } from './not-runnable.js';
import { listTests, runWorkspaceTests } from './segment-tests.js';
import { locationOf, type WorkspaceSession } from './session.js';

type Result = EvaluatorResults[EvaluatorRequest['op']];

/** Answers one request on one workspace session; `progress` hears what it sends ahead (`EvaluatorProgress`). */
export async function handleRequest(session: WorkspaceSession, ctx: EvaluationContext, request: EvaluatorRequest, token: CancelToken, progress?: (value: EvaluatorProgress[ProgressOp]) => void): Promise<Result> {
    session.useEngine(ctx);
    switch (request.op) {
        case 'preview':
            return buildPreview(session, ctx, request, token, progress);
        case 'flow':
            return buildFlow(session, ctx, request, token);
        case 'dashboard':
            return buildDashboard(session, ctx, request.record, token, progress);
        case 'sql': {
            const { runner } = await session.runnerAt(ctx.asOf);
            return runner.sql(runnablePlan(await session.loaded(), request.segment));
        }
        case 'explain': {
            const { runner, engine, model } = await session.runnerAt(ctx.asOf);
            const plan = model.plans.plans.get(runnablePlan(model, request.segment))!;
            return { ...(await explain(plan, model.workspace.model.segments.get(request.segment)!, request.key, runner, engine, model.workspace.model.segments)), engine: engineLabel(engine) };
        }
        case 'exportCsv': {
            const { runner, model } = await session.runnerAt(ctx.asOf);
            const rows = await exportCsv(runner, runnablePlan(model, request.segment), request.file, token);
            return { rows, file: request.file };
        }
        case 'freeze': {
            const { runner, model, clock } = await session.runnerAt(ctx.asOf);
            const plan = model.plans.plans.get(runnablePlan(model, request.segment))!;
            const keys = await runner.keys(plan.name);
            if (keys.length === 0) throw new Error(`${plan.name} has no members as of ${clock.today}: there is nothing to freeze.`);
            const show = properties(model.workspace.model.segments.get(plan.name)!).show?.$cstNode?.text.replace(/^show\s+/, '').split(/\s*,\s*/) ?? [];
            return { text: staticSegmentText(plan.name, plan.title, plan.audience.name, clock.today, keys, show), count: keys.length };
        }
        case 'backfill': {
            const model = await session.loaded();
            const history = await historyFor(session, ctx);
            if (!history) throw new Error('No database in this workspace folder.');
            let points = 0;
            const refreshed = [...model.plans.plans.values()].filter(isRefreshed);
            for (let day = request.from; day <= request.to; day = addDays(day, request.stepDays)) {
                const runner = await session.runnerFor(clockAsOf(day));
                for (const plan of refreshed) {
                    await token.checkpoint();
                    history.recordPoint(plan.name, runner.clock.now, (await runner.keys(plan.name)).length);
                    points++;
                }
            }
            try {
                await history.save();
            } finally {
                history.close();
            }
            return { points, segments: refreshed.length };
        }
        case 'generateSchema': {
            const engine = await SqlJsEngine.open(request.database);
            try {
                const model = await session.loaded();
                return schemaText(engine, request.database, { database: model.workspace.model.database?.uri.fsPath, schema: model.workspace.model.schema });
            } finally {
                await engine.close();
            }
        }
        case 'segments': {
            const model = await session.loaded();
            return [...model.workspace.model.segments.values()].map(s => {
                const at = locationOf(s);
                return { name: s.name, kind: kindOf(s), uri: at.uri, line: at.line };
            });
        }
        case 'outline':
            return workspaceOutline(await session.loaded());
        case 'simulateDay': {
            const db = await session.databaseFile();
            if (!db) throw new Error('No database in this workspace folder.');
            const day = await simulateDay(db);
            session.invalidateAll();
            return day;
        }
        case 'tests':
            return listTests(session);
        case 'runTests':
            return runWorkspaceTests(session, ctx, request.ids, token, progress);
    }
}

function runnablePlan(model: Awaited<ReturnType<WorkspaceSession['loaded']>>, name: string): string {
    const segment = model.workspace.model.segments.get(name);
    if (!segment) throw new Error(`There is no segment named ${name}.`);
    if (!model.plans.plans.has(name)) throw new Error(notRunnableMessage(segment, model));
    return name;
}

function addDays(day: string, n: number): string {
    return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
