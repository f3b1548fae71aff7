import './polyfills.js';
import { inject, type Module } from 'langium';
import { createDefaultModule, createDefaultSharedModule, type DefaultSharedModuleContext, type LangiumServices, type LangiumSharedServices, type PartialLangiumServices } from 'langium/lsp';
import { SegmentLanguageGeneratedModule, SegmentLanguageGeneratedSharedModule } from '../grammar/generated/module.js';
import { SegmentCodeActionProvider } from './code-actions.js';
import { SegmentCompletionProvider } from './completion-provider.js';
import { SegmentCodeLensProvider } from './code-lens.js';
import { DataChecks } from './data-checks.js';
import { SegmentDocumentSymbolProvider } from './document-symbols.js';
import { FieldSamples } from './field-samples.js';
import { SegmentFormatter } from './formatter.js';
import { SegmentHoverProvider } from './hover-provider.js';
import { SegmentCounts } from './segment-counts.js';
import { SegmentSemanticTokenProvider } from './semantic-tokens.js';
import { DatabaseFacts } from './data/database-facts.js';
import { InProcessQueryService } from './data/in-process-query-service.js';
import type { QueryService } from './data/query-service.js';
import { SegmentDocumentBuilder } from './document-builder.js';
import { SegmentDocumentUpdateHandler } from './document-close.js';
import { SegmentDocumentValidator } from './document-validator.js';
import { SegmentParserErrorMessageProvider } from './parser-messages.js';
import { createSegmentParser } from './balanced-parser.js';
import { SegmentLexer, SegmentTokenBuilder } from './input-limits.js';
import { SegmentRenameProvider } from './rename-provider.js';
import { SegmentLinker, SegmentReferenceDescriptionProvider } from './cancellation-checks.js';
import { SegmentScopeProvider } from './scope-provider.js';
import { registerValidationChecks, SegmentValidator } from './segment-validator.js';
import { SegmentValidationRegistry } from './validation-registry.js';
import { SegmentWorkspaceManager } from './workspace-manager.js';
import { SegmentWorkspace } from './workspace-model.js';

/** Services added to Langium's defaults for the segment language. */
export type SegmentAddedServices = {
    workspace: {
        SegmentWorkspace: SegmentWorkspace;
    };
    validation: {
        SegmentValidator: SegmentValidator;
        DataChecks: DataChecks;
    };
    data: {
        /** Facts about the data for checks, completion and hover (quick queries). */
        DatabaseFacts: DatabaseFacts;
        /** Member counts for code lenses and hovers, computed in the background. */
        SegmentCounts: SegmentCounts;
        /** What the data holds for attributes and measures, in words, for hover and completion. */
        FieldSamples: FieldSamples;
    };
};

export type SegmentServices = LangiumServices & SegmentAddedServices;

/** Where queries run: in this thread by default; the server process passes worker threads. */
export interface SegmentDataContext {
    /** For quick queries: schema, distinct values, member keys. */
    readonly queries?: () => QueryService;
    /** For segment counts, which can be slow: kept apart so they never delay the quick ones. */
    readonly countQueries?: () => QueryService;
    /**
     * Whether the data checks that read every value of a column run (stored values and event
     * times, duplicate keys, text values compared with `=`): default on. They only warn, and cost
     * seconds per column at millions of rows; the extension's evaluator turns them off (its views
     * show errors only, and the language server shows the warnings in the editor).
     */
    readonly valueChecks?: boolean;
}

export function createSegmentModule(data: SegmentDataContext): Module<SegmentServices, PartialLangiumServices & SegmentAddedServices> {
    return {
        workspace: {
            SegmentWorkspace: services => new SegmentWorkspace(services.shared),
            ReferenceDescriptionProvider: services => new SegmentReferenceDescriptionProvider(services)
        },
        parser: {
            ParserErrorMessageProvider: () => new SegmentParserErrorMessageProvider(),
            // Inputs of any depth and length: deep conditions cut (`too-deep`), long chains balanced, strings matched without backtracking.
            TokenBuilder: () => new SegmentTokenBuilder(),
            Lexer: services => new SegmentLexer(services),
            LangiumParser: services => createSegmentParser(services)
        },
        references: {
            ScopeProvider: services => new SegmentScopeProvider(services),
            Linker: services => new SegmentLinker(services)
        },
        validation: {
            ValidationRegistry: services => new SegmentValidationRegistry(services),
            SegmentValidator: services => new SegmentValidator(services.workspace.SegmentWorkspace),
            DataChecks: services => new DataChecks(services.workspace.SegmentWorkspace, services.data.DatabaseFacts, data.valueChecks ?? true),
            DocumentValidator: services => new SegmentDocumentValidator(services, () => services.workspace.SegmentWorkspace)
        },
        lsp: {
            CodeActionProvider: () => new SegmentCodeActionProvider(),
            CompletionProvider: services => new SegmentCompletionProvider(services),
            HoverProvider: services => new SegmentHoverProvider(services),
            Formatter: () => new SegmentFormatter(),
            RenameProvider: services => new SegmentRenameProvider(services),
            CodeLensProvider: services => new SegmentCodeLensProvider(services.data.SegmentCounts),
            SemanticTokenProvider: services => new SegmentSemanticTokenProvider(services),
            DocumentSymbolProvider: () => new SegmentDocumentSymbolProvider()
        },
        data: {
            DatabaseFacts: () => new DatabaseFacts((data.queries ?? (() => new InProcessQueryService()))()),
            SegmentCounts: services => new SegmentCounts(services.workspace.SegmentWorkspace, (data.countQueries ?? (() => new InProcessQueryService()))()),
            FieldSamples: services => new FieldSamples(services.workspace.SegmentWorkspace, services.data.DatabaseFacts)
        }
    };
}

/** Shared services replaced for the segment language. */
export const SegmentSharedModule: Module<LangiumSharedServices, {
    workspace: { WorkspaceManager: (s: LangiumSharedServices) => SegmentWorkspaceManager; DocumentBuilder: (s: LangiumSharedServices) => SegmentDocumentBuilder };
    lsp: { DocumentUpdateHandler: (s: LangiumSharedServices) => SegmentDocumentUpdateHandler };
}> = {
    workspace: {
        WorkspaceManager: services => new SegmentWorkspaceManager(services),
        DocumentBuilder: services => new SegmentDocumentBuilder(services)
    },
    lsp: {
        DocumentUpdateHandler: services => new SegmentDocumentUpdateHandler(services)
    }
};

/** The shared and language services, wired; `context` gives the file system, the connection and where queries run. */
export function createSegmentServices(context: DefaultSharedModuleContext & SegmentDataContext): { shared: LangiumSharedServices; Segment: SegmentServices } {
    const shared = inject(createDefaultSharedModule(context), SegmentLanguageGeneratedSharedModule, SegmentSharedModule);
    const Segment = inject(createDefaultModule({ shared }), SegmentLanguageGeneratedModule, createSegmentModule(context));
    shared.ServiceRegistry.register(Segment);
    registerValidationChecks(Segment);
    if (!context.connection) {
        // Without a language client there is no configuration to wait for.
        shared.workspace.ConfigurationProvider.initialized({});
    }
    return { shared, Segment };
}
