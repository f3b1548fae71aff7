import { AstUtils, DefaultScopeProvider, EMPTY_SCOPE, MultiMapScope, type AstNode, type AstNodeDescription, type ReferenceInfo, type Scope } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import { properties } from '../compiler/lower.js';
import type { SegmentServices } from './segment-module.js';
import type { SegmentWorkspace, WorkspaceModel } from './workspace-model.js';

/**
 * `Entity.Name` resolves among that entity's attributes, then the measures declared for it in
 * any file of the workspace (reference, 6.4; an attribute wins a name both have, and the measure
 * is reported); a bare `Attribute` among the attributes of the segment's audience (in a
 * measure's aggregate, of the measure's entity); `key` and `time` among the entity's own
 * attributes; a test's row among its entity's attributes.
 */
export class SegmentScopeProvider extends DefaultScopeProvider {
    /** An entity's attributes as a scope, per entity node: a file parsed again has new nodes. */
    private readonly attributeScopes = new WeakMap<ast.Entity, Scope>();
    /** An entity's attributes and measures, per model (a new one after each change) and entity node. */
    private readonly fieldScopes = new WeakMap<WorkspaceModel, WeakMap<ast.Entity, Scope>>();
    private readonly workspace: () => SegmentWorkspace;

    constructor(services: SegmentServices) {
        super(services);
        this.workspace = () => services.workspace.SegmentWorkspace;
    }

    override getScope(context: ReferenceInfo): Scope {
        const container = context.container;
        if (context.property === 'attribute' && ast.isAttributeRef(container)) {
            if (container.entity) {
                const entity = container.entity.ref;
                return entity ? this.fieldsOf(entity) : EMPTY_SCOPE;
            }
            const entity = bareEntity(container);
            return entity ? this.attributesOf(entity) : EMPTY_SCOPE;
        }
        if ((context.property === 'key' || context.property === 'time') && ast.isEntity(container)) {
            return this.attributesOf(container);
        }
        // A test's row (`with Customer { CreditBalance = 12000 }`) names attributes of its entity.
        if (context.property === 'attribute' && ast.isRowValue(container)) {
            const row: AstNode | undefined = container.$container;
            const entity = ast.isTestRow(row) ? row.entity?.ref : undefined;
            return entity ? this.attributesOf(entity) : EMPTY_SCOPE;
        }
        // Completion asks for the references the parser expected next, on the node it recovered
        // to: a segment, for an incomplete condition. A node without that reference has no scope,
        // nor has one the parser left out of the tree while recovering (no document above it).
        if (!this.isReferenceOf(container.$type, context.property)) return EMPTY_SCOPE;
        if (!AstUtils.findRootNode(container).$document) return EMPTY_SCOPE;
        return super.getScope(context);
    }

    private isReferenceOf(type: string, property: string): boolean {
        return this.reflection.getTypeMetaData(type).properties[property]?.referenceType !== undefined;
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

    /** What `Entity.` may name: its attributes, then its measures. */
    private fieldsOf(entity: ast.Entity): Scope {
        const model = this.workspace().model;
        const measures = model.measures.get(entity.name);
        if (!measures || measures.size === 0 || model.entities.get(entity.name) !== entity) return this.attributesOf(entity);
        let byEntity = this.fieldScopes.get(model);
        if (!byEntity) this.fieldScopes.set(model, byEntity = new WeakMap());
        let scope = byEntity.get(entity);
        if (!scope) {
            const elements: AstNodeDescription[] = [
                ...this.attributesOf(entity).getAllElements(),
                ...this.createScopeForNodes(measures.values()).getAllElements()
            ];
            scope = new MultiMapScope(elements);
            byEntity.set(entity, scope);
        }
        return scope;
    }
}

/** The entity a bare attribute belongs to: the segment's audience, or the entity of the measure it is written in. */
function bareEntity(node: ast.AttributeRef): ast.Entity | undefined {
    const owner = AstUtils.getContainerOfType(node, (n): n is ast.Segment | ast.Measure => ast.isSegment(n) || ast.isMeasure(n));
    if (!owner) return undefined;
    return ast.isMeasure(owner) ? owner.entity?.ref : properties(owner).audience?.entity?.ref;
}
