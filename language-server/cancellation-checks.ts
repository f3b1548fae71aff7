import { AstUtils, Cancellation, DefaultLinker, DefaultReferenceDescriptionProvider, interruptAndCheck, type LangiumDocument, type ReferenceDescription } from 'langium';

/** How many syntax tree nodes are visited between checks for cancellation. */
export const NODES_PER_CHECK = 256;

/**
 * Langium's reference index entries for a document, made the same way but checking for
 * cancellation every few hundred nodes instead of at every node (each check is a promise, a
 * turn of the microtask queue and a clock read: thousands per edit of a 500-line file).
 */
export class SegmentReferenceDescriptionProvider extends DefaultReferenceDescriptionProvider {
    override async createDescriptions(document: LangiumDocument, cancelToken: Cancellation.CancellationToken = Cancellation.CancellationToken.None): Promise<ReferenceDescription[]> {
        const descriptions: ReferenceDescription[] = [];
        let visited = 0;
        for (const node of AstUtils.streamAst(document.parseResult.value)) {
            if (visited++ % NODES_PER_CHECK === 0) await interruptAndCheck(cancelToken);
            AstUtils.streamReferences(node).forEach(info => {
                if (!info.reference.error) descriptions.push(...this.createInfoDescriptions(info));
            });
        }
        return descriptions;
    }
}

/** Langium's linker, checking for cancellation every few hundred nodes rather than at each one. */
export class SegmentLinker extends DefaultLinker {
    override async link(document: LangiumDocument, cancelToken: Cancellation.CancellationToken = Cancellation.CancellationToken.None): Promise<void> {
        if (this.profiler?.isActive('linking')) return super.link(document, cancelToken);
        let visited = 0;
        for (const node of AstUtils.streamAst(document.parseResult.value)) {
            if (visited++ % NODES_PER_CHECK === 0) await interruptAndCheck(cancelToken);
            AstUtils.streamReferences(node).forEach(ref => this.doLink(ref, document));
        }
    }
}
