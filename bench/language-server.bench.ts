/**
 * Language server benchmark (run: `npx tsx bench/language-server.bench.ts`; it builds the bundle
 * and the sample database when missing). Starts out/server.cjs as its own process on a
 * generated workspace of 1,000 segment files over the retail sample's schema and measures:
 * initialize → all diagnostics published; completion latency after `Customer.`; diagnostics
 * latency after a one-character edit in a 500-line file; completion latency while segment
 * counts (code lenses) keep the query worker busy.
 *
 * `npx tsx bench/language-server.bench.ts --hostile` runs only the deep and long files instead
 * (`HOSTILE`): the time from starting the server to the diagnostics of each.
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

/** A dynamic segment over the sample's customers with one group holding `condition`. */
function hostileSegment(name: string, condition: string): string {
    return `dynamic segment ${name} {\n  audience Customer\n  group {\n    ${condition}\n  }\n}\n`;
}

const joined = (count: number, op: string, term: (i: number) => string): string => Array.from({ length: count }, (_, i) => term(i)).join(` ${op} `);

/** Deep and long files: the time from starting the server on a folder holding one of them to its diagnostics. */
const HOSTILE: Record<string, () => string> = {
    '`in` list of 10,000 strings': () => hostileSegment('H', `Customer.City in (${joined(10_000, ',', i => `"City ${i}"`)})`),
    '10,000 static keys': () => `static segment H {\n  audience Customer\n  members ${joined(10_000, ',', i => String(1001 + i * 7))}\n}\n`,
    '`=` with a 1 MB string': () => hostileSegment('H', `Customer.Name = "${'y'.repeat(1_000_000)}"`),
    '`=` with a 10 MB string': () => hostileSegment('H', `Customer.Email = "${'x'.repeat(10_000_000)}"`),
    '200 nested parentheses': () => hostileSegment('H', `${'('.repeat(200)}Customer.CreditBalance > 1${')'.repeat(200)}`),
    '10,000 nested `not`': () => hostileSegment('H', `${'not '.repeat(10_000)}Customer.CreditBalance > 1`),
    '1,000 nested `count(... where`': () => hostileSegment('H', `${'count(Purchase where '.repeat(1000)}Purchase.Amount > 1${') > 0'.repeat(1000)}`),
    '5,000-term `and`': () => hostileSegment('H', joined(5000, 'and', i => `Customer.CreditBalance != ${i}`)),
    '100,000-term `or`': () => hostileSegment('H', joined(100_000, 'or', i => `Customer.CreditBalance = ${i}`)),
    'compound segments C2 = C1 union C1 ... C26': () => compoundChain(26),
    'compound segments C2 = C1 union C1 ... C30': () => compoundChain(30)
};

function compoundChain(levels: number): string {
    const lines = ['dynamic segment C1 { audience Customer group { Customer.CreditBalance > 100 } }'];
    for (let i = 2; i <= levels; i++) lines.push(`compound segment C${i} { C${i - 1} union C${i - 1} }`);
    return lines.join('\n') + '\n';
}

/**
 * `--hostile`: only the deep and long files, one server each (SEGMENTS_SERVER names another bundle to
 * compare; SEGMENTS_BENCH_TIMEOUT_MS bounds each case, default 120 s). A server that exits or does not
 * answer in time is reported as such.
 */
async function hostile(): Promise<void> {
    ensureBuilt();
    const timeout = Number(process.env.SEGMENTS_BENCH_TIMEOUT_MS ?? 120_000);
    const schema = readFileSync(join(SAMPLE, 'schema.segment'), 'utf8').replace('database "retail.sqlite"', `database ${JSON.stringify(join(SAMPLE, 'retail.sqlite'))}`);
    for (const [label, make] of Object.entries(HOSTILE)) {
        const dir = mkdtempSync(join(tmpdir(), 'segments-bench-hostile-'));
        writeFileSync(join(dir, 'schema.segment'), schema);
        const file = join(dir, 'hostile.segment');
        writeFileSync(file, make());
        const start = performance.now();
        const server = await ServerProcess.start(dir);
        const exited = new Promise<string>(resolve => server.process.once('exit', code => resolve(`server exited (code ${code})`)));
        const published = server.nextDiagnostics(URI.file(file).toString(), true).then(d => {
            const codes = [...new Set(d.filter(x => x.severity === 1).map(x => String(x.code)))];
            return `${(performance.now() - start).toFixed(0)} ms, ${d.length} diagnostics${codes.length ? ` (errors: ${codes.join(', ')})` : ''}`;
        });
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<string>(resolve => { timer = setTimeout(() => resolve(`no diagnostics within ${timeout} ms`), timeout); });
        const outcome = await Promise.race([published, exited, late]);
        clearTimeout(timer);
        console.log(`${label}: ${outcome}`);
        // A server that did not answer would not answer a shutdown either.
        if (outcome.startsWith('no diagnostics')) server.process.kill();
        else if (server.process.exitCode === null) await server.stop();
    }
}

if (process.argv.includes('--hostile')) await hostile();
else await main();
