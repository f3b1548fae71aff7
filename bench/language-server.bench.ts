/**
 * Language server benchmark (run: `npx tsx bench/language-server.bench.ts`; it builds the bundle
 * and the sample database when missing). Starts out/server.cjs as its own process on a
 * generated workspace of 1,000 segment files over the retail sample's schema and measures:
 * initialize → all diagnostics published; completion latency after `Customer.`; diagnostics
 * latency after a one-character edit in a 500-line file; completion latency while segment
 * counts (code lenses) keep the query worker busy.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeLensRequest, CompletionRequest, DidChangeTextDocumentNotification } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { ensureBuilt, SAMPLE, ServerProcess } from '../test/language-server/lsp-process.js';

const FILES = 1000;
const EDITS = 60;

const CONDITIONS = [
    'Customer.CustomerSatisfaction < {n}',
    'Product.Category = "Security" and Customer.CreditBalance > {n}00',
    'count(Purchase where Purchase.PurchasedAt in last {n} days) >= 2',
    'Interaction.Topic in ("valentines", "gifts") and Interaction.OccurredAt in last {n} days',
    'Customer.City = "Dublin" and not Customer.DoNotCall = true',
    'sum(Purchase.Amount where Product.Category = "Gifts") > {n}'
];

function segment(name: string, i: number): string {
    const condition = CONDITIONS[i % CONDITIONS.length].replace('{n}', String(10 + (i % 80)));
    return `dynamic segment ${name} {\n  title "Generated ${i}"\n  audience Customer\n  show Customer.Name\n\n  group {\n    ${condition}\n  }\n}\n`;
}

function generate(): string {
    const dir = mkdtempSync(join(tmpdir(), 'segments-bench-'));
    const schema = readFileSync(join(SAMPLE, 'schema.segment'), 'utf8').replace('database "retail.sqlite"', `database ${JSON.stringify(join(SAMPLE, 'retail.sqlite'))}`);
    writeFileSync(join(dir, 'schema.segment'), schema);
    for (let f = 0; f < FILES - 1; f++) {
        writeFileSync(join(dir, `s${String(f).padStart(4, '0')}.segment`), segment(`S${f}a`, f) + '\n' + segment(`S${f}b`, f + 1));
    }
    // About 500 lines: 50 segments of 10 lines.
    writeFileSync(join(dir, 'big.segment'), Array.from({ length: 50 }, (_, i) => segment(`Big${i}`, i)).join('\n'));
    return dir;
}

/** CPU time (user + system, ms) the server process has used so far, where /proc tells (Linux); else undefined. */
function cpuTime(pid: number | undefined): number | undefined {
    try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
        return undefined;
    }
}

function stats(samples: number[]): string {
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms (n=${samples.length})`;
}

async function main(): Promise<void> {
    ensureBuilt();
    const dir = generate();
    const t0 = performance.now();
    const server = await ServerProcess.start(dir);
    await new Promise<void>(resolve => {
        const timer = setInterval(() => {
            if (server.diagnostics.size >= FILES + 1) { clearInterval(timer); resolve(); }
        }, 5);
    });
    console.log(`initialize → diagnostics for all ${FILES + 1} files: ${(performance.now() - t0).toFixed(0)} ms`);

    const scratch = join(dir, 'scratch.segment');
    const text = 'dynamic segment Scratch {\n  audience Customer\n  group {\n    Customer.\n  }\n}\n';
    const opened = server.nextDiagnostics(URI.file(scratch).toString());
    const uri = await server.open(scratch, text);
    await opened;
    const complete = async (): Promise<number> => {
        const start = performance.now();
        await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 3, character: 13 } });
        return performance.now() - start;
    };
    for (let i = 0; i < 10; i++) await complete();
    const idle: number[] = [];
    for (let i = 0; i < 200; i++) idle.push(await complete());
    console.log(`completion after \`Customer.\`: ${stats(idle)}`);

    const big = join(dir, 'big.segment');
    const bigUri = URI.file(big).toString();
    let bigText = readFileSync(big, 'utf8');
    const first = server.nextDiagnostics(bigUri);
    await server.open(big, bigText);
    await first;
    const edits: number[] = [];
    const cpuBefore = cpuTime(server.process.pid);
    for (let i = 0; i < EDITS; i++) {
        const at = bigText.indexOf('CustomerSatisfaction < ') + 'CustomerSatisfaction < '.length;
        bigText = bigText.slice(0, at) + String(i % 10) + bigText.slice(at + 1);
        const published = server.nextDiagnostics(bigUri);
        const start = performance.now();
        await server.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: bigUri, version: i + 2 }, contentChanges: [{ text: bigText }] });
        await published;
        edits.push(performance.now() - start);
    }
    const cpuAfter = cpuTime(server.process.pid);
    // Wall-clock latency depends on what else the machine runs; the server's CPU time per edit much less.
    const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? `; server CPU ${((cpuAfter - cpuBefore) / EDITS).toFixed(1)} ms per edit` : '';
    console.log(`diagnostics after a one-character edit in a ${bigText.split('\n').length}-line file: ${stats(edits)}${cpu}`);

    // Code lenses ask for the counts of 50 segments: the count worker runs their queries one by one.
    const lensStart = performance.now();
    await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: bigUri } });
    const busy: number[] = [];
    const busyUntil = performance.now() + 4000;
    while (performance.now() < busyUntil) busy.push(await complete());
    let counted = 0;
    while (counted < 50 && performance.now() - lensStart < 120_000) {
        const lenses = await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: bigUri } });
        counted = (lenses ?? []).filter(l => /members?$/.test(l.command?.title ?? '')).length;
        if (counted < 50) busy.push(await complete());
    }
    console.log(`completion while segment counts run: ${stats(busy)}; 50 counts done after ${(performance.now() - lensStart).toFixed(0)} ms`);
    await server.stop();
}

await main();
