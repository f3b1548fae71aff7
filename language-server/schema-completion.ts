import type { AstNode } from 'langium';
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import { audienceNameOf } from '../compiler/lower.js';
import type { AttributeType, SchemaAttribute } from '../compiler/schema.js';
import type { DatabaseFacts } from './data/database-facts.js';
import { aggregateType, fieldType } from './fields.js';
import type { WorkspaceModel } from './workspace-model.js';

/** Completion that knows the profile schema and its data: operators by type, values, segments. */

const ORDERED = new Set(['<', '<=', '>', '>=', 'between']);
const TEXT_ONLY = new Set(['contains', 'starts', 'ends']);
const TIME_ONLY = new Set(['before', 'after', 'today', 'now']);
const BOOLEAN_VALUES = new Set(['true', 'false']);

/** Whether a keyword fits after (or as the value of) an operand of the given type. */
export function keywordFitsType(keyword: string, type: AttributeType): boolean {
    if (ORDERED.has(keyword)) return type !== 'boolean';
    if (TEXT_ONLY.has(keyword)) return type === 'text';
    if (TIME_ONLY.has(keyword)) return type === 'date' || type === 'datetime';
    if (BOOLEAN_VALUES.has(keyword)) return type === 'boolean';
    if (keyword === '-') return type === 'number';
    return true;
}

/** The type of the value being compared at `node`: an operand, or the left side of a condition. */
export function operandType(node: AstNode | undefined, model: WorkspaceModel): AttributeType | undefined {
    if (!node) return undefined;
    if (ast.isAttributeRef(node)) {
        const field = node.attribute?.ref;
        return field && ast.isMeasure(field) ? fieldType(field) : attributeOf(node, model)?.type;
    }
    if (ast.isCountAggregate(node) || ast.isValueAggregate(node)) return aggregateType(node);
    if ('left' in node && (ast.isCompareCondition(node) || ast.isInCondition(node) || ast.isBetweenCondition(node) || ast.isOrderCondition(node) || ast.isTextCondition(node))) {
        return operandType(node.left, model);
    }
    return undefined;
}

/** The declared attribute `ref` names (a measure is none). */
export function attributeOf(ref: ast.AttributeRef | undefined, model: WorkspaceModel): SchemaAttribute | undefined {
    const target = ref?.attribute?.ref;
    return target && ast.isAttribute(target) ? model.schema.attribute(target.$container.name, target.name) : undefined;
}

/** Text attribute compared at `node` with `=`, `!=`, `in` or a text operator, if any. */
export function comparedTextAttribute(node: AstNode | undefined, model: WorkspaceModel): SchemaAttribute | undefined {
    if (!node || !(ast.isCompareCondition(node) || ast.isInCondition(node) || ast.isTextCondition(node))) return undefined;
    const left = node.left;
    const attribute = ast.isAttributeRef(left) ? attributeOf(left, model) : undefined;
    return attribute?.type === 'text' ? attribute : undefined;
}

/** The most frequent values of a text attribute in the data, as completion items (most frequent first). */
export async function valueItems(attribute: SchemaAttribute, model: WorkspaceModel, facts: DatabaseFacts): Promise<CompletionItem[]> {
    const entity = model.schema.entity(attribute.entity);
    if (!model.database || !entity) return [];
    const file = model.database.uri.fsPath;
    if ((await facts.status(file)).kind !== 'ok') return [];
    const values = await facts.columnValues(file, entity.table, attribute.column);
    return (values?.top ?? []).map((v, rank) => ({
        label: JSON.stringify(v.value),
        kind: CompletionItemKind.Value,
        detail: `${v.count} ${v.count === 1 ? 'record' : 'records'} in ${entity.table}.${attribute.column}`,
        sortText: `0${String(rank).padStart(3, '0')}`
    }));
}

/** Whether `candidate` may appear in the body of compound segment `segment`: same audience, not itself. */
export function fitsCompound(candidate: ast.Segment, segment: ast.Segment | undefined, model: WorkspaceModel): boolean {
    if (!segment) return true;
    if (candidate.name === segment.name) return false;
    const wanted = audienceNameOf(segment, model);
    return wanted === undefined || audienceNameOf(candidate, model) === wanted;
}
