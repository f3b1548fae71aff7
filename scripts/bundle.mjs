// Bundles the command line, the language server and the extension into out/ (CommonJS, Node 20).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'out');
mkdirSync(out, { recursive: true });

const entries = [
    { in: 'cli/main.ts', out: 'cli' },
    { in: 'language-server/main.ts', out: 'server' },
    { in: 'extension/src/extension.ts', out: 'extension' },
    { in: 'extension/src/evaluator/worker.ts', out: 'evaluator' }
].filter(e => existsSync(join(root, e.in)));

await build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: out,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    // pg is plain JavaScript and goes into the bundles; DuckDB's native module is shipped beside them
    // in the platform build (npm run package:with-duckdb), better-sqlite3 serves tests and benchmarks only.
    external: ['vscode', 'better-sqlite3', '@duckdb/node-api', 'pg-native', 'pg-cloudflare'],
    // Langium and vscode-languageserver are ESM; import.meta.url is only used for paths we do not need.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
    logLevel: 'warning'
});

// Webview scripts (extension/webview/*.ts, entry points only): browser bundles, no Node.
const webviewEntries = ['segment-view', 'dashboard', 'flow-view', 'explain-view']
    .map(name => ({ in: `extension/webview/${name}.ts`, out: name }))
    .filter(e => existsSync(join(root, e.in)));
if (webviewEntries.length > 0) {
    await build({
        absWorkingDir: root,
        entryPoints: webviewEntries,
        outdir: join(out, 'webview'),
        bundle: true,
        platform: 'browser',
        target: 'es2022',
        format: 'iife',
        // A view that draws charts also gets NAME.css (uPlot's stylesheet), linked by the page's script.
        minify: true,
        sourcemap: true,
        logLevel: 'warning'
    });
}

// sql.js loads its WebAssembly from beside the bundle.
copyFileSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(out, 'sql-wasm.wasm'));
