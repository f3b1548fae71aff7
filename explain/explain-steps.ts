import type * as ast from '../grammar/generated/ast.js';
import type { SegmentPlan, StepPlan } from '../compiler/ir.js';
import { keyText, type KeyValue } from '../compiler/keys.js';
import { fnv1a32Text } from '../compiler/sample.js';
import { keyLiteral } from '../compiler/sql/dialect.js';
import { isDecimalMeasure } from '../compiler/sql/measure-sql.js';
import { topRanking } from '../compiler/sql/step-sql.js';
import { staticSql } from '../compiler/sql/to-sql.js';
import type { SqlEngine, SqlValue } from '../engine/engine.js';
import { unitsAsNumber, type SegmentRunner } from '../engine/runner.js';
import { locationOf } from './location.js';
import type { ExplainedStep } from './types.js';

type SteppedPlan = Extract<SegmentPlan, { kind: 'dynamic' | 'compound' }>;
type SteppedSegment = ast.DynamicSegment | ast.CompoundSegment;
type TopStep = Extract<StepPlan, { node: 'top' }>;

/** A step as written, on one line. */
export function stepText(node: ast.FinalStep): string {
    return (node.$cstNode?.text ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * What each step did with one key, given whether it is among the members before the steps:
 * for `sample`, its hash against the share (no query); for `top`, its rank and value among the
 * members before the step against the cut-off.
 */
export async function explainSteps(plan: SteppedPlan, segment: SteppedSegment, key: KeyValue, before: boolean, runner: SegmentRunner, engine: SqlEngine): Promise<ExplainedStep[]> {
    const result: ExplainedStep[] = [];
    let member = before;
    for (const [i, step] of plan.steps.entries()) {
        const node = segment.steps[i];
        const common = { step: step.node, text: node ? stepText(node) : step.node, location: locationOf(node ?? segment), before: member };
        if (step.node === 'sample') {
            const h = fnv1a32Text(keyText(key), fnv1a32Text(`${step.seed}/`)) % 10000;
            const kept = h < step.hundredths;
            const seed = node && 'seed' in node && node.seed !== undefined ? `seed "${step.seed}"` : `seed "${step.seed}" (the segment's name: no seed is written)`;
            const verdict = !member ? `; it is not among the members before this step, so it is not in the sample` : kept ? ', so the sample keeps it' : ', so the sample leaves it out';
            result.push({ ...common, passes: member && kept, detail: `Its hash h mod 10000 is ${h}, ${kept ? 'below' : 'not below'} P × 100 = ${step.hundredths} (${percentText(step.hundredths)}, ${seed})${verdict}.` });
            member = member && kept;
            continue;
        }
        if (!member) {
            result.push({ ...common, passes: false, detail: 'It is not among the members before this step, so it is not ranked.' });
            continue;
        }
        const ranked = await rankOf(plan, step, i, key, runner, engine);
        const by = node && 'attribute' in node ? (node.attribute.$cstNode?.text ?? '') : 'its value';
        const passes = ranked.rank <= ranked.kept;
        const value = ranked.value === null ? `has no ${by}, so it ranks after every member with one: ${count(ranked.rank)} of ${count(ranked.size)}` : `ranks ${count(ranked.rank)} of ${count(ranked.size)} with ${by} ${ranked.value}`;
        const cut = ranked.kept === 0 ? 'the step keeps no one' : `the step keeps the first ${count(ranked.kept)}${ranked.cutoff === undefined ? '' : `, down to ${ranked.cutoff === null ? `a member with no ${by}` : ranked.cutoff}`}`;
        result.push({ ...common, passes, detail: `It ${value} (${step.descending ? 'largest' : 'smallest'} first, ties by key); ${cut}, so it is ${passes ? 'kept' : 'left out'}.` });
        member = passes;
    }
    return result;
}

interface Rank {
    readonly rank: number;
    readonly size: number;
    /** How many the step keeps. */
    readonly kept: number;
    readonly value: ShownValue;
    /** The value of the last member kept; undefined when none is kept. */
    readonly cutoff?: ShownValue;
}

/** A value as the detail writes it; null when missing. */
type ShownValue = string | null;

/** The key's place among the members before top step `index`, ordered as the step orders them. */
async function rankOf(plan: SteppedPlan, step: TopStep, index: number, key: KeyValue, runner: SegmentRunner, engine: SqlEngine): Promise<Rank> {
    const members = await runner.keysBeforeStep(plan.name, index);
    const ctx = await runner.sqlContext(plan);
    const d = engine.dialect;
    const ranking = topRanking(step, staticSql(plan.audience, members, d, ctx), plan.audience, ctx);
    const [row] = await engine.query(`SELECT r.top_rank, r.top_size, r.v FROM (${ranking}) AS r WHERE r.key = ${keyLiteral(d, key)}`);
    if (!row) throw new Error(`${keyText(key)} is not among the members ranked by ${plan.name}'s step ${index + 1}`);
    const size = Number(row[1]);
    const kept = Math.min(size, step.amount.kind === 'count' ? step.amount.count : Math.floor((size * step.amount.hundredths) / 10000));
    const [last] = kept > 0 ? await engine.query(`SELECT r.v FROM (${ranking}) AS r WHERE r.top_rank = ${kept}`) : [];
    return { rank: Number(row[0]), size, kept, value: shown(step, row[2]), ...(last ? { cutoff: shown(step, last[0]) } : {}) };
}

/** A value ordered by, as a person reads it: text quoted, booleans as true / false, exact sums as their number. */
function shown(step: TopStep, value: SqlValue): ShownValue {
    if (value === null || value instanceof Uint8Array) return null;
    const by = step.by;
    const type = by.node === 'attribute' ? by.attribute.type : by.measure.type;
    if (by.node === 'measure' && isDecimalMeasure(by.measure)) return numberText(unitsAsNumber(value));
    switch (type) {
        case 'boolean': return String(Number(value) !== 0);
        case 'text': return JSON.stringify(String(value));
        case 'number': return numberText(value);
        case 'date':
        case 'datetime': return String(value);
    }
}

function numberText(value: SqlValue): string {
    return typeof value === 'number' ? value.toLocaleString('en', { maximumFractionDigits: 10 }) : String(value);
}

const count = (n: number): string => n.toLocaleString('en');

function percentText(hundredths: number): string {
    return `${hundredths / 100}%`;
}
