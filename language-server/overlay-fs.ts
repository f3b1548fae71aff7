import { NodeFileSystemProvider } from 'langium/node';
import type { URI } from 'langium';

/**
 * The file system with some files' text given: the editor's unsaved text, or the files of a git
 * revision (`segments diff`). A given text wins over the file on disk.
 */
export class OverlayFileSystemProvider extends NodeFileSystemProvider {
    constructor(private readonly overlays: ReadonlyMap<string, string>) {
        super();
    }

    override async readFile(uri: URI): Promise<string> {
        return this.overlays.get(uri.fsPath) ?? super.readFile(uri);
    }

    override readFileSync(uri: URI): string {
        return this.overlays.get(uri.fsPath) ?? super.readFileSync(uri);
    }
}
