import { CstUtils, type AstNode, type AstNodeLocator, type LangiumDocument, type LangiumDocuments } from 'langium';
import { DefaultRenameProvider } from 'langium/lsp';
import { ResponseError, TextEdit, type RenameParams, type WorkspaceEdit } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import { isKeyword } from '../grammar/keywords.js';
import type { SegmentServices } from './segment-module.js';
import { reasonLabels } from './test-renames.js';

const IDENTIFIER = /^[_a-zA-Z]\w*$/;

/** The request was refused: the client shows the message. */
const REQUEST_FAILED = -32803;

/**
 * Rename, knowing which names may be keywords (reference, section 1): an attribute or a measure
 * may be renamed to a keyword (a measure is always written `Entity.Name`; an attribute's bare
 * uses are then written with their entity, `Member.status`); an entity, a segment, a group, a
 * sequence or a destination may not, and nothing is renamed to a word that is not a name. The
 * `by NAME` of a test that names a renamed group, sequence or compound part is renamed too.
 */
export class SegmentRenameProvider extends DefaultRenameProvider {
    private readonly documents: LangiumDocuments;
    private readonly locator: AstNodeLocator;

    constructor(services: SegmentServices) {
        super(services);
        this.documents = services.shared.workspace.LangiumDocuments;
        this.locator = services.workspace.AstNodeLocator;
    }

    override async rename(document: LangiumDocument, params: RenameParams): Promise<WorkspaceEdit | undefined> {
        const target = this.targetAt(document, params);
        if (!target) return undefined;
        const newName = params.newName;
        if (!IDENTIFIER.test(newName)) throw new ResponseError(REQUEST_FAILED, `\`${newName}\` is not a name: a name is a letter or \`_\`, then letters, digits and \`_\`.`);
        if (!ast.isAttribute(target) && !ast.isMeasure(target) && isKeyword(newName)) throw new ResponseError(REQUEST_FAILED, `\`${newName}\` is a keyword: entities, segments, groups, sequences and destinations are named with other words.`);
        const changes: Record<string, TextEdit[]> = {};
        for (const ref of this.references.findReferences(target, { includeDeclaration: true })) {
            const source = this.sourceNode(ref.sourceUri.toString(), ref.sourcePath);
            const bare = ast.isAttribute(target) && isKeyword(newName) && ast.isAttributeRef(source) && !source.entity;
            const text = bare ? `${(target.$container as ast.Entity).name}.${newName}` : newName;
            (changes[ref.sourceUri.toString()] ??= []).push(TextEdit.replace(ref.segment.range, text));
        }
        // `not members K by NAME` in tests names a block or a compound part without a reference.
        if (ast.isSegment(target) || ast.isGroup(target) || ast.isSequence(target)) {
            for (const { uri, range } of reasonLabels(target, this.documents.all)) (changes[uri] ??= []).push(TextEdit.replace(range, newName));
        }
        return { changes };
    }

    /** The entity, attribute, measure, segment, group, sequence or destination declared or referred to at the position. */
    private targetAt(document: LangiumDocument, params: RenameParams): AstNode | undefined {
        const root = document.parseResult.value.$cstNode;
        if (!root) return undefined;
        const leaf = CstUtils.findDeclarationNodeAtOffset(root, document.textDocument.offsetAt(params.position), this.grammarConfig.nameRegexp);
        return leaf ? this.references.findDeclarations(leaf)[0] : undefined;
    }

    private sourceNode(uri: string, path: string): AstNode | undefined {
        const document = this.documents.all.find(d => d.uri.toString() === uri);
        return document ? this.locator.getAstNode(document.parseResult.value, path) : undefined;
    }
}
