import { GrammarUtils, type AstNode, type LangiumDocument } from 'langium';
import type { DocumentSymbolProvider } from 'langium/lsp';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import { definitionText } from './measure-text.js';

/**
 * The outline of a file, in the order it is written: entities with their attributes, measures
 * (`Customer.LifetimeValue`, with their definition), destinations (with kind and target), and
 * segments with their named groups and sequences.
 */
export class SegmentDocumentSymbolProvider implements DocumentSymbolProvider {
    getSymbols(document: LangiumDocument): DocumentSymbol[] {
        const model = document.parseResult.value;
        if (!ast.isModel(model)) return [];
        const declarations: AstNode[] = [...model.entities, ...model.measures, ...model.destinations, ...model.segments];
        declarations.sort((a, b) => (a.$cstNode?.offset ?? 0) - (b.$cstNode?.offset ?? 0));
        return declarations.flatMap(d => this.symbolOf(d) ?? []);
    }

    private symbolOf(node: AstNode): DocumentSymbol | undefined {
        if (ast.isEntity(node)) {
            return symbol(node, node.name, SymbolKind.Class, node.time ? `time ${node.time.$refText}` : undefined,
                node.attributes.flatMap(a => symbol(a, a.name, SymbolKind.Field, a.type) ?? []));
        }
        if (ast.isMeasure(node)) {
            return symbol(node, `${node.entity?.$refText ?? '?'}.${node.name}`, SymbolKind.Property, `= ${definitionText(node)}`);
        }
        if (ast.isDestination(node)) {
            return symbol(node, node.name, SymbolKind.Event, node.kind && node.target !== undefined ? `${node.kind} ${JSON.stringify(node.target)}` : undefined);
        }
        if (ast.isSegment(node)) {
            const blocks: readonly (ast.Group | ast.Sequence)[] = ast.isDynamicSegment(node) ? node.groups : [];
            const kind = node.$type.replace('Segment', '').toLowerCase();
            return symbol(node, node.name, SymbolKind.Variable, `${kind} segment`,
                blocks.flatMap(b => (b.name ? symbol(b, b.name, ast.isSequence(b) ? SymbolKind.Array : SymbolKind.Namespace, ast.isSequence(b) ? 'sequence' : 'group') : undefined) ?? []));
        }
        return undefined;
    }
}

/** A symbol whose selection is the node's name (the whole node when its name is missing). */
function symbol(node: AstNode, name: string | undefined, kind: SymbolKind, detail?: string, children?: DocumentSymbol[]): DocumentSymbol | undefined {
    const range = node.$cstNode?.range;
    if (!range || !name) return undefined;
    const selectionRange = GrammarUtils.findNodeForProperty(node.$cstNode, 'name')?.range ?? range;
    return { name, kind, range, selectionRange, ...(detail ? { detail } : {}), ...(children && children.length > 0 ? { children } : {}) };
}
