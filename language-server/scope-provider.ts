import { AstUtils, DefaultScopeProvider, EMPTY_SCOPE, MultiMapScope, type ReferenceInfo, type Scope } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import { properties } from '../compiler/lower.js';

/**
 * `Entity.Attribute` resolves among that entity's attributes; a bare `Attribute` among the
 * attributes of the segment's audience; `key` among the entity's own attributes.
 */
export class SegmentScopeProvider extends DefaultScopeProvider {
    /** An entity's attributes as a scope, per entity node: a file parsed again has new nodes. */
    private readonly attributeScopes = new WeakMap<ast.Entity, Scope>();

    override getScope(context: ReferenceInfo): Scope {
        const container = context.container;
        if (context.property === 'attribute' && ast.isAttributeRef(container)) {
            const entity = container.entity ? container.entity.ref : audienceEntity(container);
            return entity ? this.attributesOf(entity) : EMPTY_SCOPE;
        }
        if ((context.property === 'key' || context.property === 'time') && ast.isEntity(container)) {
            return this.attributesOf(container);
        }
        return super.getScope(context);
    }

    private attributesOf(entity: ast.Entity): Scope {
        let scope = this.attributeScopes.get(entity);
        if (!scope) {
            // Looked up by name; with a duplicate name, the first attribute wins (as it is written).
            scope = new MultiMapScope(this.createScopeForNodes(entity.attributes).getAllElements());
            this.attributeScopes.set(entity, scope);
        }
        return scope;
    }
}

function audienceEntity(node: ast.AttributeRef): ast.Entity | undefined {
    const segment = AstUtils.getContainerOfType(node, (n): n is ast.Segment => ast.isSegment(n));
    return segment ? properties(segment).audience?.entity?.ref : undefined;
}
