import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The `segments` command line as a user runs it (the bundled out/cli.cjs), on a copy of the
// retail sample, for the refresh and history tests.
export const ROOT = resolve(__dirname, '../..');
export const CLI = join(ROOT, 'out/cli.cjs');
export const SAMPLE = join(ROOT, 'samples/retail');
/** The sample's data ends on 2027-02-11; simulated days follow it, all before this instant. */
export const AS_OF = '2027-03-01';

export function requireBuild(): void {
    if (!existsSync(CLI)) throw new Error('out/cli.cjs is missing: run `npm run bundle` first');
    if (!existsSync(join(SAMPLE, 'retail.sqlite'))) throw new Error('the sample database is missing: run `npm run sample` first');
}

export function segments(args: readonly string[], cwd: string): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI in the background: its output so far, and its end. */
export function spawnSegments(args: readonly string[], cwd: string): { child: ChildProcess; output: () => string; errors: () => string; exit: Promise<number | null> } {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    const exit = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
    return { child, output: () => out, errors: () => err, exit };
}

/** Waits until `condition` holds, checking every 50 ms; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string, output?: () => string): Promise<void> {
    const started = Date.now();
    while (!condition()) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${output ? `; the output so far:\n${output()}` : ''}`);
        await new Promise(r => setTimeout(r, 50));
    }
}

/** A copy of the sample workspace (its database included, its TypeScript left out) in a temporary folder. */
export function sampleCopy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-refresh-'));
    cpSync(SAMPLE, dir, { recursive: true, filter: src => !src.endsWith('.ts') && !src.includes('.history.sqlite') && !src.includes('/exports') });
    return dir;
}

export interface RefreshJson {
    asOf: string;
    history: string;
    segments: {
        name: string; status: 'refreshed' | 'unchanged' | 'error' | 'inactive'; count?: number; entered?: number; left?: number; first?: boolean; newSeries?: boolean;
        destinations: { name: string; kind: string; status: string; path?: string; reason?: string }[];
    }[];
}

export function refreshJson(dir: string, extra: readonly string[] = []): { code: number; result: RefreshJson; stderr: string } {
    const r = segments(['refresh', '.', '--as-of', AS_OF, '--format', 'json', ...extra], dir);
    if (r.code !== 0 && r.code !== 1) throw new Error(`segments refresh exited ${r.code}: ${r.stderr}`);
    return { code: r.code, result: JSON.parse(r.stdout) as RefreshJson, stderr: r.stderr };
}

/** Every segment's member keys by `segments run` (the count is complete, and so is the list in JSON). */
export function runKeys(dir: string): Map<string, number[]> {
    const r = segments(['run', '.', '--as-of', AS_OF, '--format', 'json'], dir);
    if (r.code !== 0) throw new Error(`segments run exited ${r.code}: ${r.stderr}`);
    return new Map((JSON.parse(r.stdout) as { name: string; keys: number[] }[]).map(s => [s.name, s.keys]));
}

export function difference(a: readonly number[], b: readonly number[]): number[] {
    const other = new Set(b);
    return a.filter(k => !other.has(k));
}
