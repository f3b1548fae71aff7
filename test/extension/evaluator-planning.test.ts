import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planWorkspace } from '../../compiler/plan-workspace.js';
import { copySample, InProcessEvaluator } from './sample-workspace.js';

const FILES: Readonly<Record<string, string>> = {
    'schema.segment': `database "data.sqlite"
entity Customer from customers key Id {
  Id       number  column id
  Balance  number  column balance
  City     text    column city
}
entity Purchase from purchases key Id {
  Id          number  column id
  CustomerId  number  column customer_id -> Customer
  Amount      number  column amount
}
`,
    'base.segment': `dynamic segment Rich {
  audience Customer
  group { Customer.Balance > 100 }
}
dynamic segment Dublin {
  audience Customer
  group { Customer.City = "Dublin" }
}
`,
    'uses.segment': `compound segment RichDubliners {
  Rich
  intersect Dublin
}
dynamic segment InRich {
  audience Customer
  group { Customer in segment Rich }
}
`,
    'measures.segment': `measure Customer.Spent = sum(Purchase.Amount)
`,
    'other.segment': `dynamic segment BigSpender {
  audience Customer
  group { Customer.Spent > 50 }
}
dynamic segment Buyer {
  audience Customer
  group { count(Purchase) >= 1 }
}
`
};

/**
 * After an edit the evaluator lowers again only the segments the edit can have changed: those of
 * the edited file and those that read them (a compound segment's part, `in segment`, a measure);
 * the others keep their plans. Each time the plans are those planned from scratch, and the counts
 * follow the edited text.
 */
describe('evaluator: an edit plans again only what it changed', () => {
    const overlays = new Map<string, string>();
    let root: string;
    let evaluator: InProcessEvaluator;

    beforeAll(async () => {
        const SQL = await initSqlJs();
        const db = new SQL.Database();
        db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, balance REAL, city TEXT);
            INSERT INTO customers VALUES (1, 50, 'Dublin'), (2, 150, 'Dublin'), (3, 250, 'Cork'), (4, 350, 'Dublin'), (5, 0, 'Cork');
            CREATE TABLE purchases (id INTEGER PRIMARY KEY, customer_id INTEGER, amount REAL);
            INSERT INTO purchases VALUES (1, 1, 40), (2, 1, 30), (3, 3, 20), (4, 4, 100);`);
        root = mkdtempSync(join(tmpdir(), 'segments-planning-'));
        writeFileSync(join(root, 'data.sqlite'), db.export());
        db.close();
        for (const [name, text] of Object.entries(FILES)) writeFileSync(join(root, name), text);
        evaluator = new InProcessEvaluator(root, '2027-02-11', overlays);
    });
    afterAll(() => evaluator.session.close());

    const edit = (file: string, from: string, to: string): void => {
        const path = join(root, file);
        const text = (overlays.get(path) ?? FILES[file]).replace(from, to);
        overlays.set(path, text);
        evaluator.session.fileChanged(path);
    };
    const count = async (segment: string): Promise<number | string> => {
        const preview = await evaluator.request({ op: 'preview', segment, pageOffset: 0, pageSize: 10 });
        return preview.state === 'result' ? preview.report.count : preview.state;
    };
    /** What the last load lowered again, and whether its plans are those planned from scratch. */
    const planned = async (): Promise<{ lowered: string[]; reused: string[] }> => {
        const model = await evaluator.session.loaded();
        expect(model.unblocked).toEqual(planWorkspace(model.workspace.model).plans);
        const { lowered, reused } = evaluator.session.planning();
        return { lowered: [...lowered].sort(), reused: [...reused].sort() };
    };

    it('the first load lowers every segment', async () => {
        expect(await count('Rich')).toBe(3);
        expect(await planned()).toEqual({ lowered: ['BigSpender', 'Buyer', 'Dublin', 'InRich', 'Rich', 'RichDubliners'], reused: [] });
    });

    it("an edit of a segment: its file's segments and those that read it, through a part or `in segment`", async () => {
        edit('base.segment', 'Customer.Balance > 100', 'Customer.Balance > 200');
        expect(await count('Rich')).toBe(2);
        expect(await planned()).toEqual({ lowered: ['Dublin', 'InRich', 'Rich', 'RichDubliners'], reused: ['BigSpender', 'Buyer'] });
        expect(await count('RichDubliners')).toBe(1);
        expect(await count('InRich')).toBe(2);
    });

    it('an edit of a measure: the segments that read it', async () => {
        edit('measures.segment', 'sum(Purchase.Amount)', 'max(Purchase.Amount)');
        expect(await count('BigSpender')).toBe(1);
        expect(await planned()).toEqual({ lowered: ['BigSpender'], reused: ['Buyer', 'Dublin', 'InRich', 'Rich', 'RichDubliners'] });
    });

    it('an edit that nothing else reads: its own file only', async () => {
        edit('other.segment', 'count(Purchase) >= 1', 'count(Purchase) >= 2');
        expect(await count('Buyer')).toBe(1);
        expect(await planned()).toEqual({ lowered: ['BigSpender', 'Buyer'], reused: ['Dublin', 'InRich', 'Rich', 'RichDubliners'] });
    });

    it('a segment broken and mended: those that read it lose their plan, then get it back', async () => {
        edit('base.segment', 'Customer.Balance > 200', 'Customer.Balanse > 200');
        expect(await count('RichDubliners')).toBe('errors');
        expect(await count('InRich')).toBe('errors');
        expect((await planned()).lowered).toEqual(['Dublin', 'InRich', 'Rich', 'RichDubliners']);
        edit('base.segment', 'Customer.Balanse > 200', 'Customer.Balance > 300');
        expect(await count('RichDubliners')).toBe(1);
        expect(await count('InRich')).toBe(1);
        expect((await planned()).lowered).toEqual(['Dublin', 'InRich', 'Rich', 'RichDubliners']);
    });

    it('an edit of the schema: every segment', async () => {
        edit('schema.segment', 'Amount      number  column amount', 'Amount      number  column amount\n  Note        text    column note');
        await count('Rich');
        expect((await planned()).reused).toEqual([]);
    });
});

/** On the sample: each edit's plans are those planned from scratch, whatever file it touches. */
describe('evaluator: plans after edits of the sample equal plans made from scratch', () => {
    const root = copySample();
    const overlays = new Map<string, string>();
    const evaluator = new InProcessEvaluator(root, '2027-02-11', overlays);
    afterAll(() => evaluator.session.close());

    it('edits of a segment, a measure, a part and a segment read through `in segment`', async () => {
        const edits: readonly (readonly [string, string, string])[] = [
            ['contact.segment', 'Customer.CreditBalance > 5000', 'Customer.CreditBalance > 6000'],
            ['measures.segment', 'in last 90 days', 'in last 60 days'],
            ['measures.segment', 'Product.Buyers >= ', 'Product.Buyers > '],
            ['marketing.segment', 'sum(Purchase.Amount)', 'max(Purchase.Amount)'],
            ['contact.segment', 'Customer.CreditBalance > 6000', 'Customer.CreditBalance > 5000']
        ];
        await evaluator.session.loaded();
        for (const [file, from, to] of edits) {
            const path = join(root, file);
            const text = overlays.get(path) ?? readFileSync(path, 'utf8');
            expect(text).toContain(from);
            overlays.set(path, text.replace(from, to));
            evaluator.session.fileChanged(path);
            const model = await evaluator.session.loaded();
            expect(model.unblocked).toEqual(planWorkspace(model.workspace.model).plans);
            expect(evaluator.session.planning().reused.length).toBeGreaterThan(0);
        }
    });
});
