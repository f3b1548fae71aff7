import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Where scripts/install-code-server.sh puts code-server 4.99.4 (VS Code 1.99). */
export const CODE_SERVER_DIR = process.env.SEGMENTS_CODE_SERVER_DIR ?? join(homedir(), '.cache', 'segments-code-server');
export const CODE_SERVER = join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');
export const hasCodeServer = existsSync(CODE_SERVER);

export interface RunningCodeServer {
    readonly url: string;
    readonly userDataDir: string;
    stop(): Promise<void>;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

/**
 * A fresh code-server on loopback with its own user data and extensions folders, the packaged
 * extension installed offline, and the given user settings.
 */
export async function startCodeServer(vsix: string, settings: Record<string, unknown>, log: (line: string) => void = () => undefined): Promise<RunningCodeServer> {
    const base = mkdtempSync(join(tmpdir(), 'segments-code-server-'));
    const userDataDir = join(base, 'user-data');
    const extensionsDir = join(base, 'extensions');
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    await promisify(execFile)(CODE_SERVER, ['--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix], { timeout: 120_000 });
    const port = await freePort();
    const child: ChildProcess = spawn(CODE_SERVER, [
        '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
        '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir
    ], { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    child.stdout?.on('data', (d: Buffer) => log(d.toString()));
    child.stderr?.on('data', (d: Buffer) => log(d.toString()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}`);
        try {
            const res = await fetch(`${url}/healthz`);
            if (res.ok) break;
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) throw new Error('code-server did not start in 60 s');
        await new Promise(r => setTimeout(r, 250));
    }
    return {
        url,
        userDataDir,
        stop: async () => {
            if (child.exitCode !== null) return;
            const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
            child.kill('SIGTERM');
            await Promise.race([exited, new Promise(r => setTimeout(r, 5000))]);
            if (child.exitCode === null) child.kill('SIGKILL');
        }
    };
}
