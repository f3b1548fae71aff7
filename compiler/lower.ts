import * as ast from '../grammar/generated/ast.js';
import { destinationProblems, fileWriters, resolveDestination, SEGMENT_PLACEHOLDER } from './destinations.js';
import type { BlockPlan, DestinationPlan, KeyValue, MeasurePlan, SegmentPlan, SetOperator, ShowColumn, StepPlan } from './ir.js';
import { exactNumberKey } from './exact-number.js';
import { AliasSource, JoinTreeBuilder } from './join-tree.js';
import { describeOperand, lowerCondition, resolveAttribute, viaOf, type ConditionContext, type ConditionModel } from './lower-condition.js';
import { lowerMeasure, type MeasureResult } from './lower-measure.js';
import { lowerSequence, type SequenceContext } from './lower-sequence.js';
import { lowerSteps } from './lower-steps.js';
import { findPath } from './paths.js';
import { ProblemCodes, ProblemSink, type Problem } from './problems.js';
import { planUses } from './plan-uses.js';
import { eventTimeFault, type Schema, type SchemaAttribute, type SchemaEntity } from './schema.js';

export interface LowerContext {
    readonly schema: Schema;
    /** Every segment of the model by name, for compound segments. */
    readonly segments: ReadonlyMap<string, ast.Segment>;
    /** Resolves a path written in a segment or destination (`members from "file.csv"`, `file "..."`) against its file: absolute and normalized. */
    readonly resolveFile?: (node: ast.Segment | ast.Destination, relative: string) => string;
    /** The workspace folder of a segment or destination: files it names are read or written only inside it. */
    readonly workspaceFolder?: (node: ast.Segment | ast.Destination) => string;
    /** True when the parser had to recover inside the segment (for a measure: in its file): its text has syntax errors. */
    readonly hasSyntaxErrors?: (node: ast.Segment | ast.Measure) => boolean;
}

export interface LowerResult {
    /** Absent when the segment has errors (or references the linker could not resolve). */
    readonly plan?: SegmentPlan;
    readonly problems: readonly Problem[];
}

/** AST to plan: resolves audience, paths, joins and types, reporting every problem found. */
export function lowerSegment(segment: ast.Segment, ctx: LowerContext): LowerResult {
    const sink = new ProblemSink();
    const state = { unresolved: ctx.hasSyntaxErrors?.(segment) ?? false };
    const audience = audienceOf(segment, ctx, sink, state);
    const props = properties(segment);
    if (!audience) return { problems: sink.problems };
    const base = {
        name: segment.name,
        title: props.title ?? segment.name,
        ...(props.description !== undefined ? { description: props.description } : {}),
        audience,
        active: props.status !== 'inactive',
        show: lowerShow(segment, audience, ctx, sink, state),
        destinations: lowerDestinations(segment, ctx, sink, state)
    };
    const steps: StepPlan[] = ast.isDynamicSegment(segment) || ast.isCompoundSegment(segment)
        ? lowerSteps(segment.steps, segment.name, audience, ref => fieldOf(ref, ctx), sink, state)
        : [];
    let plan: SegmentPlan | undefined;
    if (ast.isDynamicSegment(segment)) {
        const groups: BlockPlan[] = [];
        const aliases = new AliasSource();
        for (const group of segment.groups) {
            const via = viaOf(group, ctx.schema, sink, state);
            if (ast.isSequence(group)) {
                const sctx: SequenceContext = { schema: ctx.schema, audience, via, sink, aliases, model: conditionModel(ctx), unresolved: false };
                const sequence = lowerSequence(group, sctx);
                state.unresolved ||= sctx.unresolved;
                if (sequence) groups.push(sequence);
                continue;
            }
            const cctx: ConditionContext = { schema: ctx.schema, audience, via, sink, aliases, model: conditionModel(ctx), unresolved: false };
            const tree = new JoinTreeBuilder(ctx.schema, audience, aliases, via, sink);
            const condition = group.condition ? lowerCondition(group.condition, tree, cctx) : undefined;
            state.unresolved ||= cctx.unresolved;
            if (condition) {
                groups.push({
                    node: 'group',
                    ...(group.name ? { name: group.name } : {}),
                    ...(group.operator ? { operator: group.operator as SetOperator } : {}),
                    root: tree.root, condition
                });
            }
        }
        if (groups.length === segment.groups.length) plan = { ...base, kind: 'dynamic', groups, steps };
    } else if (ast.isStaticSegment(segment)) {
        const members = segment.members;
        if (members?.file !== undefined) {
            const path = ctx.resolveFile ? ctx.resolveFile(segment, members.file) : members.file;
            const within = ctx.workspaceFolder?.(segment);
            plan = { ...base, kind: 'static', members: { kind: 'file', path, ...(within !== undefined ? { within } : {}) } };
        } else if (members) {
            const keys: KeyValue[] = [];
            members.keys.forEach((k, index) => {
                const value: KeyValue = ast.isNumberLiteral(k) ? exactNumberKey(k) : k.value;
                const expected = audience.key.type === 'number' ? 'number' : 'string';
                if ((typeof value === 'string' ? 'string' : 'number') !== expected) {
                    sink.problems.push({
                        severity: 'error', code: ProblemCodes.KeyType, node: members, property: 'keys', index,
                        message: `${audience.name}.${audience.key.name} is ${audience.key.type === 'number' ? 'a number' : 'text'}, so members must be ${expected === 'number' ? 'numbers' : 'texts in quotes'}.`
                    });
                }
                keys.push(value);
            });
            plan = { ...base, kind: 'static', members: { kind: 'keys', keys } };
        }
    } else {
        const parts = segment.parts.map(p => ({ ...(p.operator ? { operator: p.operator as SetOperator } : {}), segment: p.segment?.$refText ?? '' }));
        segment.parts.forEach((part, index) => {
            const target = part.segment?.ref;
            if (!target) { state.unresolved = true; return; }
            const other = audienceNameOf(target, ctx, new Set([segment.name]));
            if (other && other !== audience.name) {
                sink.error(ProblemCodes.AudienceMismatch,
                    `${target.name} returns ${other} profiles, but ${segment.name} returns ${audience.name}: a compound segment combines segments of one audience.`,
                    part, 'segment', { index });
            }
        });
        plan = { ...base, kind: 'compound', parts, steps };
    }
    if (plan && plan.kind !== 'compound') eventTimeFaults(plan, ctx.schema, segment, sink);
    if (sink.hasErrors || state.unresolved) return { problems: sink.problems };
    return { ...(plan ? { plan } : {}), problems: sink.problems };
}

/**
 * An entity the plan reads whose `time` is not a date or datetime (reference 6.1): which of its
 * records exist at the run's instant cannot be said, so the segment must not run. (Its parts
 * say so for a compound segment.)
 */
function eventTimeFaults(plan: SegmentPlan, schema: Schema, segment: ast.Segment, sink: ProblemSink): void {
    for (const name of planUses(plan, new Map()).entities) {
        const entity = schema.entity(name);
        const fault = entity ? eventTimeFault(entity) : undefined;
        if (!entity || fault === undefined) continue;
        const message = fault.charAt(0).toUpperCase() + fault.slice(1);
        sink.error(ProblemCodes.TimeType,
            `${message}, so ${segment.name} cannot say which ${entity.name} records exist: after \`time\` in \`entity ${entity.name}\`, name a date or datetime attribute of ${entity.name}, or remove \`time\`.`,
            segment, 'name');
    }
}

interface Properties { title?: string; description?: string; status?: string; audience?: ast.AudienceProperty; show?: ast.ShowProperty; activate?: ast.ActivateProperty }

export function properties(segment: ast.Segment): Properties {
    const result: Properties = {};
    for (const p of segment.properties) {
        if (ast.isTitleProperty(p)) result.title ??= p.value;
        else if (ast.isDescriptionProperty(p)) result.description ??= p.value;
        else if (ast.isStatusProperty(p)) result.status ??= p.value;
        else if (ast.isAudienceProperty(p)) result.audience ??= p;
        else if (ast.isShowProperty(p)) result.show ??= p;
        else if (ast.isActivateProperty(p)) result.activate ??= p;
    }
    return result;
}

/** The audience entity's name: declared, or for a compound segment the first part's. */
export function audienceNameOf(segment: ast.Segment, ctx: LowerContext, seen: Set<string> = new Set()): string | undefined {
    const declared = properties(segment).audience;
    if (declared) return declared.entity?.ref?.name;
    if (!ast.isCompoundSegment(segment) || seen.has(segment.name)) return undefined;
    seen.add(segment.name);
    const first = segment.parts[0]?.segment?.ref;
    return first ? audienceNameOf(first, ctx, seen) : undefined;
}

function audienceOf(segment: ast.Segment, ctx: LowerContext, sink: ProblemSink, state: { unresolved: boolean }): SchemaEntity | undefined {
    const declared = properties(segment).audience;
    if (declared && !declared.entity?.ref) { state.unresolved = true; return undefined; }
    const name = audienceNameOf(segment, ctx);
    if (name === undefined) {
        if (!ast.isCompoundSegment(segment)) {
            sink.error(ProblemCodes.MissingAudience, `${segment.name} needs an audience: add \`audience Customer\` (the entity whose profiles it returns).`, segment, 'name');
        } else {
            state.unresolved = true;
        }
        return undefined;
    }
    const entity = ctx.schema.entity(name);
    if (!entity) state.unresolved = true;
    return entity;
}

function lowerShow(segment: ast.Segment, audience: SchemaEntity, ctx: LowerContext, sink: ProblemSink, state: { unresolved: boolean }): ShowColumn[] {
    const schema = ctx.schema;
    const show = properties(segment).show;
    const columns: ShowColumn[] = [];
    show?.attributes.forEach((ref, index) => {
        const field = fieldOf(ref, ctx);
        if (!field) { state.unresolved = true; return; }
        const entity = field.kind === 'attribute' ? field.attribute.entity : field.measure.entity.name;
        const name = field.kind === 'attribute' ? field.attribute.name : ref.attribute?.$refText ?? '';
        const path = findPath(schema, audience.name, entity);
        const toOne = path.kind === 'found' && path.steps.every(s => s.relationship.from === s.from);
        if (path.kind !== 'found' || !toOne) {
            sink.problems.push({ severity: 'error', code: ProblemCodes.ShowUnreachable, node: show, property: 'attributes', index,
                message: `A ${audience.name} can have many ${entity} records, so ${entity}.${name} has no single value to show. Show attributes of ${audience.name} or of entities it refers to with \`->\`.` });
            return;
        }
        const base = {
            label: entity === audience.name ? name : `${entity}.${name}`,
            path: path.steps.map(step => ({ step, entity: schema.entity(step.to)! }))
        };
        columns.push(field.kind === 'attribute'
            ? { ...base, type: field.attribute.type, attribute: field.attribute }
            : { ...base, type: field.measure.type, measure: field.measure });
    });
    return columns;
}

/** What `Entity.Name` names, lowered: an attribute, or a measure's plan; undefined when unresolved or the measure has errors. */
export type LoweredField = { readonly kind: 'attribute'; readonly attribute: SchemaAttribute } | { readonly kind: 'measure'; readonly measure: MeasurePlan };

/** The attribute or measure a reference names (for `show` and `top ... by`). */
export function fieldOf(ref: ast.AttributeRef, ctx: LowerContext): LoweredField | undefined {
    const target = ref.attribute?.ref;
    if (ast.isMeasure(target)) {
        const measure = measureOf(target, ctx).plan;
        return measure && { kind: 'measure', measure };
    }
    const attribute = resolveAttribute(ref, ctx.schema);
    return attribute && { kind: 'attribute', attribute };
}

/** Measures lowered per model: one plan per measure, shared by every segment that uses it. */
const measureCache = new WeakMap<LowerContext, Map<ast.Measure, MeasureResult>>();
const models = new WeakMap<LowerContext, ConditionModel>();

/** A measure's plan and problems, lowered once per model (`ctx`). */
export function measureOf(node: ast.Measure, ctx: LowerContext): MeasureResult {
    let cache = measureCache.get(ctx);
    if (!cache) measureCache.set(ctx, cache = new Map());
    let result = cache.get(node);
    if (!result) {
        // A measure whose text the parser had to recover is never planned (as a segment is not); it may lack nodes the grammar requires.
        if (ctx.hasSyntaxErrors?.(node)) {
            try {
                result = { problems: lowerMeasure(node, ctx.schema, conditionModel(ctx)).problems };
            } catch {
                result = { problems: [] };
            }
        } else {
            result = lowerMeasure(node, ctx.schema, conditionModel(ctx));
        }
        cache.set(node, result);
    }
    return result;
}

/** What conditions need of the model: measures' plans and segments' audiences. */
export function conditionModel(ctx: LowerContext): ConditionModel {
    let model = models.get(ctx);
    if (!model) {
        model = { measure: node => measureOf(node, ctx).plan, audienceOf: segment => audienceNameOf(segment, ctx) };
        models.set(ctx, model);
    }
    return model;
}

export { describeOperand };

/**
 * The destinations a segment activates, resolved for it (reference, section 7). A destination
 * with errors, or a file another segment (or destination) writes too, is an error of the segment:
 * its members would go nowhere or overwrite another's. Activating one twice is a warning (it is
 * sent once); activating from an inactive segment is said (it is never refreshed, so never sent).
 */
function lowerDestinations(segment: ast.Segment, ctx: LowerContext, sink: ProblemSink, state: { unresolved: boolean }): DestinationPlan[] {
    const activate = properties(segment).activate;
    if (!activate) return [];
    const plans: DestinationPlan[] = [];
    const seen = new Set<ast.Destination>();
    const at = (severity: 'error' | 'warning', code: Problem['code'], message: string, index: number): void => {
        sink.problems.push({ severity, code, message, node: activate, property: 'destinations', index });
    };
    activate.destinations.forEach((ref, index) => {
        const destination = ref.ref;
        if (!destination) { state.unresolved = true; return; }
        if (seen.has(destination)) {
            at('warning', ProblemCodes.DestinationTwice, `${segment.name} activates ${destination.name} twice; it is sent once: remove this one.`, index);
            return;
        }
        seen.add(destination);
        const problems = destinationProblems(destination, ctx);
        const plan = resolveDestination(destination, segment.name, ctx);
        if (problems.length > 0 || !plan) {
            at('error', ProblemCodes.DestinationInvalid,
                `${destination.name} cannot receive members: ${problems[0]?.message ?? 'its declaration is incomplete.'} Fix the destination; ${segment.name} is not run until then.`, index);
            return;
        }
        if (plan.kind === 'file') {
            const others = (fileWriters(ctx).get(plan.path.toLowerCase()) ?? []).filter(w => w.segment !== segment.name || w.destination !== destination.name);
            if (others.length > 0) {
                const other = others[0];
                const shared = !destination.target.includes(SEGMENT_PLACEHOLDER) && other.destination === destination.name;
                at('error', ProblemCodes.DestinationSharedFile, shared
                    ? `${destination.name} writes one file, ${JSON.stringify(destination.target)}, and ${other.segment} activates it too: segments share a file destination only through ${SEGMENT_PLACEHOLDER}, as in "exports/${SEGMENT_PLACEHOLDER}.csv".`
                    : `${plan.path} is also written by ${other.segment} through ${other.destination}: give each segment and destination a file of its own (${SEGMENT_PLACEHOLDER} in a path is the segment's name).`,
                index);
                return;
            }
        }
        plans.push(plan);
    });
    if (properties(segment).status === 'inactive' && activate.destinations.length > 0) {
        sink.problems.push({ severity: 'info', code: ProblemCodes.InactiveNotSent, node: activate,
            message: `${segment.name} is inactive: it is not refreshed, so nothing is sent to ${activate.destinations.map(d => d.$refText).join(', ')}. Remove \`status inactive\` to send it.` });
    }
    return plans;
}
