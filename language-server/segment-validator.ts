import { AstUtils, type ValidationAcceptor, type ValidationChecks } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import { destinationProblems } from '../compiler/destinations.js';
import { measureOf, properties, type LowerContext, type LowerResult } from '../compiler/lower.js';
import { lowerOnce } from './lower-once.js';
import { lowerTest } from '../compiler/lower-test.js';
import { cycleThrough } from './segment-cycles.js';
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
        Destination: validator.checkDestination,
        Measure: validator.checkMeasure,
        Segment: [validator.checkProperties, validator.checkCycle, validator.checkLowering],
        Test: validator.checkTest,
        CompoundSegment: validator.checkInactiveParts,
        Group: (group, accept) => checkContradictions(group.condition, accept),
        Event: (event, accept) => checkContradictions(event.where, accept, event.none
            ? 'this step matches no record, so `then no` excludes no one'
            : 'this step matches no record, so the sequence is always empty'),
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
        for (const destination of model.destinations) {
            if (destination.name && ws.destinations.get(destination.name) !== destination) {
                accept('error', `The name ${destination.name} is already used by another destination: names of destinations are unique in the workspace.`,
                    { node: destination, property: 'name', code: IssueCodes.DuplicateName });
            }
        }
    }

    /** A destination's own problems (reference, section 7), whether or not a segment activates it. */
    checkDestination(destination: ast.Destination, accept: ValidationAcceptor): void {
        for (const p of destinationProblems(destination, this.workspace.model)) {
            accept(p.severity, p.message, { node: destination, property: 'target', code: p.code });
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

    /**
     * A measure (reference, 6.4): named unlike its entity's attributes and the other measures of
     * that entity, and the problems its aggregate has (paths, types, no measure inside it).
     */
    checkMeasure(measure: ast.Measure, accept: ValidationAcceptor): void {
        const entity = measure.entity?.ref;
        if (!entity || !measure.name) return;
        if (entity.attributes.some(a => a.name === measure.name)) {
            accept('error', `${entity.name} already has an attribute ${measure.name}: a measure is used as \`${entity.name}.${measure.name}\` like an attribute, so give it another name.`,
                { node: measure, property: 'name', code: IssueCodes.MeasureNameTaken });
            return;
        }
        const ws = this.workspace.model;
        if (ws.measures.get(measure.entity.$refText)?.get(measure.name) !== measure) {
            accept('error', `${entity.name}.${measure.name} is already declared as a measure (names of an entity's measures are unique in the workspace): rename or remove one of them.`,
                { node: measure, property: 'name', code: IssueCodes.DuplicateMeasure });
            return;
        }
        for (const p of measureOf(measure, ws).problems) {
            accept(p.severity, p.message, {
                node: p.node, code: p.code,
                ...(p.property ? { property: p.property } : {}),
                ...(p.index !== undefined ? { index: p.index } : {}),
                ...(p.data ? { data: p.data } : {})
            });
        }
    }

    checkCycle(segment: ast.Segment, accept: ValidationAcceptor): void {
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

    /** A segment test: its instant, its rows' values and keys, its checks (`compiler/lower-test.ts`). */
    checkTest(test: ast.Test, accept: ValidationAcceptor): void {
        for (const p of lowerTest(test, this.workspace.model).problems) {
            const range = p.property && p.index !== undefined ? itemRange(p.node, p.property, p.index) : undefined;
            accept(p.severity, p.message, { node: p.node, code: p.code, ...(range ? { range } : p.property ? { property: p.property } : {}) });
        }
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
        return lowerOnce(segment, ctx);
    } catch (e) {
        // The error can be reported just past the segment's end (at the token that did not fit), so
        // any syntax error in the file counts.
        const parsed = AstUtils.getDocument(segment).parseResult;
        if (parsed.parserErrors.length > 0 || parsed.lexerErrors.length > 0) return { problems: [] };
        throw e;
    }
}

export { cycleThrough, findCycle, segmentsOnCycles } from './segment-cycles.js';
