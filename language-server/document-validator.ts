import { AstUtils, Cancellation, DefaultDocumentValidator, interruptAndCheck, type AstNode, type LangiumDocument, type ParseResult, type ValidationAcceptor, type ValidationOptions } from 'langium';
import type { LangiumServices } from 'langium/lsp';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import { IssueCodes } from './issue-codes.js';
import { NODES_PER_CHECK } from './cancellation-checks.js';
import { isLimitError } from './input-limits.js';
import { unknownReference } from './unknown-reference.js';
import type { SegmentWorkspace } from './workspace-model.js';

/**
 * Langium's document validator, with syntax errors under one code (`syntax-error`) and
 * unresolved names reported as `unknown-entity`, `unknown-attribute` or `unknown-segment`,
 * with the closest names offered (quick fixes read them from `data.suggestions`).
 */
export class SegmentDocumentValidator extends DefaultDocumentValidator {
    constructor(services: LangiumServices, private readonly workspace: () => SegmentWorkspace) {
        super(services);
    }

    /** As Langium's, but checking for cancellation every few hundred nodes rather than at each one. */
    protected override async validateAstNodes(rootNode: AstNode, options: ValidationOptions, acceptor: ValidationAcceptor, cancelToken: Cancellation.CancellationToken = Cancellation.CancellationToken.None): Promise<void> {
        if (this.profiler?.isActive('validating')) return super.validateAstNodes(rootNode, options, acceptor, cancelToken);
        const nodes = AstUtils.streamAst(rootNode).iterator();
        let visited = 0;
        for (const node of nodes) {
            if (visited++ % NODES_PER_CHECK === 0) await interruptAndCheck(cancelToken);
            const nodeOptions = this.validateSingleNodeOptions(node, options);
            if (nodeOptions.validateNode) {
                for (const check of this.validationRegistry.getChecks(node.$type, options.categories)) await check(node, acceptor, cancelToken);
            }
            if (!nodeOptions.validateChildren) nodes.prune();
        }
    }

    protected override processLexingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const before = diagnostics.length;
        super.processLexingErrors(parseResult, diagnostics, options);
        // Langium's diagnostics follow the lexer's errors, in order.
        const limits = parseResult.lexerErrors.map(e => (isLimitError(e) ? e.code : undefined));
        diagnostics.slice(before).forEach((d, i) => {
            const limit = limits[i];
            if (limit !== undefined) {
                mark(d, limit);
                return;
            }
            const character = typeof d.message === 'string' ? /unexpected character: ->(.*)<-/s.exec(d.message)?.[1] : undefined;
            if (character !== undefined) d.message = `Unexpected character \`${character}\`: it is not part of the segment language. Text goes in double quotes.`;
            markSyntax(d);
        });
    }

    protected override processParsingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const before = diagnostics.length;
        // Where text nested too deeply was cut, the parser finds a condition cut short: the
        // `too-deep` error says why, and the parser's errors there are left out.
        const resumed = new Set(parseResult.lexerErrors.filter(isLimitError).map(e => e.resumeOffset));
        const kept = resumed.size === 0 ? parseResult : { ...parseResult, parserErrors: parseResult.parserErrors.filter(e => !resumed.has(e.token.startOffset) && !(isNaN(e.token.startOffset) && resumed.has(parseResult.value.$cstNode?.root.fullText.length ?? -1))) };
        super.processParsingErrors(kept, diagnostics, options);
        // Error recovery can report several errors at one place: keep the first.
        const seen = new Set<string>();
        const added = diagnostics.splice(before).filter(d => {
            const at = `${d.range.start.line}:${d.range.start.character}`;
            if (seen.has(at)) return false;
            seen.add(at);
            return true;
        });
        for (const d of added) markSyntax(d);
        diagnostics.push(...added);
    }

    protected override processLinkingErrors(document: LangiumDocument, diagnostics: Diagnostic[], _options: ValidationOptions): void {
        const model = this.workspace().model;
        for (const reference of document.references) {
            const error = reference.error;
            if (!error) continue;
            const container = error.info.container;
            // `Nope.Name`: the unknown entity is reported; its attribute cannot be looked up.
            if (ast.isAttributeRef(container) && error.info.property === 'attribute' && container.entity && !container.entity.ref) continue;
            const problem = unknownReference(container, error.info.property, reference.$refText, model);
            diagnostics.push(this.toDiagnostic('error', problem.message, {
                node: container,
                ...(reference.$refNode ? { range: reference.$refNode.range } : {}),
                property: error.info.property,
                ...(error.info.index !== undefined ? { index: error.info.index } : {}),
                code: problem.code,
                data: { code: problem.code, name: reference.$refText, suggestions: problem.suggestions }
            }));
        }
    }
}

function markSyntax(d: Diagnostic): void {
    mark(d, IssueCodes.SyntaxError);
}

function mark(d: Diagnostic, code: string): void {
    d.code = code;
    d.severity = DiagnosticSeverity.Error;
    d.data = { code };
}
