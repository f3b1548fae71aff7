import * as ast from '../grammar/generated/ast.js';
import type { SequencePlan, SequenceStep, SetOperator } from './ir.js';
import { AliasSource, JoinTreeBuilder } from './join-tree.js';
import { lowerCondition, type ConditionContext } from './lower-condition.js';
import { findPath } from './paths.js';
import { ProblemCodes } from './problems.js';
import { eventTime, eventTimeFault, type SchemaEntity } from './schema.js';
import { unitOf } from './time.js';

export interface SequenceContext extends Pick<ConditionContext, 'schema' | 'audience' | 'via' | 'sink' | 'aliases' | 'model'> {
    /** Set when a reference did not resolve (the linker reports it); no plan is made then. */
    unresolved: boolean;
}

/**
 * A sequence (reference 6.3) to its plan: every step's entity an event entity joined to the
 * audience by one shortest path, its `where` over that entity and entities reached from it;
 * `no` only on the last step, `within` only on `then` steps and in
 * whole units. Every problem is reported; `undefined` when there is one (or a name did not resolve).
 */
export function lowerSequence(sequence: ast.Sequence, ctx: SequenceContext): SequencePlan | undefined {
    const { audience, sink } = ctx;
    const before = sink.problems.filter(p => p.severity === 'error').length;
    if (sequence.steps.length < 2) {
        sink.error(ProblemCodes.SequenceTooShort,
            'A sequence has at least two steps: add one, for example `then Purchase within 7 days`, or write a `group` for records of one entity.', sequence, sequence.name ? 'name' : undefined);
    }
    const steps: SequenceStep[] = [];
    sequence.steps.forEach((event, index) => {
        const step = lowerStep(event, index, sequence.steps.length, ctx);
        if (step) steps.push(step);
    });
    const failed = sink.problems.filter(p => p.severity === 'error').length > before;
    if (failed || ctx.unresolved || steps.length !== sequence.steps.length) return undefined;
    const root = { alias: ctx.aliases.next(), entity: audience, children: [], measures: [] };
    return {
        node: 'sequence', root, steps,
        ...(sequence.name ? { name: sequence.name } : {}),
        ...(sequence.operator ? { operator: sequence.operator as SetOperator } : {})
    };
}

function lowerStep(event: ast.Event, index: number, count: number, ctx: SequenceContext): SequenceStep | undefined {
    const { schema, audience, sink } = ctx;
    const name = event.entity?.$refText ?? '';
    if (event.none && index < count - 1) {
        sink.error(ProblemCodes.NoStepNotLast,
            `\`then no ${name}\` must be the last step: it says what does not happen after the steps before it. Move it to the end, or write the steps after it as a sequence of their own.`, event, 'none');
    }
    const within = lowerWithin(event, index, ctx);
    const declared = event.entity?.ref;
    if (!declared) { ctx.unresolved = true; return undefined; }
    const entity = schema.entity(declared.name);
    if (!entity) { ctx.unresolved = true; return undefined; }
    const fault = eventTimeFault(entity);
    if (fault !== undefined) {
        sink.error(ProblemCodes.TimeType, `${fault.charAt(0).toUpperCase()}${fault.slice(1)}, so its records have no order: a step's entity needs a date or datetime \`time\`.`, event, 'entity');
        return undefined;
    }
    const time = eventTime(entity);
    if (!time) {
        sink.error(ProblemCodes.StepNotEvent,
            `${entity.name} has no \`time\`, so its records have no order: declare when a record happened on the entity (\`entity ${entity.name} ... key ${entity.key.name} time ${timeCandidate(entity)} { ... }\`) to use it as a step.`,
            event, 'entity');
        return undefined;
    }
    const path = findPath(schema, audience.name, entity.name, ctx.via);
    if (path.kind !== 'found') {
        // The join tree reports the problem with the group's messages, worded for a sequence.
        new JoinTreeBuilder(schema, audience, new AliasSource(), ctx.via, sink, 'sequence').attach(entity.name, event, 'entity');
        return undefined;
    }
    const tree = new JoinTreeBuilder(schema, entity, ctx.aliases, ctx.via, sink, 'sequence');
    const cctx: ConditionContext = { schema, audience, via: ctx.via, sink, aliases: ctx.aliases, model: ctx.model, viaOwner: 'sequence', unresolved: false };
    const where = event.where ? lowerCondition(event.where, tree, cctx) : undefined;
    ctx.unresolved ||= cctx.unresolved;
    if (event.where && !where) return undefined;
    return {
        path: path.steps.map(step => ({ step, entity: schema.entity(step.to)! })),
        target: tree.root, time, none: event.none,
        ...(where ? { where } : {}),
        ...(within ? { within } : {})
    };
}

function lowerWithin(event: ast.Event, index: number, ctx: SequenceContext): SequenceStep['within'] {
    if (event.amount === undefined) return undefined;
    // Text cut short by a syntax error: the parser reports it.
    if (event.unit === undefined) { ctx.unresolved = true; return undefined; }
    const written = `within ${event.amount} ${event.unit}`;
    if (index === 0) {
        ctx.sink.error(ProblemCodes.WithinOnFirstStep,
            `\`${written}\` bounds a step against the step before it, and the first step has none: move it to a \`then\` step, or bound the first step's time in its \`where\` (\`... in last ${event.amount} ${event.unit}\`).`, event, 'amount');
        return undefined;
    }
    if (!Number.isInteger(event.amount)) {
        ctx.sink.error(ProblemCodes.WithinNotWhole, `\`within\` counts whole units: write ${wholeHint(event.amount, event.unit)} rather than \`${written}\`.`, event, 'amount');
        return undefined;
    }
    if (event.amount === 0) {
        ctx.sink.warning(ProblemCodes.EmptyWithin, event.none
            ? `\`then no ... ${written}\` looks at no time at all, so it excludes no one: give the window a length, or remove \`within\` for "never after".`
            : `\`${written}\` never holds: each step's record must be strictly later than the one before, and at most ${written.slice(7)} later. Give the window a length, or remove \`within\`.`,
            event, 'amount');
    }
    return { sign: 1, amount: event.amount, unit: unitOf(event.unit) };
}

/** A smaller unit that says a fractional amount in whole units (`1.5 days` is `36 hours`). */
function wholeHint(amount: number, unit: string): string {
    const smaller: Record<string, [string, number]> = { day: ['hours', 24], week: ['days', 7], hour: ['minutes', 60] };
    const next = smaller[unitOf(unit)];
    if (next && Number.isInteger(amount * next[1])) return `\`within ${amount * next[1]} ${next[0]}\``;
    return 'a whole number';
}

/** A date or datetime attribute to suggest as the entity's time. */
function timeCandidate(entity: SchemaEntity): string {
    for (const a of entity.attributes.values()) if (a.type === 'datetime' || a.type === 'date') return a.name;
    return 'OccurredAt';
}
