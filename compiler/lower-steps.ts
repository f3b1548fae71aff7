import type { CompositeCstNode, CstNode } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import type { MeasurePlan, StepPlan, TopValue } from './ir.js';
import { ProblemCodes, type ProblemSink } from './problems.js';
import type { SchemaAttribute, SchemaEntity } from './schema.js';

/** What `Entity.Name` names, lowered (`fieldOf` in lower.ts): undefined when unresolved or a measure with errors. */
export type FieldOf = (ref: ast.AttributeRef) => { readonly kind: 'attribute'; readonly attribute: SchemaAttribute } | { readonly kind: 'measure'; readonly measure: MeasurePlan } | undefined;

/**
 * `top` and `sample` steps (reference, 6.6) to plan steps. Shares are read from the text as
 * written, exactly: `P` is from 0 to 100 with at most two decimals (digits past the second that
 * are all zeros are allowed: `12.50` is `12.5`), kept as hundredths of a percent. `top N` keeps
 * a whole number of members, 0 included (`5.0` is 5); a number beyond 2^53 keeps as many as
 * 2^53 - 1, more than any segment holds.
 */
export function lowerSteps(
    steps: readonly ast.FinalStep[], segment: string, audience: SchemaEntity, fieldOf: FieldOf,
    sink: ProblemSink, state: { unresolved: boolean }
): StepPlan[] {
    const plans: StepPlan[] = [];
    for (const step of steps) {
        const amount = amountOf(step);
        if (ast.isSampleStep(step)) {
            const hundredths = percent(amount, step, 'sample', sink);
            if (hundredths !== undefined) plans.push({ node: 'sample', hundredths, seed: step.seed ?? segment });
            continue;
        }
        const count = step.percent ? percent(amount, step, 'top', sink) : wholeCount(amount, step, sink);
        const by = topValue(step, segment, audience, fieldOf, sink, state);
        if (count === undefined || !by) continue;
        plans.push({
            node: 'top', by, descending: step.order !== 'asc',
            amount: step.percent ? { kind: 'percent', hundredths: count } : { kind: 'count', count }
        });
    }
    return plans;
}

/** The amount's digits as written (the parser's number rounds long ones). */
function amountOf(step: ast.FinalStep): { whole: string; fraction: string } {
    const text = amountToken(step.$cstNode) ?? String(step.amount);
    const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
    return m ? { whole: m[1], fraction: m[2] ?? '' } : { whole: '0', fraction: '' };
}

/** The token after `top` / `sample`: the amount (comments between them are hidden nodes). */
function amountToken(node: CstNode | undefined): string | undefined {
    const content = node && 'content' in node ? (node as CompositeCstNode).content : undefined;
    return content?.filter(n => !n.hidden)[1]?.text;
}

const MAX_COUNT = BigInt(Number.MAX_SAFE_INTEGER);

function percent(amount: { whole: string; fraction: string }, step: ast.FinalStep, keyword: 'top' | 'sample', sink: ProblemSink): number | undefined {
    const written = `${amount.whole}${amount.fraction ? `.${amount.fraction}` : ''}`;
    if (/[^0]/.test(amount.fraction.slice(2))) {
        const rounded = (Number(written) || 0).toFixed(2).replace(/\.?0+$/, '');
        sink.error(ProblemCodes.PercentPrecision,
            `${written}% has more than two decimals: a share is written with at most two (\`${keyword} ${rounded}%\`).`, step, 'amount');
        return undefined;
    }
    const hundredths = BigInt(amount.whole) * 100n + BigInt(amount.fraction.slice(0, 2).padEnd(2, '0'));
    if (hundredths > 10000n) {
        sink.error(ProblemCodes.PercentRange,
            `${written}% is more than all the members: a share is from 0% (none) to 100% (all).`, step, 'amount');
        return undefined;
    }
    return Number(hundredths);
}

function wholeCount(amount: { whole: string; fraction: string }, step: ast.TopStep, sink: ProblemSink): number | undefined {
    if (/[^0]/.test(amount.fraction)) {
        sink.error(ProblemCodes.TopCount,
            `\`top ${amount.whole}.${amount.fraction}\` keeps a whole number of members: write a whole number (\`top ${amount.whole}\`), or a share of the members (\`top ${amount.whole}.${amount.fraction}%\`).`,
            step, 'amount');
        return undefined;
    }
    const n = BigInt(amount.whole);
    return Number(n > MAX_COUNT ? MAX_COUNT : n);
}

function topValue(step: ast.TopStep, segment: string, audience: SchemaEntity, fieldOf: FieldOf, sink: ProblemSink, state: { unresolved: boolean }): TopValue | undefined {
    const target = step.attribute?.attribute?.ref;
    if (!target) {
        state.unresolved = true;
        return undefined;
    }
    const entity = ast.isMeasure(target) ? target.entity?.ref?.name : target.$container.name;
    const name = `${entity ?? step.attribute.entity?.$refText ?? '?'}.${target.name}`;
    if (entity !== audience.name) {
        sink.error(ProblemCodes.TopAttribute,
            `\`top\` orders the members of ${segment}, which are ${audience.name} profiles, so it orders them by an attribute or measure of ${audience.name}; ${name} is not one. `
            + `Order by a ${audience.name} attribute, or declare a measure of ${audience.name} that sums up its ${entity ?? 'related'} records (\`measure ${audience.name}.Name = ...\`).`,
            step, 'attribute');
        return undefined;
    }
    // A measure with errors is reported on the measure; the segment is not run.
    const field = fieldOf(step.attribute);
    if (!field) {
        state.unresolved = true;
        return undefined;
    }
    return field.kind === 'attribute' ? { node: 'attribute', attribute: field.attribute } : { node: 'measure', measure: field.measure };
}
