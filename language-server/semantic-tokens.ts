import type { AstNode } from 'langium';
import { AbstractSemanticTokenProvider, type SemanticTokenAcceptor } from 'langium/lsp';
import { SemanticTokenModifiers, SemanticTokenTypes } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';

/**
 * Semantic highlighting: entities as types, attributes and measures as properties, segments as
 * variables, groups and sequences as namespaces, destinations as enum members (a fixed place
 * members go), aggregate functions as functions; declarations marked.
 */
export class SegmentSemanticTokenProvider extends AbstractSemanticTokenProvider {
    protected highlightElement(node: AstNode, acceptor: SemanticTokenAcceptor): void {
        const declaration = [SemanticTokenModifiers.declaration];
        if (ast.isEntity(node)) {
            acceptor({ node, property: 'name', type: SemanticTokenTypes.type, modifier: declaration });
            acceptor({ node, property: 'key', type: SemanticTokenTypes.property });
            if (node.time) acceptor({ node, property: 'time', type: SemanticTokenTypes.property });
        } else if (ast.isAttribute(node)) {
            acceptor({ node, property: 'name', type: SemanticTokenTypes.property, modifier: declaration });
            if (node.target) acceptor({ node, property: 'target', type: SemanticTokenTypes.type });
        } else if (ast.isMeasure(node)) {
            acceptor({ node, property: 'entity', type: SemanticTokenTypes.type });
            acceptor({ node, property: 'name', type: SemanticTokenTypes.property, modifier: declaration });
        } else if (ast.isDestination(node)) {
            acceptor({ node, property: 'name', type: SemanticTokenTypes.enumMember, modifier: declaration });
        } else if (ast.isActivateProperty(node)) {
            acceptor({ node, property: 'destinations', type: SemanticTokenTypes.enumMember });
        } else if (ast.isSegment(node)) {
            acceptor({ node, property: 'name', type: SemanticTokenTypes.variable, modifier: declaration });
        } else if ((ast.isGroup(node) || ast.isSequence(node)) && node.name) {
            acceptor({ node, property: 'name', type: SemanticTokenTypes.namespace, modifier: declaration });
        } else if (ast.isEvent(node)) {
            acceptor({ node, property: 'entity', type: SemanticTokenTypes.type });
        } else if (ast.isSegmentCondition(node)) {
            acceptor({ node, property: 'entity', type: SemanticTokenTypes.type });
            acceptor({ node, property: 'segment', type: SemanticTokenTypes.variable });
        } else if (ast.isAttributeRef(node)) {
            if (node.entity) acceptor({ node, property: 'entity', type: SemanticTokenTypes.type });
            acceptor({ node, property: 'attribute', type: SemanticTokenTypes.property });
        } else if (ast.isAudienceProperty(node)) {
            acceptor({ node, property: 'entity', type: SemanticTokenTypes.type });
        } else if (ast.isSegmentPart(node)) {
            acceptor({ node, property: 'segment', type: SemanticTokenTypes.variable });
        } else if (ast.isCountAggregate(node)) {
            acceptor({ node, property: 'function', type: SemanticTokenTypes.function });
            acceptor({ node, property: 'entity', type: SemanticTokenTypes.type });
        } else if (ast.isValueAggregate(node)) {
            acceptor({ node, property: 'function', type: SemanticTokenTypes.function });
        }
    }
}
