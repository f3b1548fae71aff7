import type * as ast from '../grammar/generated/ast.js';
import type { SegmentPlan, SequencePlan, SequenceStep } from '../compiler/ir.js';
import type { KeyValue } from '../compiler/keys.js';
import { keyLiteral } from '../compiler/sql/dialect.js';
import { stepRows } from '../compiler/sql/sequence-steps.js';
import type { SqlEngine } from '../engine/engine.js';
import type { SegmentRunner } from '../engine/runner.js';
import type { ExplainedCondition } from './types.js';
import { conditionText } from './conjuncts.js';
import { findChain, timeText, timeValue, type ChainFound } from './sequence-chain.js';
import { locationOf } from './location.js';

/**
 * One profile in a sequence (reference 6.3): its own records of each step (a query per step
 * filtered on its key), the chain found through them, and for each step whether the profile is
 * in the sequence cut after it, with the record's time or why there is none.
 */
export async function explainSequence(plan: SegmentPlan, block: SequencePlan, node: ast.Sequence, key: KeyValue, runner: SegmentRunner, engine: SqlEngine): Promise<{ passes: boolean; conditions: ExplainedCondition[] }> {
    const found = await chainOf(plan, block, key, runner, engine);
    const conditions = block.steps.map((step, k): ExplainedCondition => {
        const event = node.steps[k];
        const time = k < found.chain.length && !step.none ? timeText(found.chain[k], step.time.type) : undefined;
        return {
            text: event ? conditionText(event) : `step ${k + 1}`,
            passes: k < found.passed,
            location: locationOf(event ?? node),
            detail: stepDetail(block, k, found, event),
            ...(time ? { time } : {})
        };
    });
    return { passes: found.passed === block.steps.length, conditions };
}

/** Whether the key is in the sequence, from its own records. */
export async function inSequence(plan: SegmentPlan, block: SequencePlan, key: KeyValue, runner: SegmentRunner, engine: SqlEngine): Promise<boolean> {
    return (await chainOf(plan, block, key, runner, engine)).passed === block.steps.length;
}

async function chainOf(plan: SegmentPlan, block: SequencePlan, key: KeyValue, runner: SegmentRunner, engine: SqlEngine): Promise<ChainFound> {
    const ctx = await runner.sqlContext(plan);
    const literal = keyLiteral(engine.dialect, key);
    const steps = [];
    for (const step of block.steps) {
        // The step's records of this profile alone: the engine reads them by the profile's key.
        const rows = await engine.query(`SELECT r.t FROM (${stepRows(step, plan.audience, ctx)}) AS r WHERE r.p = ${literal}`);
        steps.push({ times: rows.map(r => timeValue(r[0])).filter((t): t is number => t !== undefined), none: step.none, ...(step.within ? { within: step.within } : {}) });
    }
    return findChain(steps);
}

/** What was found for step `k`, in a sentence. */
function stepDetail(block: SequencePlan, k: number, found: ChainFound, event: ast.Event | undefined): string {
    const step = block.steps[k];
    const entity = step.target.entity.name;
    const at = (i: number): string => timeText(found.chain[i], block.steps[i].time.type);
    const window = step.within && event?.amount !== undefined ? ` within ${event.amount} ${event.unit ?? ''}`.trimEnd() : '';
    // The chain's record of the step before (only asked for where the chain reaches it).
    const previous = (): string => `the ${block.steps[k - 1].target.entity.name} record of step ${k} at ${at(k - 1)}`;
    if (k > found.passed || (step.none && k === found.passed && found.blocker === undefined)) return 'Not reached: a step before it fails.';
    if (step.none) {
        return k < found.passed
            ? `No ${entity} record${where(step)}${window} after ${previous()}: the sequence holds.`
            : `${article(entity)} ${entity} record${where(step)} at ${timeText(found.blocker!, step.time.type)} came${window} after ${previous()} (and after every other chain of the steps before it).`;
    }
    if (k < found.passed) return k === 0 ? `Its ${entity} record at ${at(0)} starts the chain.` : `Its ${entity} record at ${at(k)} came${window} after ${previous()}.`;
    if (k === 0) return `This profile has no ${entity} record${where(step)}, so no chain starts.`;
    return step.within
        ? `No ${entity} record${where(step)} came${window} after a chain of the steps before it (the earliest chain ends at ${at(k - 1)}).`
        : `No ${entity} record${where(step)} came after ${previous()}, the earliest chain of the steps before it.`;
}

const article = (word: string): string => (/^[AEIOU]/i.test(word) ? 'An' : 'A');

const where = (step: SequenceStep): string => (step.where ? ' satisfying its where' : '');
