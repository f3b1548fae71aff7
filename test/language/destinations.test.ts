import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { describe, expect, test } from 'vitest';
import { openWorkspace } from '../../cli/workspace.js';
import type { DestinationPlan } from '../../compiler/ir.js';
import { clockAsOf } from '../../compiler/time.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';
import { SegmentRunner } from '../../engine/runner.js';
import { build, codes } from '../support/harness.js';
import { SCHEMA, TABLES } from '../support/shop.js';

// §7 Destinations and `activate`: checked and resolved into each segment's plan, for a refresher
// to send; nothing is sent by planning or running.

const files = (segments: string, more: Record<string, string> = {}): Record<string, string> => ({ 'schema.segment': SCHEMA, 'segments.segment': segments, ...more });
const HIGH = (activate: string, name = 'HighBalance', extra = ''): string =>
    `dynamic segment ${name} {\n  audience Customer\n  ${extra}activate ${activate}\n  group { Satisfaction > 50 }\n}\n`;

async function destinationsOf(segments: string, name = 'HighBalance', more: Record<string, string> = {}): Promise<readonly DestinationPlan[] | undefined> {
    const built = await build(files(segments, more));
    return built.plans.plans.get(name)?.destinations;
}

describe('destination NAME { file | webhook | table }, and activate D1, D2 on a segment', () => {
    test('each segment plan lists the destinations it activates, in order, resolved for it: a file path absolute, with {segment} replaced, its format from the extension', async () => {
        const destinations = await destinationsOf(`
destination CallCenter { file "exports/{segment}.csv" }
destination Lines { file "exports/{segment}-lines.JSONL" }
destination Crm { webhook "http://127.0.0.1:8787/segments" }
destination Warehouse { table "segment_members" }
${HIGH('CallCenter, Crm, Warehouse, Lines')}`);
        expect(destinations).toEqual([
            { name: 'CallCenter', kind: 'file', path: '/ws/exports/HighBalance.csv', format: 'csv' },
            { name: 'Crm', kind: 'webhook', url: 'http://127.0.0.1:8787/segments' },
            { name: 'Warehouse', kind: 'table', table: 'segment_members' },
            { name: 'Lines', kind: 'file', path: '/ws/exports/HighBalance-lines.JSONL', format: 'jsonl' }
        ]);
    });

    test('a segment without activate has no destinations; static and compound segments activate too', async () => {
        const built = await build(files(`
destination Out { file "out/{segment}.csv" }
dynamic segment Plain { audience Customer group { Satisfaction > 50 } }
static segment Listed { audience Customer activate Out members 1, 2 }
compound segment Both { activate Out Plain union Listed }`));
        expect(built.diagnostics).toEqual([]);
        expect(built.plans.plans.get('Plain')?.destinations).toEqual([]);
        expect(built.plans.plans.get('Listed')?.destinations).toEqual([{ name: 'Out', kind: 'file', path: '/ws/out/Listed.csv', format: 'csv' }]);
        expect(built.plans.plans.get('Both')?.destinations).toEqual([{ name: 'Out', kind: 'file', path: '/ws/out/Both.csv', format: 'csv' }]);
    });

    test('the path is relative to the declaring file, and may go up with .. as long as it stays inside the workspace folder', async () => {
        const built = await build({
            'schema.segment': `database "shop.sqlite"\n${SCHEMA}`,
            'campaigns/spring.segment': `destination Spring { file "../exports/spring/{segment}.csv" }\ndestination Here { file "lists/{segment}.csv" }\n${HIGH('Spring, Here')}`
        });
        expect(built.diagnostics.filter(d => String(d.code).startsWith('destination'))).toEqual([]);
        expect(built.plans.plans.get('HighBalance')?.destinations).toEqual([
            { name: 'Spring', kind: 'file', path: '/ws/exports/spring/HighBalance.csv', format: 'csv' },
            { name: 'Here', kind: 'file', path: '/ws/campaigns/lists/HighBalance.csv', format: 'csv' }
        ]);
    });

    test('running a segment sends nothing: no file is written (delivery comes with refresh)', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-destinations-'));
        const SQL = await initSqlJs();
        const db = new SQL.Database();
        db.exec(`${TABLES}insert into customers values (1, 'Ann', 70, 0, null, null);`);
        writeFileSync(join(dir, 'shop.sqlite'), db.export());
        db.close();
        writeFileSync(join(dir, 'schema.segment'), `database "shop.sqlite"\n${SCHEMA}`);
        writeFileSync(join(dir, 'segments.segment'), `destination CallCenter { file "exports/{segment}.csv" }\n${HIGH('CallCenter')}`);
        const cw = await openWorkspace(dir);
        const engine = await SqlJsEngine.open(join(dir, 'shop.sqlite'));
        const runner = new SegmentRunner(engine, cw.runnable, clockAsOf('2027-02-11'));
        expect(await runner.keys('HighBalance')).toEqual([1]);
        await runner.sql('HighBalance');
        await engine.close();
        expect(existsSync(join(dir, 'exports'))).toBe(false);
        expect(readdirSync(dir).sort()).toEqual(['schema.segment', 'segments.segment', 'shop.sqlite']);
    });
});

describe('file destinations', () => {
    test('two segments share a file destination only through {segment}: destination-shared-file on each', async () => {
        const shared = `destination CallCenter { file "exports/all.csv" }\n${HIGH('CallCenter')}${HIGH('CallCenter', 'Other')}`;
        expect(await codes(files(shared))).toEqual(['destination-shared-file', 'destination-shared-file']);
        const built = await build(files(shared));
        expect(built.diagnostics[0].message).toContain('{segment}');
        expect(built.plans.plans.has('HighBalance')).toBe(false);
        expect(await codes(files(`destination CallCenter { file "exports/{segment}.csv" }\n${HIGH('CallCenter')}${HIGH('CallCenter', 'Other')}`))).toEqual([]);
        // One segment alone may write a file without {segment}.
        expect(await codes(files(`destination CallCenter { file "exports/all.csv" }\n${HIGH('CallCenter')}`))).toEqual([]);
    });

    test('no two destinations write one file, whatever their names, ignoring case (as macOS and Windows do)', async () => {
        // Each of the two activations is told of the other.
        expect(await codes(files(`destination A { file "exports/{segment}.csv" }\ndestination B { file "Exports/highbalance.CSV" }\n${HIGH('A, B')}`)))
            .toEqual(['destination-shared-file', 'destination-shared-file']);
        expect(await codes(files(`destination A { file "exports/{segment}.csv" }\ndestination B { file "exports/Other.csv" }\n${HIGH('B')}${HIGH('A', 'Other')}`)))
            .toEqual(['destination-shared-file', 'destination-shared-file']);
    });

    test('a path leaving the workspace folder, or absolute, is destination-outside-workspace; a segment activating it has destination-has-errors', async () => {
        expect(await codes(files(`destination Up { file "../exports/{segment}.csv" }`))).toEqual(['destination-outside-workspace']);
        expect(await codes(files(`destination Abs { file "/tmp/{segment}.csv" }`))).toEqual(['destination-outside-workspace']);
        expect(await codes(files(`destination Drive { file "C:\\\\exports\\\\{segment}.csv" }`))).toEqual(['destination-outside-workspace']);
        expect(await codes(files(`destination Up { file "exports/../../{segment}.csv" }\n${HIGH('Up')}`))).toEqual(['destination-outside-workspace', 'destination-has-errors']);
        const built = await build(files(`destination Up { file "../exports/{segment}.csv" }\n${HIGH('Up')}`));
        expect(built.plans.plans.has('HighBalance')).toBe(false);
        expect(built.diagnostics.map(d => d.message).join('\n')).toMatch(/Up cannot receive members: .*leaves the workspace folder.*HighBalance is not run until then/);
    });

    test('the extension says the format: .csv or .jsonl, else destination-file-format', async () => {
        expect(await codes(files(`destination A { file "exports/{segment}.txt" }`))).toEqual(['destination-file-format']);
        expect(await codes(files(`destination A { file "exports/{segment}" }`))).toEqual(['destination-file-format']);
        expect(await codes(files(`destination A { file "" }`))).toEqual(['destination-file-format']);
        expect(await codes(files(`destination A { file "exports/.csv" }`))).toEqual(['destination-file-format']);
        expect(await codes(files(`destination A { file "exports/{segment}.jsonl" }\ndestination B { file "b.CSV" }`))).toEqual([]);
    });

    test('only {segment} is replaced: another placeholder is destination-placeholder', async () => {
        expect(await codes(files(`destination A { file "exports/{name}.csv" }`))).toEqual(['destination-placeholder']);
        const built = await build(files(`destination A { file "exports/{Segment}.csv" }`));
        expect(built.diagnostics[0].message).toContain('{Segment} is not a placeholder');
    });
});

describe('webhook and table destinations', () => {
    test('a webhook is an http(s) URL with a host: else destination-webhook-url', async () => {
        for (const url of ['ftp://crm.example.com/in', 'crm.example.com/segments', 'https:/crm.example.com', 'http://', 'mailto:team@example.com', '']) {
            expect(await codes(files(`destination Crm { webhook ${JSON.stringify(url)} }`)), url).toEqual(['destination-webhook-url']);
        }
        expect(await codes(files(`destination A { webhook "https://crm.example.com/segments?list=7" }\ndestination B { webhook "HTTP://127.0.0.1:8787/x" }`))).toEqual([]);
    });

    test('a table is a plain SQL name: letters, digits and _, not starting with a digit, at most 63 characters; else destination-table-name', async () => {
        for (const name of ['segment members', '1members', 'sales.members', 'members;drop', '"members"', '', 'x'.repeat(64)]) {
            expect(await codes(files(`destination W { table ${JSON.stringify(name)} }`)), name).toEqual(['destination-table-name']);
        }
        expect(await codes(files(`destination W { table "segment_members" }\ndestination V { table "_Members2" }\ndestination U { table "${'x'.repeat(63)}" }`))).toEqual([]);
    });
});

describe('activate', () => {
    test('a destination activated twice on one segment is a warning, destination-activated-twice, and is listed once', async () => {
        const segments = `destination Crm { webhook "https://crm.example.com/in" }\n${HIGH('Crm, Crm')}`;
        expect(await codes(files(segments))).toEqual(['destination-activated-twice']);
        expect(await destinationsOf(segments)).toEqual([{ name: 'Crm', kind: 'webhook', url: 'https://crm.example.com/in' }]);
    });

    test('an unknown destination is unknown-destination, with the closest names', async () => {
        const built = await build(files(`destination Crm { webhook "https://crm.example.com/in" }\n${HIGH('Crn')}`));
        expect(built.diagnostics.map(d => d.code)).toEqual(['unknown-destination']);
        expect(built.diagnostics[0].message).toBe('No destination is named Crn. Did you mean Crm?');
        expect(await codes(files(HIGH('Nowhere')))).toEqual(['unknown-destination']);
    });

    test('activating an inactive segment is said (inactive-not-sent, information): it is never refreshed, so never sent', async () => {
        const built = await build(files(`destination Crm { webhook "https://crm.example.com/in" }\n${HIGH('Crm', 'HighBalance', 'status inactive\n  ')}`));
        expect(built.diagnostics.map(d => [d.code, d.severity])).toEqual([['inactive-not-sent', 3]]);
        expect(built.diagnostics[0].message).toContain('nothing is sent to Crm');
        // Still planned (it can be run by hand), with its destinations for a refresher that skips it.
        expect(built.plans.plans.get('HighBalance')).toMatchObject({ active: false, destinations: [{ name: 'Crm' }] });
    });

    test('`activate` is given at most once', async () => {
        expect(await codes(files(`destination A { table "a" }\ndestination B { table "b" }\n${HIGH('A', 'HighBalance', 'activate B\n  ')}`))).toEqual(['duplicate-property']);
    });

    test('destination names are unique in the workspace, across files: duplicate-name, as for segments', async () => {
        expect(await codes(files(`destination Crm { table "a" }\ndestination Crm { table "b" }`))).toEqual(['duplicate-name']);
        expect(await codes(files(`destination Crm { table "a" }`, { 'more.segment': 'destination Crm { webhook "https://x.example.com" }' }))).toEqual(['duplicate-name']);
    });
});
