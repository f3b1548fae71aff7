import './polyfills.js';
import { inject, type Module } from 'langium';
import { createDefaultModule, createDefaultSharedModule, type DefaultSharedModuleContext, type LangiumServices, type LangiumSharedServices, type PartialLangiumServices } from 'langium/lsp';
import { SegmentLanguageGeneratedModule, SegmentLanguageGeneratedSharedModule } from '../grammar/generated/module.js';
import { SegmentScopeProvider } from './scope-provider.js';
import { registerValidationChecks, SegmentValidator } from './segment-validator.js';
import { SegmentWorkspace } from './workspace-model.js';

/** Services added to Langium's defaults for the segment language. */
export type SegmentAddedServices = {
    workspace: {
        SegmentWorkspace: SegmentWorkspace;
    };
    validation: {
        SegmentValidator: SegmentValidator;
    };
};

export type SegmentServices = LangiumServices & SegmentAddedServices;

export const SegmentModule: Module<SegmentServices, PartialLangiumServices & SegmentAddedServices> = {
    workspace: {
        SegmentWorkspace: services => new SegmentWorkspace(services.shared)
    },
    references: {
        ScopeProvider: services => new SegmentScopeProvider(services)
    },
    validation: {
        SegmentValidator: services => new SegmentValidator(services.workspace.SegmentWorkspace)
    }
};

/** The shared and language services, wired; `context` gives the file system and the connection. */
export function createSegmentServices(context: DefaultSharedModuleContext): { shared: LangiumSharedServices; Segment: SegmentServices } {
    const shared = inject(createDefaultSharedModule(context), SegmentLanguageGeneratedSharedModule);
    const Segment = inject(createDefaultModule({ shared }), SegmentLanguageGeneratedModule, SegmentModule);
    shared.ServiceRegistry.register(Segment);
    registerValidationChecks(Segment);
    if (!context.connection) {
        // Without a language client there is no configuration to wait for.
        shared.workspace.ConfigurationProvider.initialized({});
    }
    return { shared, Segment };
}
