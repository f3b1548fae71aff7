import { AstUtils, CstUtils, GrammarAST, stream, type AstNode, type AstNodeDescription, type LangiumDocument, type MaybePromise, type ReferenceInfo, type Stream } from 'langium';
import { DefaultCompletionProvider, type CompletionAcceptor, type CompletionProviderOptions, type CompletionContext, type CompletionValueItem, type NextFeature } from 'langium/lsp';
import { CompletionItemKind, MarkupKind, type CancellationToken, type CompletionList, type CompletionParams, type Position } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import { isKeyword } from '../grammar/keywords.js';
import { audienceNameOf } from '../compiler/lower.js';
import type { DatabaseFacts } from './data/database-facts.js';
import { bareAttributeBeforeCursor, entityBeforeCursor, entityBeforeDot, eventAt, rightSideOf } from './completion-places.js';
import type { FieldSamples } from './field-samples.js';
import { comparable, fieldType } from './fields.js';
import { definitionText } from './measure-text.js';
import { comparedTextAttribute, fitsCompound, keywordFitsType, operandType, valueItems } from './schema-completion.js';
import type { SegmentServices } from './segment-module.js';
import { reasonItems, reasonKeywordFits, testedSegment } from './test-completion.js';
import type { SegmentWorkspace } from './workspace-model.js';

const OPERATOR_SYMBOLS = new Set(['=', '!=', '<', '<=', '>', '>=', '%']);

/** After the values on the right side of a comparison (data values `0…`, keywords `1`): attributes and measures to compare with. */
const AFTER_VALUES = '2';

/** How long completion waits for sample values from the data. */
const SAMPLES_WAIT_MS = 150;

const DESTINATION_KINDS: Readonly<Record<string, string>> = {
    file: 'the members as a CSV or JSON lines file, path relative to this file (`{segment}` is the segment\'s name)',
    webhook: 'entered and exited keys POSTed to a URL after each refresh',
    table: 'rows (segment, key, entered_at) in a table of the engine\'s database'
};

/**
 * Langium's completion, plus: attributes and measures with their type and description,
 * operators and values that fit the attribute's type, frequent text values from the data, then
 * attributes of a fitting type on the right side of a comparison, only segments of the same
 * audience in compound bodies and of the entity's audience after `in segment`, only event
 * entities as sequence steps, and `in segment` after an entity where a condition starts.
 */
export class SegmentCompletionProvider extends DefaultCompletionProvider {
    /** Completion opens by itself after `Entity.` (its attributes and measures) and after `=` (values). */
    override readonly completionOptions: CompletionProviderOptions = { triggerCharacters: ['.', '='] };
    private readonly workspace: SegmentWorkspace;
    private readonly facts: DatabaseFacts;
    private readonly samples: FieldSamples;

    constructor(services: SegmentServices) {
        super(services);
        this.workspace = services.workspace.SegmentWorkspace;
        this.facts = services.data.DatabaseFacts;
        this.samples = services.data.FieldSamples;
    }

    /** Items of attributes (and measures) with what the data holds, when it is known within a moment. */
    override async getCompletion(document: LangiumDocument, params: CompletionParams, token?: CancellationToken): Promise<CompletionList | undefined> {
        const quoted = await this.valuesInQuotes(document, params.position);
        if (quoted) return quoted;
        const list = await super.getCompletion(document, params, token);
        if (!list) return list;
        const fields = list.items.flatMap(item => {
            const field = this.fieldOf(item.data);
            return field ? [{ item, field }] : [];
        });
        if (fields.length === 0) return list;
        const samples = Promise.all(fields.map(async ({ item, field }) => {
            const sample = await (ast.isMeasure(field) ? this.samples.measure(field) : this.samples.attribute(field, 3)).catch(() => undefined);
            if (!sample) return;
            const description = typeof item.documentation === 'string' ? item.documentation : item.documentation?.value;
            item.documentation = { kind: MarkupKind.Markdown, value: [description, sample].filter(Boolean).join('\n\n') };
        }));
        // Completion never waits long for the data: values not known by then are left out.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([samples, new Promise(resolve => { timer = setTimeout(resolve, SAMPLES_WAIT_MS); })]);
        clearTimeout(timer);
        return list;
    }

    /**
     * Inside the quotes of a text compared with a text attribute (`City = "Du|"`, in an `in`
     * list too): the attribute's values from the data, each replacing the whole quoted text.
     * The parser sees one finished token there, so Langium's completion offers nothing.
     */
    private async valuesInQuotes(document: LangiumDocument, position: Position): Promise<CompletionList | undefined> {
        const root = document.parseResult.value.$cstNode;
        const offset = document.textDocument.offsetAt(position);
        const leaf = root ? CstUtils.findLeafNodeAtOffset(root, offset) : undefined;
        if (!leaf || leaf.tokenType.name !== 'STRING' || offset <= leaf.offset || offset >= leaf.end) return undefined;
        const condition = AstUtils.getContainerOfType(leaf.astNode, n => ast.isCompareCondition(n) || ast.isInCondition(n) || ast.isTextCondition(n));
        const model = this.workspace.model;
        const attribute = comparedTextAttribute(condition, model);
        if (!attribute) return undefined;
        const range = { start: document.textDocument.positionAt(leaf.offset), end: document.textDocument.positionAt(leaf.end) };
        const items = await valueItems(attribute, model, this.facts);
        return { isIncomplete: false, items: items.map(item => ({ ...item, filterText: item.label, textEdit: { range, newText: item.label } })) };
    }

    /** The field an item's `data` names (`fieldData`), if it is still in the model. */
    private fieldOf(data: unknown): ast.Field | undefined {
        if (typeof data !== 'object' || data === null || !('entity' in data) || !('field' in data)) return undefined;
        const model = this.workspace.model;
        const [entity, field] = [String(data.entity), String(data.field)];
        return 'measure' in data ? model.measures.get(entity)?.get(field) : model.entities.get(entity)?.attributes.find(a => a.name === field);
    }

    /** A keyword that stands for a name (a table, a column, an attribute) is not proposed as a keyword. */
    protected override *buildContexts(document: LangiumDocument, position: Position): IterableIterator<CompletionContext> {
        for (const context of super.buildContexts(document, position)) {
            yield { ...context, features: context.features.filter(f => !(GrammarAST.isKeyword(f.feature) && AstUtils.getContainerOfType(f.feature, GrammarAST.isParserRule)?.name === 'Name')) };
        }
    }

    protected override completionFor(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor): MaybePromise<void> {
        if (segmentConditionAhead(context)) {
            return this.completeSegmentCondition(context, next, acceptor);
        }
        if (GrammarAST.isKeyword(next.feature) && ruleOf(next.feature) === 'DestinationKind') {
            const documentation = DESTINATION_KINDS[next.feature.value];
            return super.completionFor(context, next, (ctx, item) => acceptor(ctx, { ...item, ...(documentation ? { documentation } : {}) }));
        }
        if (next.type === ast.TestReason.$type && GrammarAST.isRuleCall(next.feature) && next.feature.rule.ref?.name === 'ID') {
            // A test's `by`: the names the tested segment's groups, sequences or parts have.
            for (const item of reasonItems(testedSegment(context.node))) acceptor(context, item);
            return undefined;
        }
        if (GrammarAST.isRuleCall(next.feature) && next.feature.rule.ref?.name === 'STRING' && next.type === 'StringLiteral') {
            return this.completeValues(context, acceptor);
        }
        if (GrammarAST.isCrossReference(next.feature) && next.feature.terminal && GrammarAST.isRuleCall(next.feature.terminal) && next.feature.terminal.rule.ref?.name === 'ID') {
            // Where a name is an ID (a bare attribute), an attribute spelled like a keyword is written with its entity.
            return super.completionFor(context, next, (ctx, item) => acceptor(ctx, withEntity(item)));
        }
        return super.completionFor(context, next, acceptor);
    }

    /**
     * After an entity's name where a condition starts, `in segment` and `not in segment` (the
     * entity is no bare attribute, so no comparison fits); after `Product in`, `segment`.
     */
    private completeSegmentCondition(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor): MaybePromise<void> {
        const before = entityBeforeCursor(context, this.workspace.model);
        if (!before) return super.completionFor(context, next, acceptor);
        if (!GrammarAST.isKeyword(next.feature)) return undefined;
        const keyword = next.feature.value;
        const detail = `${before.entity} is (not) a member of a segment whose audience is ${before.entity}`;
        if (before.after === 'in') {
            if (keyword === 'segment') acceptor(context, { label: 'segment', kind: CompletionItemKind.Keyword, detail, sortText: '1' });
            return undefined;
        }
        if (keyword === 'in') acceptor(context, { label: 'in segment', insertText: 'in segment ', kind: CompletionItemKind.Keyword, detail, sortText: '1' });
        if (keyword === 'not') acceptor(context, { label: 'not in segment', insertText: 'not in segment ', kind: CompletionItemKind.Keyword, detail, sortText: '1' });
        return undefined;
    }

    private async completeValues(context: CompletionContext, acceptor: CompletionAcceptor): Promise<void> {
        const model = this.workspace.model;
        const attribute = comparedTextAttribute(context.node, model);
        if (!attribute) return;
        for (const item of await valueItems(attribute, model, this.facts)) acceptor(context, item);
    }

    protected override filterKeyword(context: CompletionContext, keyword: GrammarAST.Keyword): boolean {
        if (!OPERATOR_SYMBOLS.has(keyword.value) && !super.filterKeyword(context, keyword)) return false;
        // Only `then` steps take `within` (reference, 6.3).
        if (keyword.value === 'within' && eventAt(context.node)?.then === false) return false;
        if (ruleOf(keyword) === 'TestReason') return reasonKeywordFits(keyword.value, testedSegment(context.node));
        const model = this.workspace.model;
        const type = operandType(context.node, model) ?? bareAttributeBeforeCursor(context, model)?.type;
        return type === undefined || keywordFitsType(keyword.value, type);
    }

    protected override getReferenceCandidates(refInfo: ReferenceInfo, context: CompletionContext): Stream<AstNodeDescription> {
        const model = this.workspace.model;
        const container = refInfo.container;
        const candidates = this.candidatesFor(refInfo, context);
        const segment = AstUtils.getContainerOfType(context.node ?? container, ast.isSegment);
        if (ast.isEvent(container) && refInfo.property === 'entity') {
            // Every step's entity is an event entity (reference, 6.3).
            return candidates.filter(d => model.entities.get(d.name)?.time !== undefined);
        }
        if (ast.isSegmentCondition(container) && refInfo.property === 'segment') {
            const entity = container.entity?.ref?.name ?? container.entity?.$refText;
            return candidates.filter(d => {
                const candidate = model.segments.get(d.name);
                return !candidate || (candidate !== segment && (!entity || audienceNameOf(candidate, model) === entity));
            });
        }
        if (ast.isSegmentPart(container) || ast.isCompoundSegment(container)) {
            return candidates.filter(d => {
                const candidate = model.segments.get(d.name);
                return !candidate || fitsCompound(candidate, segment, model);
            });
        }
        if (refInfo.property === 'segment' && (ast.isCountCheck(container) || ast.isSubsetCheck(container) || ast.isDisjointCheck(container))) {
            // A test compares segments of one audience.
            const tested = testedSegment(container);
            const audience = tested && audienceNameOf(tested, model);
            return audience ? candidates.filter(d => { const c = model.segments.get(d.name); return !c || audienceNameOf(c, model) === audience; }) : candidates;
        }
        if (ast.isRowValue(container) && refInfo.property === 'attribute') {
            // A row names an attribute once.
            // While the parser recovers, the row around the value may be missing.
            const row: AstNode | undefined = container.$container;
            const given = new Set((ast.isTestRow(row) ? row.values ?? [] : []).filter(v => v !== container).map(v => v.attribute?.$refText));
            return candidates.filter(d => !given.has(d.name));
        }
        const compared = rightSideOf(container);
        const left = compared && operandType(compared.left, model);
        if (compared && left) {
            // The right side of a comparison: attributes and measures of a type that fits (not the left side's own), and entities that have one.
            const same = ast.isAttributeRef(compared.left) ? compared.left.attribute?.ref : undefined;
            return candidates.filter(d => {
                const node = d.node;
                if (ast.isEntity(node)) return [...node.attributes, ...this.measuresOf(node)].some(f => f !== same && fitsType(f, left));
                return !node || !ast.isField(node) || (node !== same && fitsType(node, left));
            });
        }
        const top = AstUtils.getContainerOfType(container, ast.isTopStep);
        if (top && refInfo.property === 'entity') {
            // `top N by` orders by an attribute or measure of the audience (reference, 6.6).
            const audience = segment && audienceNameOf(segment, model);
            return audience ? candidates.filter(d => d.name === audience) : candidates;
        }
        return candidates;
    }

    /** Langium's candidates; after `Entity.`, the fields of the entity written there. */
    private candidatesFor(refInfo: ReferenceInfo, context: CompletionContext): Stream<AstNodeDescription> {
        const container = refInfo.container;
        // After `Entity.`, whatever node the parser recovered to (an incomplete condition may leave only the segment).
        const written = refInfo.property === 'attribute' ? entityBeforeDot(context) : undefined;
        if (written === undefined || (ast.isAttributeRef(container) && container.entity?.ref?.name === written)) return super.getReferenceCandidates(refInfo, context);
        const entity = this.workspace.model.entities.get(written);
        if (!entity) return stream([]);
        const qualified: AstNode & Pick<ast.AttributeRef, 'entity'> = { $type: ast.AttributeRef.$type, $container: container, $containerProperty: container.$containerProperty, entity: { ref: entity, $refText: written } };
        return super.getReferenceCandidates({ ...refInfo, container: qualified }, context);
    }

    protected override createReferenceCompletionItem(description: AstNodeDescription, refInfo: ReferenceInfo, context: CompletionContext): CompletionValueItem {
        const item = { ...super.createReferenceCompletionItem(description, refInfo, context), ...(rightSideOf(refInfo.container) ? { sortText: `${AFTER_VALUES}${description.name}` } : {}) };
        const node = description.node;
        if (node && ast.isAttribute(node)) {
            return { ...item, detail: `${node.type}${node.column ? ` (column ${node.column})` : ''}`, ...(node.description ? { documentation: node.description } : {}), data: fieldData(node) };
        }
        if (node && ast.isMeasure(node)) {
            const definition = definitionText(node);
            return { ...item, detail: `${fieldType(node) ?? '?'} (measure)`, documentation: { kind: 'markdown', value: [node.description, `\`= ${definition}\``].filter(Boolean).join('\n\n') }, data: fieldData(node) };
        }
        if (node && ast.isSegment(node)) {
            return { ...item, detail: `${node.$type.replace('Segment', '').toLowerCase()} segment` };
        }
        if (node && ast.isDestination(node)) {
            return { ...item, detail: `${node.kind} destination`, ...(node.target !== undefined ? { documentation: `${node.kind} ${JSON.stringify(node.target)}` } : {}) };
        }
        if (node && ast.isEntity(node) && node.time) {
            return { ...item, detail: `event entity (time ${node.time.$refText})` };
        }
        return item;
    }

    /** The measures declared for `entity`, in any file of the workspace. */
    private measuresOf(entity: ast.Entity): ast.Measure[] {
        return [...(this.workspace.model.measures.get(entity.name)?.values() ?? [])];
    }
}

/** What a field's completion item carries, to find the field again when the list is complete. */
function fieldData(field: ast.Field): { readonly entity: string; readonly field: string; readonly measure?: true } {
    return ast.isAttribute(field) ? { entity: field.$container.name, field: field.name } : { entity: field.entity?.$refText ?? '', field: field.name, measure: true };
}

function ruleOf(keyword: GrammarAST.Keyword): string | undefined {
    return AstUtils.getContainerOfType(keyword, GrammarAST.isParserRule)?.name;
}

/** Whether the grammar allows `ENTITY in segment` to go on at the cursor: the features include its keywords. */
function segmentConditionAhead(context: CompletionContext): boolean {
    return context.features.some(f => GrammarAST.isKeyword(f.feature) && ruleOf(f.feature) === 'SegmentCondition');
}

function fitsType(field: ast.Field, type: NonNullable<ReturnType<typeof fieldType>>): boolean {
    const own = fieldType(field);
    return own === undefined || comparable(type, own);
}

/** `Member.status` for a keyword-named attribute proposed where a bare attribute stands. */
function withEntity(item: CompletionValueItem): CompletionValueItem {
    const node = 'nodeDescription' in item ? item.nodeDescription?.node : undefined;
    if (!node || !ast.isAttribute(node) || !isKeyword(node.name)) return item;
    return { ...item, label: `${node.$container.name}.${node.name}` };
}
