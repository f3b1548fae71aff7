// Builds the .vsix. `node scripts/package.mjs` makes the universal build (sql.js and PostgreSQL,
// dist/segments.vsix); `--with-duckdb` makes this platform's build, which also carries DuckDB
// (dist/segments-<platform>-<arch>.vsix): its JavaScript API and native library are copied into
// out/node_modules, where the evaluator's require finds them.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const withDuckDb = process.argv.includes('--with-duckdb');
const target = `${process.platform}-${process.arch}`;
const vsce = join(root, 'node_modules', '.bin', 'vsce');

execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { cwd: root, stdio: 'inherit' });
mkdirSync(join(root, 'dist'), { recursive: true });

// The extension's page in VS Code is the packaged readme, shown in a webview whose policy loads
// images only from https: and data: URLs: a relative link breaks for an extension installed from
// the .vsix (no marketplace rewrites it). extension/README.md links the screenshots where they
// live in the repository (docs/images, so it reads right on a code host); the packaged copy,
// out/README.md, carries them inline as data: URLs.
const readmeSource = join(root, 'extension', 'README.md');
const packagedReadme = readFileSync(readmeSource, 'utf8').replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (whole, alt, target) => {
    if (/^[a-z]+:/i.test(target)) return whole;
    const file = resolve(dirname(readmeSource), target);
    if (!existsSync(file)) throw new Error(`extension/README.md links an image that does not exist: ${target}`);
    if (extname(file).toLowerCase() !== '.png') throw new Error(`extension/README.md links ${target}: only PNG screenshots are inlined`);
    return `![${alt}](data:image/png;base64,${readFileSync(file).toString('base64')})`;
});
writeFileSync(join(root, 'out', 'README.md'), packagedReadme);
const common = ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--readme-path', 'out/README.md', '--no-rewrite-relative-links'];

if (!withDuckDb) {
    execFileSync(vsce, [...common, '--out', 'dist/segments.vsix'], { cwd: root, stdio: 'inherit' });
} else {
    const shipped = join(root, 'out', 'node_modules');
    rmSync(shipped, { recursive: true, force: true });
    // The universal build's file list, and the copied modules.
    const ignoreFile = join(root, 'out', '.vscodeignore-with-duckdb');
    writeFileSync(ignoreFile, `${readFileSync(join(root, '.vscodeignore'), 'utf8')}\n!out/node_modules/**\n`);
    try {
        for (const name of ['@duckdb/node-api', '@duckdb/node-bindings', `@duckdb/node-bindings-${target}`, 'detect-libc']) {
            cpSync(join(root, 'node_modules', name), join(shipped, name), { recursive: true });
        }
        execFileSync(vsce, [...common, '--target', target, '--ignoreFile', ignoreFile, '--out', `dist/segments-${target}.vsix`], { cwd: root, stdio: 'inherit' });
    } finally {
        rmSync(shipped, { recursive: true, force: true });
        rmSync(ignoreFile, { force: true });
    }
}
