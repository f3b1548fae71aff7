import * as ast from '../grammar/generated/ast.js';
import type { MeasurePlan } from './ir.js';
import { AliasSource, JoinTreeBuilder } from './join-tree.js';
import { lowerOperand, viaOf, type ConditionContext, type ConditionModel } from './lower-condition.js';
import { ProblemSink, type Problem } from './problems.js';
import type { Schema } from './schema.js';

export interface MeasureResult {
    /** Absent when the measure has errors (or references the linker could not resolve). */
    readonly plan?: MeasurePlan;
    readonly problems: readonly Problem[];
}

/**
 * `measure ENTITY.NAME [via ...] = AGGREGATE` (reference, 6.4): the aggregate lowered with ENTITY
 * in the audience's place, its `via` picking paths as a group's does. A measure may not use
 * another measure (in its aggregate or its `where`); `in segment` may appear in its `where`.
 */
export function lowerMeasure(node: ast.Measure, schema: Schema, model: ConditionModel): MeasureResult {
    const sink = new ProblemSink();
    const state = { unresolved: false };
    const declared = node.entity?.ref;
    const entity = declared ? schema.entity(declared.name) : undefined;
    if (!entity || !node.aggregate) return { problems: [] };
    const via = viaOf(node, schema, sink, state);
    const ctx: ConditionContext = {
        schema, audience: entity, via, sink, aliases: new AliasSource('m'), model, inMeasure: true, viaOwner: 'measure', unresolved: false
    };
    const tree = new JoinTreeBuilder(schema, entity, ctx.aliases, via, sink, 'measure');
    const lowered = lowerOperand(node.aggregate, tree, ctx, false);
    if (!lowered || lowered.operand.node !== 'aggregate' || ctx.unresolved || state.unresolved || sink.hasErrors) return { problems: sink.problems };
    return {
        plan: { name: `${entity.name}.${node.name}`, entity, aggregate: lowered.operand, type: lowered.type },
        problems: sink.problems
    };
}
