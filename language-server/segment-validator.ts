import { AstUtils, type ValidationAcceptor, type ValidationChecks } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import { lowerSegment, properties, type LowerContext, type LowerResult } from '../compiler/lower.js';
import { checkContradictions } from './contradiction-checks.js';
import { IssueCodes } from './issue-codes.js';
import { itemRange } from './diagnostic-range.js';
import type { SegmentServices } from './segment-module.js';
import type { SegmentWorkspace } from './workspace-model.js';

export function registerValidationChecks(services: SegmentServices): void {
    const registry = services.validation.ValidationRegistry;
    const validator = services.validation.SegmentValidator;
    const checks: ValidationChecks<ast.SegmentLanguageAstType> = {
        Model: validator.checkModel,
        Entity: validator.checkEntity,
        Segment: [validator.checkProperties, validator.checkCycle, validator.checkLowering],
        CompoundSegment: validator.checkInactiveParts,
        Group: (group, accept) => checkContradictions(group.condition, accept),
        CountAggregate: (aggregate, accept) => checkContradictions(aggregate.where, accept),
        ValueAggregate: (aggregate, accept) => checkContradictions(aggregate.where, accept)
    };
    registry.register(checks, validator);
    const data = services.validation.DataChecks;
    const dataChecks: ValidationChecks<ast.SegmentLanguageAstType> = {
        Database: data.checkDatabase,
        Entity: data.checkEntity,
        StaticSegment: data.checkMembers,
        CompareCondition: data.checkValues,
        InCondition: data.checkValues
    };
    registry.register(dataChecks, data);
}

/** Checks made on the syntax tree, plus every problem the compiler finds while lowering. */
export class SegmentValidator {
    constructor(private readonly workspace: SegmentWorkspace) {}

    checkModel(model: ast.Model, accept: ValidationAcceptor): void {
        model.databases.slice(1).forEach(db => accept('error', 'A file declares at most one `database`: remove this line.', { node: db, code: IssueCodes.DuplicateDatabase }));
        const ws = this.workspace.model;
        const first = ws.databases[0];
        for (const db of model.databases) {
            if (first && db !== first && db.path !== first.path) {
                accept('warning', `Another file already declares \`database "${first.path}"\`; segments run on that one.`, { node: db, property: 'path', code: IssueCodes.MultipleDatabases });
            }
        }
        const declared = new Map<string, string>();
        for (const e of ws.entities.values()) declared.set(e.name, 'entity');
        for (const named of [...model.entities, ...model.segments]) {
            if (!named.name) continue;
            const winner = ast.isEntity(named) ? ws.entities.get(named.name) : ws.segments.get(named.name);
            const clash = winner !== named
                || (ast.isSegment(named) && declared.has(named.name));
            if (clash) {
                accept('error', `The name ${named.name} is already used by another ${ast.isSegment(named) && declared.has(named.name) ? 'entity' : ast.isEntity(named) ? 'entity' : 'segment'}: names of entities and segments are unique in the workspace.`,
                    { node: named, property: 'name', code: IssueCodes.DuplicateName });
            }
        }
    }

    checkEntity(entity: ast.Entity, accept: ValidationAcceptor): void {
        const seen = new Set<string>();
        for (const a of entity.attributes) {
            if (seen.has(a.name)) accept('error', `${entity.name} already has an attribute ${a.name}.`, { node: a, property: 'name', code: IssueCodes.DuplicateAttribute });
            seen.add(a.name);
        }
        const time = entity.time?.ref;
        if (time && time.type !== 'date' && time.type !== 'datetime') {
            accept('error', `The \`time\` of ${entity.name} is when a record came into being, so it must be a date or a datetime, but ${time.name} is ${time.type === 'text' ? 'a text' : `a ${time.type}`}: name a date or datetime attribute of ${entity.name}, or remove \`time ${time.name}\`.`,
                { node: entity, property: 'time', code: IssueCodes.TimeType });
        }
    }

    checkProperties(segment: ast.Segment, accept: ValidationAcceptor): void {
        const seen = new Set<string>();
        for (const p of segment.properties) {
            const keyword = p.$type.replace(/Property$/, '').toLowerCase();
            if (seen.has(p.$type)) accept('error', `\`${keyword}\` is given twice: keep one.`, { node: p, code: IssueCodes.DuplicateProperty });
            seen.add(p.$type);
        }
    }

    checkCycle(segment: ast.Segment, accept: ValidationAcceptor): void {
        if (!ast.isCompoundSegment(segment)) return;
        const cycle = cycleThrough(segment.name, this.workspace.model);
        if (cycle) {
            accept('error', `${segment.name} refers to itself: ${cycle.join(' → ')}. Remove one of these references.`, { node: segment, property: 'name', code: IssueCodes.SegmentCycle });
        }
    }

    /** Referring to an inactive segment is allowed, but its members may be stale. */
    checkInactiveParts(segment: ast.CompoundSegment, accept: ValidationAcceptor): void {
        segment.parts.forEach((part, index) => {
            const target = part.segment?.ref;
            if (!target || properties(target).status !== 'inactive') return;
            accept('hint', `${target.name} is inactive: it is not refreshed automatically, so ${segment.name} may use stale members.`,
                { node: part, property: 'segment', code: IssueCodes.InactiveReference, data: { code: IssueCodes.InactiveReference, index } });
        });
    }

    checkLowering(segment: ast.Segment, accept: ValidationAcceptor): void {
        if (!segment.name) return;
        const ws = this.workspace.model;
        if (ws.segments.get(segment.name) !== segment) return;
        if (ast.isCompoundSegment(segment) && cycleThrough(segment.name, ws)) return;
        const syntaxErrors = AstUtils.getDocument(segment).parseResult.parserErrors.length > 0;
        for (const p of lowerRecovered(segment, ws).problems) {
            // A condition cut short by a syntax error is reported once, as the syntax error.
            if (syntaxErrors && p.code === IssueCodes.Incomplete) continue;
            // An item of a long list (a static key, a `via`) is located by its own node: Langium would walk the list each time.
            const range = p.property && p.index !== undefined ? itemRange(p.node, p.property, p.index) : undefined;
            accept(p.severity, p.message, {
                node: p.node, code: p.code,
                ...(range ? { range } : {}),
                ...(p.property && !range ? { property: p.property } : {}),
                ...(p.index !== undefined && !range ? { index: p.index } : {}),
                ...(p.data ? { data: p.data } : {})
            });
        }
    }
}

/**
 * The compiler's lowering of a segment, for a segment the parser may have had to recover: a
 * condition cut short can lack nodes the grammar requires (`in last 3` without its unit, `sum(`
 * without an attribute), and the compiler may then throw. Such a segment is reported by its syntax
 * error, and gets no plan; a segment in a file without syntax errors that makes the compiler throw is a bug,
 * and is not hidden.
 */
export function lowerRecovered(segment: ast.Segment, ctx: LowerContext): LowerResult {
    try {
        return lowerSegment(segment, ctx);
    } catch (e) {
        // The error can be reported just past the segment's end (at the token that did not fit), so
        // any syntax error in the file counts.
        const parsed = AstUtils.getDocument(segment).parseResult;
        if (parsed.parserErrors.length > 0 || parsed.lexerErrors.length > 0) return { problems: [] };
        throw e;
    }
}

/** Per model (a new one after each change): the segments on a cycle of compound references. */
const onCycles = new WeakMap<object, ReadonlySet<string>>();

/**
 * `findCycle`, for a segment of `model`, after one pass over the whole model that finds every
 * segment on a cycle: the checks of compound segments that reuse parts (`C2 = C1 union C1`, ...)
 * take time linear in the number of segments, instead of a search from each of them.
 */
export function cycleThrough(start: string, model: { readonly segments: ReadonlyMap<string, ast.Segment> }): string[] | undefined {
    let cyclic = onCycles.get(model);
    if (!cyclic) onCycles.set(model, cyclic = segmentsOnCycles(model.segments));
    return cyclic.has(start) ? findCycle(start, model.segments) : undefined;
}

/** The segments on a cycle of compound references: Tarjan's strongly connected components, with a stack of its own (no recursion). */
export function segmentsOnCycles(segments: ReadonlyMap<string, ast.Segment>): Set<string> {
    const parts = (name: string): string[] => {
        const segment = segments.get(name);
        return segment && ast.isCompoundSegment(segment) ? segment.parts.map(p => p.segment?.$refText ?? '').filter(n => segments.has(n)) : [];
    };
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const found = new Set<string>();
    for (const root of segments.keys()) {
        if (index.has(root)) continue;
        const work: { name: string; next: string[]; at: number }[] = [];
        const open = (name: string): void => {
            index.set(name, index.size);
            low.set(name, index.get(name)!);
            stack.push(name);
            onStack.add(name);
            work.push({ name, next: parts(name), at: 0 });
        };
        open(root);
        while (work.length > 0) {
            const top = work[work.length - 1];
            if (top.at < top.next.length) {
                const next = top.next[top.at++];
                if (!index.has(next)) open(next);
                else if (onStack.has(next)) low.set(top.name, Math.min(low.get(top.name)!, index.get(next)!));
                continue;
            }
            work.pop();
            const parent = work[work.length - 1];
            if (parent) low.set(parent.name, Math.min(low.get(parent.name)!, low.get(top.name)!));
            if (low.get(top.name) !== index.get(top.name)) continue;
            const component: string[] = [];
            let member: string;
            do {
                member = stack.pop()!;
                onStack.delete(member);
                component.push(member);
            } while (member !== top.name);
            if (component.length > 1 || top.next.includes(top.name)) for (const m of component) found.add(m);
        }
    }
    return found;
}

/** The cycle through `start` in compound references, as names from `start` back to it. */
export function findCycle(start: string, segments: ReadonlyMap<string, ast.Segment>): string[] | undefined {
    const path: string[] = [];
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string): string[] | undefined => {
        if (name === start && path.length > 0) return [...path, start];
        if (visiting.has(name) || done.has(name)) return undefined;
        const segment = segments.get(name);
        if (!segment || !ast.isCompoundSegment(segment)) return undefined;
        visiting.add(name);
        path.push(name);
        for (const part of segment.parts) {
            const found = visit(part.segment?.$refText ?? '');
            if (found) return found;
        }
        path.pop();
        visiting.delete(name);
        done.add(name);
        return undefined;
    };
    return visit(start);
}
