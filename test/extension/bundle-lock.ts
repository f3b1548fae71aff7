import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './sample-workspace.js';

const LOCK = join(REPO, 'out', '.test-bundle-lock');

/**
 * Runs a command that writes out/ (the bundle, or the package) while holding a lock, so test
 * files running in parallel never write the same bundles at once.
 */
export async function withBundleLock(command: string, args: readonly string[]): Promise<void> {
    mkdirSync(join(REPO, 'out'), { recursive: true });
    const deadline = Date.now() + 180_000;
    for (;;) {
        try {
            mkdirSync(LOCK);
            break;
        } catch {
            const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
            if (age > 120_000) rmSync(LOCK, { recursive: true, force: true });
            if (Date.now() > deadline) throw new Error('timed out waiting for the bundle lock');
            await new Promise(r => setTimeout(r, 200));
        }
    }
    try {
        execFileSync(command, args, { cwd: REPO, stdio: 'ignore' });
    } finally {
        rmSync(LOCK, { recursive: true, force: true });
    }
}

export const bundle = (): Promise<void> => withBundleLock(process.execPath, [join(REPO, 'scripts/bundle.mjs')]);
export const packageExtension = (): Promise<void> => withBundleLock('npm', ['run', 'package']);

/** This platform's build, with DuckDB: dist/segments-<platform>-<arch>.vsix. */
export const packageWithDuckDb = (): Promise<void> => withBundleLock('npm', ['run', 'package:with-duckdb']);
export const VSIX_WITH_DUCKDB = join(REPO, 'dist', `segments-${process.platform}-${process.arch}.vsix`);
