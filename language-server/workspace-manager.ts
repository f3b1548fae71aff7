import { DefaultWorkspaceManager, type BuildOptions, type LangiumSharedCoreServices } from 'langium';

/** Validates every file of the workspace when it is first loaded, not only the files opened later. */
export class SegmentWorkspaceManager extends DefaultWorkspaceManager {
    constructor(services: LangiumSharedCoreServices) {
        super(services);
        this.initialBuildOptions = { validation: true } satisfies BuildOptions;
    }
}
