import type { AstNode } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import { properties } from '../compiler/lower.js';
import { isKeyword } from '../grammar/keywords.js';
import { IssueCodes } from './issue-codes.js';
import { closest, didYouMean } from './suggestions.js';
import type { WorkspaceModel } from './workspace-model.js';

export interface UnknownReference {
    readonly code: typeof IssueCodes.UnknownEntity | typeof IssueCodes.UnknownAttribute | typeof IssueCodes.UnknownSegment | typeof IssueCodes.UnknownDestination;
    readonly message: string;
    readonly suggestions: readonly string[];
}

/** The message for a name the linker could not resolve, with the closest names declared. */
export function unknownReference(container: AstNode, property: string, name: string, model: WorkspaceModel): UnknownReference {
    if (ast.isSegmentPart(container) || (ast.isSegmentCondition(container) && property === 'segment') || (property === 'segment' && (ast.isTest(container) || ast.isTestCheck(container)))) {
        const suggestions = closest(name, model.segments.keys());
        return { code: IssueCodes.UnknownSegment, suggestions, message: `No segment is named ${name}.${didYouMean(suggestions)}` };
    }
    if (ast.isActivateProperty(container)) {
        const suggestions = closest(name, model.destinations.keys());
        const message = suggestions.length > 0 ? `No destination is named ${name}.${didYouMean(suggestions)}`
            : `No destination is named ${name}: declare one, for example \`destination ${name} { file "exports/{segment}.csv" }\`.`;
        return { code: IssueCodes.UnknownDestination, suggestions, message };
    }
    if (ast.isRowValue(container)) {
        const row: AstNode | undefined = container.$container;
        const entity = ast.isTestRow(row) ? row.entity?.ref : undefined;
        const suggestions = entity ? closest(name, entity.attributes.map(a => a.name)) : [];
        return { code: IssueCodes.UnknownAttribute, suggestions, message: `${entity ? `${entity.name} has no attribute ${name}.` : `${name}: this row's entity is not declared, so it has no attributes to name.`}${didYouMean(suggestions)}` };
    }
    if ((ast.isAttributeRef(container) && property === 'attribute') || (ast.isEntity(container) && property === 'key')) {
        const entity = ast.isEntity(container) ? container : owner(container);
        // After `Entity.`, the entity's measures are names too (reference, 6.4).
        const measures = entity && ast.isAttributeRef(container) && container.entity ? [...model.measures.get(entity.name)?.keys() ?? []] : [];
        const names = entity ? [...entity.attributes.map(a => a.name), ...measures] : [];
        // A bare attribute spelled like a keyword is written with its entity (`Member.status`).
        const bare = ast.isAttributeRef(container) && !container.entity;
        const suggestions = closest(name, names).map(s => (bare && entity && isKeyword(s) ? `${entity.name}.${s}` : s));
        const where = entity
            ? `${entity.name} has no attribute${measures.length > 0 ? ' or measure' : ''} ${name}.`
            : `${name} is not an attribute of the audience: the segment has no \`audience\`, so write \`Entity.${name}\`.`;
        return { code: IssueCodes.UnknownAttribute, suggestions, message: `${where}${didYouMean(suggestions)}` };
    }
    const suggestions = closest(name, model.entities.keys());
    return { code: IssueCodes.UnknownEntity, suggestions, message: `No entity is named ${name}.${didYouMean(suggestions)}` };
}

/** The entity an attribute reference looks in: the one named before the dot, or the audience (in a measure, its entity). */
function owner(ref: ast.AttributeRef): ast.Entity | undefined {
    if (ref.entity) return ref.entity.ref;
    let node: AstNode | undefined = ref;
    while (node && !ast.isSegment(node) && !ast.isMeasure(node)) node = node.$container;
    if (node && ast.isMeasure(node)) return node.entity?.ref;
    return node && ast.isSegment(node) ? properties(node).audience?.entity?.ref : undefined;
}
