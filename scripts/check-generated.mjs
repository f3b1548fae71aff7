// Fails when the committed Langium output (grammar/generated, the TextMate grammar) is stale:
// regenerates into a temporary copy and compares file by file.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'segments-langium-'));
try {
    cpSync(join(root, 'langium-config.json'), join(work, 'langium-config.json'));
    cpSync(join(root, 'grammar/segment.langium'), join(work, 'grammar/segment.langium'));
    execFileSync(process.execPath, [join(root, 'scripts/langium.mjs'), 'generate'], { cwd: work, stdio: 'pipe' });
    const outputs = ['grammar/generated', 'extension/syntaxes'];
    const stale = [];
    for (const dir of outputs) {
        for (const file of readdirSync(join(work, dir))) {
            const committed = join(root, dir, file);
            const fresh = readFileSync(join(work, dir, file), 'utf8');
            if (!existsSync(committed) || readFileSync(committed, 'utf8') !== fresh) stale.push(join(dir, file));
        }
    }
    if (stale.length > 0) {
        console.error(`Generated Langium code is stale: ${stale.join(', ')}.\nRun \`npm run langium:generate\` and commit the result.`);
        process.exit(1);
    }
    console.log('Generated Langium code is up to date.');
} finally {
    rmSync(work, { recursive: true, force: true });
}
