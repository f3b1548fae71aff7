import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKey } from '../../extension/src/shared/keys.js';
import { InProcessEvaluator } from './sample-workspace.js';

/** The views' evaluator on data with 64-bit keys and a key stored twice (reference, section 2). */
describe('evaluator: keys as the data holds them', () => {
    let evaluator: InProcessEvaluator;

    beforeAll(async () => {
        const SQL = await initSqlJs();
        const db = new SQL.Database();
        db.exec(`CREATE TABLE customers (Id, Name TEXT);
            INSERT INTO customers VALUES (9007199254740993, 'b'), (1234567890123456789, 'c'), (5, 'e'), ('5', 'e again');`);
        const root = mkdtempSync(join(tmpdir(), 'segments-keys-'));
        writeFileSync(join(root, 'data.sqlite'), db.export());
        db.close();
        writeFileSync(join(root, 'main.segment'), `database "data.sqlite"
entity Customer from customers key Id { Id number  Name text }
dynamic segment Everyone { audience Customer show Customer.Name group { Customer.Name is not empty } }
static segment Listed { audience Customer members 9007199254740993 }
`);
        evaluator = new InProcessEvaluator(root, '2027-02-11');
    });
    afterAll(() => evaluator.session.close());

    it('the preview lists every digit of a 64-bit key, and a key stored twice once', async () => {
        const preview = await evaluator.request({ op: 'preview', segment: 'Everyone', pageOffset: 0, pageSize: 10 });
        if (preview.state !== 'result') throw new Error(preview.state);
        expect(preview.report.count).toBe(3);
        expect(preview.report.page.rows).toEqual([[5, 'e'], ['9007199254740993', 'b'], ['1234567890123456789', 'c']]);
        expect(JSON.parse(JSON.stringify(preview))).toEqual(preview);
    });

    it('the dashboard counts what the preview lists', async () => {
        const dashboard = await evaluator.request({ op: 'dashboard', record: false });
        expect(dashboard.rows.map(r => [r.name, r.count])).toEqual([['Everyone', 3], ['Listed', 1]]);
        expect(() => JSON.stringify(dashboard)).not.toThrow();
    });

    it('Explain Membership takes a 64-bit key as typed', async () => {
        const key = parseKey('9007199254740993', true);
        expect(key).toBe('9007199254740993');
        const e = await evaluator.request({ op: 'explain', segment: 'Listed', key });
        expect(e).toMatchObject({ exists: true, member: true });
        const other = await evaluator.request({ op: 'explain', segment: 'Listed', key: parseKey('9007199254740992', true) });
        expect(other).toMatchObject({ member: false });
    });
});
