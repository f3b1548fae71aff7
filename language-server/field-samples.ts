import * as ast from '../grammar/generated/ast.js';
import type { MeasurePlan, SegmentPlan } from '../compiler/ir.js';
import { measureOf } from '../compiler/lower.js';
import { planWorkspace } from '../compiler/plan-workspace.js';
import { membersIn } from '../compiler/plan-walk.js';
import { isDecimalMeasure, measureValueJoin } from '../compiler/sql/measure-sql.js';
import { entitySource } from '../compiler/sql/relations.js';
import { sqliteDialect } from '../compiler/sql/sqlite-dialect.js';
import type { SqlContext } from '../compiler/sql/to-sql.js';
import type { Clock } from '../compiler/time.js';
import type { SqlValue } from '../engine/engine.js';
import type { DatabaseFacts } from './data/database-facts.js';
import { currentClock } from './segment-counts.js';
import type { SegmentWorkspace, WorkspaceModel } from './workspace-model.js';

const SHOWN = 5;

/** A measure's values over the records of its entity as of an instant (reference, 6.4). */
export interface MeasureDistribution {
    readonly records: number;
    /** Records with a value (count and sum have one for every record: 0 with no related records). */
    readonly valued: number;
    readonly min?: string;
    readonly median?: string;
    readonly max?: string;
    /** The instant, `YYYY-MM-DD HH:MM`, UTC. */
    readonly at: string;
}

/**
 * What the data holds for attributes and measures, in words, for hover and completion: an
 * attribute's distinct values and the most frequent ones; a measure's minimum, median and
 * maximum over its entity's records and how many have a value, computed with the compiler's
 * measure SQL as of now (to the minute). Nothing when the database cannot be read.
 */
export class FieldSamples {
    private readonly distributions = new Map<string, Promise<MeasureDistribution | undefined>>();

    constructor(private readonly workspace: SegmentWorkspace, private readonly facts: DatabaseFacts, private readonly clock: () => Clock = currentClock) {}

    async attribute(node: ast.Attribute, shown = SHOWN): Promise<string | undefined> {
        const file = await this.readableDatabase();
        if (!file) return undefined;
        const entity = node.$container;
        const values = await this.facts.columnValues(file, entity.table ?? entity.name, node.column ?? node.name);
        if (!values) return undefined;
        const top = values.top.slice(0, shown).map(v => `\`${v.value.replace(/`/g, "'")}\` (${v.count})`).join(', ');
        return `${values.distinct.toLocaleString('en-US')} distinct ${values.distinct === 1 ? 'value' : 'values'}${top ? `; most frequent: ${top}` : ''}`;
    }

    /** A measure's distribution, in words; nothing when the measure has errors or the data cannot be read. */
    async measure(node: ast.Measure): Promise<string | undefined> {
        const d = await this.distribution(node);
        if (!d) return undefined;
        const entity = node.entity?.$refText ?? '?';
        const of = `${d.valued.toLocaleString('en-US')} of ${d.records.toLocaleString('en-US')} ${entity} ${d.records === 1 ? 'record has' : 'records have'} a value`;
        const range = d.valued > 0 ? `: min ${d.min}, median ${d.median}, max ${d.max}` : '';
        return `${of}${range} (as of ${d.at} UTC)`;
    }

    async distribution(node: ast.Measure): Promise<MeasureDistribution | undefined> {
        const file = await this.readableDatabase();
        if (!file) return undefined;
        const model = this.workspace.model;
        const plan = measureOf(node, model).plan;
        if (!plan) return undefined;
        const clock = this.clock();
        let sql: string;
        try {
            sql = valuesSql(plan, { dialect: sqliteDialect, clock, ...(plan.aggregate.where && membersIn(plan.aggregate.where).size > 0 ? { plans: plansOf(model) } : {}) });
        } catch {
            // A measure whose `where` names a segment that cannot be planned yet: no figures.
            return undefined;
        }
        const status = await this.facts.status(file);
        const key = `${file}\u0000${status.kind === 'ok' ? status.mtime : ''}\u0000${sql}`;
        let known = this.distributions.get(key);
        if (!known) {
            known = this.compute(file, sql, plan, clock).catch(() => undefined);
            if (this.distributions.size > 200) this.distributions.clear();
            this.distributions.set(key, known);
        }
        return known;
    }

    private async compute(file: string, values: string, plan: MeasurePlan, clock: Clock): Promise<MeasureDistribution | undefined> {
        const q = this.facts.queries;
        const [totals] = await q.query(file, `SELECT count(*), count(d.v), min(d.v), max(d.v) FROM (${values}) AS d`);
        if (!totals) return undefined;
        const records = Number(totals[0] ?? 0);
        const valued = Number(totals[1] ?? 0);
        const at = clock.now.slice(0, 16);
        if (valued === 0) return { records, valued, at };
        // The middle value, or for an even count of numbers the mean of the two middle ones.
        const middle = await q.query(file, `SELECT d.v FROM (${values}) AS d WHERE d.v IS NOT NULL ORDER BY d.v LIMIT 2 OFFSET ${Math.floor((valued - 1) / 2)}`);
        const show = (v: SqlValue | undefined): string => shown(v, plan);
        const lower = middle[0]?.[0];
        const upper = middle[1]?.[0];
        const median = valued % 2 === 0 && plan.type === 'number' && typeof lower === 'number' && typeof upper === 'number'
            ? show((lower + upper) / 2) : show(lower);
        return { records, valued, min: show(totals[2]), median, max: show(totals[3]), at };
    }

    private async readableDatabase(): Promise<string | undefined> {
        const model = this.workspace.model;
        if (!model.database) return undefined;
        const file = model.database.uri.fsPath;
        return (await this.facts.status(file)).kind === 'ok' ? file : undefined;
    }
}

/** Each record of the measure's entity (as of the clock) with the measure's value, `v`. */
function valuesSql(plan: MeasurePlan, ctx: SqlContext): string {
    const value = measureValueJoin(plan, 'r', 'r_m', ctx);
    return `SELECT ${value.value} AS v FROM ${entitySource(plan.entity, 'r', ctx.dialect, ctx)} ${value.join}`;
}

/** A value as a person reads it: decimal units as the number, booleans as words, text in quotes. */
function shown(value: SqlValue | undefined, plan: MeasurePlan): string {
    if (value === null || value === undefined) return '—';
    if (plan.type === 'number') {
        const n = Number(value);
        return (isDecimalMeasure(plan) ? n / 1e10 : n).toLocaleString('en-US', { maximumFractionDigits: 10 });
    }
    if (plan.type === 'boolean') return Number(value) !== 0 ? 'true' : 'false';
    if (plan.type === 'text') return JSON.stringify(String(value));
    return String(value);
}

const workspacePlans = new WeakMap<WorkspaceModel, ReadonlyMap<string, SegmentPlan>>();

/** Plans of the model's segments, for a measure whose `where` names one (`in segment`); made once per model. */
function plansOf(model: WorkspaceModel): ReadonlyMap<string, SegmentPlan> {
    let plans = workspacePlans.get(model);
    if (!plans) workspacePlans.set(model, plans = planWorkspace(model).plans);
    return plans;
}
