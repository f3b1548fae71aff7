import type { AstNode } from 'langium';
import { AbstractSemanticTokenProvider, type SemanticTokenAcceptor } from 'langium/lsp';
import { SemanticTokenModifiers, SemanticTokenTypes } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';

/**
 * Semantic highlighting: entities as types, attributes as properties, segments as variables
 * (declarations marked), groups as namespaces, aggregate functions as functions.
 */
export class SegmentSemanticTokenProvider extends AbstractSemanticTokenProvider {
    protected highlightElement(node: AstNode, acceptor: SemanticTokenAcceptor): void {
        const declaration = [SemanticTokenModifiers.declaration];
        if (ast.isEntity(node)) {
            acceptor({ node, property: 'name', type: SemanticTokenTypes.type, modifier: declaration });
            acceptor({ node, property: 'key', type: SemanticTokenTypes.property });
        } else if (ast.isAttribute(node)) {
            acceptor({ node, property: 'name', type: SemanticTokenTypes.property, modifier: declaration });
            if (node.target) acceptor({ node, property: 'target', type: SemanticTokenTypes.type });
        } else if (ast.isSegment(node)) {
            acceptor({ node, property: 'name', type: SemanticTokenTypes.variable, modifier: declaration });
        } else if (ast.isGroup(node) && node.name) {
            acceptor({ node, property: 'name', type: SemanticTokenTypes.namespace, modifier: declaration });
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
