import { AstUtils, DefaultScopeProvider, EMPTY_SCOPE, type ReferenceInfo, type Scope } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import { properties } from '../compiler/lower.js';

/**
 * `Entity.Attribute` resolves among that entity's attributes; a bare `Attribute` among the
 * attributes of the segment's audience; `key` among the entity's own attributes.
 */
export class SegmentScopeProvider extends DefaultScopeProvider {
    override getScope(context: ReferenceInfo): Scope {
        const container = context.container;
        if (context.property === 'attribute' && ast.isAttributeRef(container)) {
            const entity = container.entity ? container.entity.ref : audienceEntity(container);
            return entity ? this.createScopeForNodes(entity.attributes) : EMPTY_SCOPE;
        }
        if (context.property === 'key' && ast.isEntity(container)) {
            return this.createScopeForNodes(container.attributes);
        }
        return super.getScope(context);
    }
}

function audienceEntity(node: ast.AttributeRef): ast.Entity | undefined {
    const segment = AstUtils.getContainerOfType(node, (n): n is ast.Segment => ast.isSegment(n));
    return segment ? properties(segment).audience?.entity?.ref : undefined;
}
