import { NodeFileSystemProvider } from 'langium/node';
import type { URI } from 'langium';

/** The file system as the editor sees it: unsaved editor text wins over the file on disk. */
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
