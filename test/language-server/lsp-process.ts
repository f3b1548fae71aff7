import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { DidCloseTextDocumentNotification, DidOpenTextDocumentNotification, ExitNotification, InitializedNotification, InitializeRequest, LogMessageNotification, MessageType, PublishDiagnosticsNotification, type InitializeResult, ShutdownRequest, type Diagnostic, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SAMPLE = join(ROOT, 'samples/retail');
/** The bundled server; SEGMENTS_SERVER names another bundle (to compare two builds in a benchmark). */
export const SERVER = process.env.SEGMENTS_SERVER ?? join(ROOT, 'out/server.cjs');

/** Builds the bundle and the sample database when they are missing. */
export function ensureBuilt(): void {
    if (!existsSync(SERVER)) execFileSync('node', ['scripts/bundle.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (!existsSync(join(SAMPLE, 'retail.sqlite'))) execFileSync('npx', ['tsx', 'samples/retail/build-sample.ts'], { cwd: ROOT, stdio: 'inherit' });
}

/** The bundled language server in a process of its own, and an LSP connection to it over stdio. */
export class ServerProcess {
    readonly diagnostics = new Map<string, Diagnostic[]>();
    private readonly waiters: { uri: string; resolve: (d: Diagnostic[]) => void }[] = [];
    stderr = '';
    /** What the server answered to `initialize`: its capabilities. */
    initialized: InitializeResult | undefined;
    /** Messages the server logged as errors (its `console.error` goes to the client over LSP). */
    readonly errors: string[] = [];

    private constructor(readonly process: ChildProcess, readonly connection: ProtocolConnection) {
        connection.onNotification(PublishDiagnosticsNotification.type, (p: PublishDiagnosticsParams) => {
            this.diagnostics.set(p.uri, p.diagnostics);
            for (const w of this.waiters.filter(x => x.uri === p.uri)) {
                this.waiters.splice(this.waiters.indexOf(w), 1);
                w.resolve(p.diagnostics);
            }
        });
        connection.onNotification(LogMessageNotification.type, p => {
            if (p.type === MessageType.Error) this.errors.push(p.message);
        });
        process.stderr?.on('data', (chunk: Buffer) => { this.stderr += chunk.toString(); });
    }

    static async start(root: string, capabilities: Record<string, unknown> = {}): Promise<ServerProcess> {
        const child = spawn('node', [SERVER, '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
        const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
        const server = new ServerProcess(child, connection);
        connection.listen();
        server.initialized = await connection.sendRequest(InitializeRequest.type, {
            processId: process.pid,
            rootUri: URI.file(root).toString(),
            workspaceFolders: [{ uri: URI.file(root).toString(), name: 'ws' }],
            capabilities
        });
        await connection.sendNotification(InitializedNotification.type, {});
        return server;
    }

    /** The next diagnostics published for `uri` (or those already published, if `existing`). */
    nextDiagnostics(uri: string, existing = false): Promise<Diagnostic[]> {
        const known = this.diagnostics.get(uri);
        if (existing && known) return Promise.resolve(known);
        return new Promise(resolve => this.waiters.push({ uri, resolve }));
    }

    async open(file: string, text = readFileSync(file, 'utf8')): Promise<string> {
        const uri = URI.file(file).toString();
        await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'segment', version: 1, text } });
        return uri;
    }

    /** Opens a document that is no file (`untitled:...`), as the editor does for a new buffer. */
    async openUri(uri: string, text: string): Promise<void> {
        await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'segment', version: 1, text } });
    }

    async close(uri: string): Promise<void> {
        await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    }

    async stop(): Promise<number | null> {
        const exited = new Promise<number | null>(r => this.process.once('exit', code => r(code)));
        try {
            await this.connection.sendRequest(ShutdownRequest.type);
            await this.connection.sendNotification(ExitNotification.type);
        } catch {
            this.process.kill();
        }
        const code = await Promise.race([exited, new Promise<null>(r => setTimeout(() => { this.process.kill(); r(null); }, 5000))]);
        this.connection.dispose();
        return code;
    }
}
