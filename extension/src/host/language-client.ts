import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/** Starts the segment language server (out/server.cjs) in a Node process over IPC. */
export async function startLanguageClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
    const module = context.asAbsolutePath('out/server.cjs');
    const serverOptions: ServerOptions = {
        run: { module, transport: TransportKind.ipc },
        debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } }
    };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [{ scheme: 'file', language: 'segment' }, { scheme: 'untitled', language: 'segment' }],
        // The `segments` settings go to the server too: its code lenses count at `segments.asOf`.
        synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.segment'), configurationSection: 'segments' }
    };
    const client = new LanguageClient('segments', 'Segments Language Server', serverOptions, clientOptions);
    await client.start();
    return client;
}
