import { DefaultDocumentUpdateHandler, type LangiumSharedServices } from 'langium/lsp';
import type { TextDocument } from 'langium';
import type { TextDocumentChangeEvent } from 'vscode-languageserver';
import { URI } from 'vscode-uri';

/**
 * A document closed in the editor leaves the workspace as it is on disk: an untitled document,
 * or a file that was never saved, leaves the model (its declarations and diagnostics go with
 * it); a file closed with unsaved changes is read again from disk ("Don't Save" keeps the saved
 * text). Langium keeps a closed document's last text otherwise.
 */
export class SegmentDocumentUpdateHandler extends DefaultDocumentUpdateHandler {
    private readonly fileSystem: LangiumSharedServices['workspace']['FileSystemProvider'];

    constructor(services: LangiumSharedServices) {
        super(services);
        this.fileSystem = services.workspace.FileSystemProvider;
    }

    didCloseDocument(event: TextDocumentChangeEvent<TextDocument>): void {
        const uri = URI.parse(event.document.uri);
        const onDisk = uri.scheme === 'file' && this.fileSystem.existsSync(uri);
        if (onDisk) this.fireDocumentUpdate([uri], []);
        else this.fireDocumentUpdate([], [uri]);
    }
}
