import { AstUtils, GrammarAST, type AstNodeDescription, type LangiumDocument, type MaybePromise, type ReferenceInfo, type Stream } from 'langium';
import { DefaultCompletionProvider, type CompletionAcceptor, type CompletionContext, type CompletionValueItem, type NextFeature } from 'langium/lsp';
import type { Position } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import { isKeyword } from '../grammar/keywords.js';
import type { DatabaseFacts } from './data/database-facts.js';
import { comparedTextAttribute, fitsCompound, keywordFitsType, operandType, valueItems } from './schema-completion.js';
import type { SegmentServices } from './segment-module.js';
import type { SegmentWorkspace } from './workspace-model.js';

const OPERATOR_SYMBOLS = new Set(['=', '!=', '<', '<=', '>', '>=']);

/**
 * Langium's completion, plus: attributes with their type and description, operators and
 * values that fit the attribute's type, frequent text values from the data, and only segments
 * of the same audience in compound bodies.
 */
export class SegmentCompletionProvider extends DefaultCompletionProvider {
    private readonly workspace: SegmentWorkspace;
    private readonly facts: DatabaseFacts;

    constructor(services: SegmentServices) {
        super(services);
        this.workspace = services.workspace.SegmentWorkspace;
        this.facts = services.data.DatabaseFacts;
    }

    /** A keyword that stands for a name (a table, a column, an attribute) is not proposed as a keyword. */
    protected override *buildContexts(document: LangiumDocument, position: Position): IterableIterator<CompletionContext> {
        for (const context of super.buildContexts(document, position)) {
            yield { ...context, features: context.features.filter(f => !(GrammarAST.isKeyword(f.feature) && AstUtils.getContainerOfType(f.feature, GrammarAST.isParserRule)?.name === 'Name')) };
        }
    }

    protected override completionFor(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor): MaybePromise<void> {
        if (GrammarAST.isRuleCall(next.feature) && next.feature.rule.ref?.name === 'STRING' && next.type === 'StringLiteral') {
            return this.completeValues(context, acceptor);
        }
        if (GrammarAST.isCrossReference(next.feature) && (next.type === 'AttributeValue' || ast.isComparand(context.node) || isRightSide(context))) {
            // The right side of a comparison: values first; attributes to compare with are proposed after them.
            return undefined;
        }
        if (GrammarAST.isCrossReference(next.feature) && next.feature.terminal && GrammarAST.isRuleCall(next.feature.terminal) && next.feature.terminal.rule.ref?.name === 'ID') {
            // Where a name is an ID (a bare attribute), an attribute spelled like a keyword is written with its entity.
            return super.completionFor(context, next, (ctx, item) => acceptor(ctx, withEntity(item)));
        }
        return super.completionFor(context, next, acceptor);
    }

    private async completeValues(context: CompletionContext, acceptor: CompletionAcceptor): Promise<void> {
        const model = this.workspace.model;
        const attribute = comparedTextAttribute(context.node, model);
        if (!attribute) return;
        for (const item of await valueItems(attribute, model, this.facts)) acceptor(context, item);
    }

    protected override filterKeyword(context: CompletionContext, keyword: GrammarAST.Keyword): boolean {
        if (!OPERATOR_SYMBOLS.has(keyword.value) && !super.filterKeyword(context, keyword)) return false;
        const type = operandType(context.node, this.workspace.model);
        return type === undefined || keywordFitsType(keyword.value, type);
    }

    protected override getReferenceCandidates(refInfo: ReferenceInfo, context: CompletionContext): Stream<AstNodeDescription> {
        const candidates = super.getReferenceCandidates(refInfo, context);
        if (!(ast.isSegmentPart(refInfo.container) || ast.isCompoundSegment(refInfo.container)) && refInfo.property !== 'segment') return candidates;
        const model = this.workspace.model;
        const segment = AstUtils.getContainerOfType(context.node ?? refInfo.container, ast.isSegment);
        return candidates.filter(d => {
            const candidate = model.segments.get(d.name);
            return !candidate || fitsCompound(candidate, segment, model);
        });
    }

    protected override createReferenceCompletionItem(description: AstNodeDescription, refInfo: ReferenceInfo, context: CompletionContext): CompletionValueItem {
        const item = super.createReferenceCompletionItem(description, refInfo, context);
        const node = description.node;
        if (node && ast.isAttribute(node)) {
            return { ...item, detail: `${node.type}${node.column ? ` (column ${node.column})` : ''}`, ...(node.description ? { documentation: node.description } : {}) };
        }
        if (node && ast.isSegment(node)) {
            return { ...item, detail: `${node.$type.replace('Segment', '').toLowerCase()} segment` };
        }
        return item;
    }
}

/** `Member.status` for a keyword-named attribute proposed where a bare attribute stands. */
function withEntity(item: CompletionValueItem): CompletionValueItem {
    const node = 'nodeDescription' in item ? item.nodeDescription?.node : undefined;
    if (!node || !ast.isAttribute(node) || !isKeyword(node.name)) return item;
    return { ...item, label: `${(node.$container as ast.Entity).name}.${node.name}` };
}

/** True when the cursor follows a comparison operator (the right side is a value or an attribute). */
function isRightSide(context: CompletionContext): boolean {
    const node = context.node;
    return (ast.isCompareCondition(node) || ast.isOrderCondition(node)) && node.right === undefined;
}
