// The @vscode/test-electron suite: downloads VS Code (or uses VSCODE_EXECUTABLE), opens a copy
// of the retail sample with the extension under development, and runs test/extension/electron.
// Needs network access to update.code.visualstudio.com, so it is not part of CI on these
// machines (see ../shared/docs/vscode-e2e.md); the code-server suite is.
import { build } from 'esbuild';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suite = join(root, 'out', 'test', 'electron-suite.cjs');
await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'test/extension/electron/suite.ts')],
    outfile: suite,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    logLevel: 'warning'
});

const workspace = join(mkdtempSync(join(tmpdir(), 'segments-electron-')), 'retail');
cpSync(join(root, 'samples', 'retail'), workspace, { recursive: true, filter: src => !src.endsWith('.ts') && !src.endsWith('.history.sqlite') });
mkdirSync(join(workspace, '.vscode'), { recursive: true });
writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'segments.asOf': '2027-02-11' }));
writeFileSync(join(workspace, 'broken.segment'), 'dynamic segment Broken {\n  audience Customer\n  group {\n    Customer.CreditBalanse > 5000\n  }\n}\n');

try {
    await runTests({
        extensionDevelopmentPath: root,
        extensionTestsPath: suite,
        launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
        ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : { version: '1.99.3' })
    });
} catch (e) {
    console.error(`test:electron failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
}
