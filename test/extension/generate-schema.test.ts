import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { describe, expect, it } from 'vitest';
import { copySample, InProcessEvaluator } from './sample-workspace.js';

/** The errors of every document once `extra` joins the workspace as an unsaved file. */
async function errorsWith(root: string, file: string, extra: string): Promise<string[]> {
    const evaluator = new InProcessEvaluator(root, undefined, new Map([[join(root, file), extra]]));
    const { workspace } = await evaluator.session.loaded();
    return workspace.documents.flatMap(d => workspace.diagnostics(d).filter(x => x.severity === 1).map(x => `${d.uri.path.split('/').pop()}: ${x.message}`));
}

/** Generate Schema from Database, as the command asks the evaluator for it. */
describe('Generate Schema from Database', () => {
    it('writes the whole schema, with the database line, for a folder that declares nothing yet', async () => {
        const sample = copySample();
        const folder = mkdtempSync(join(tmpdir(), 'segments-schema-'));
        copyFileSync(join(sample, 'retail.sqlite'), join(folder, 'retail.sqlite'));
        const generated = await new InProcessEvaluator(folder).request({ op: 'generateSchema', database: join(folder, 'retail.sqlite') });
        expect(generated.declared).toBe(0);
        expect(generated.text.split('\n')[1]).toBe('database "retail.sqlite"');
        expect(generated.text).toContain('entity Customer from customers key CustomerId {');
        expect(generated.text).toMatch(/CustomerId\s+number\s+column customer_id\s+-> Customer/);
        expect(generated.text).toMatch(/DoNotCall\s+boolean\s+column do_not_call/);
        // Saved there, it is a workspace without errors.
        expect(await errorsWith(folder, 'schema.segment', generated.text)).toEqual([]);
    });

    it('in a workspace that declares the database\'s tables, holds only what is new, and never clashes', async () => {
        const root = copySample();
        const database = join(root, 'retail.sqlite');
        const SQL = await initSqlJs();
        const db = new SQL.Database(readFileSync(database));
        db.exec(`ALTER TABLE customers ADD COLUMN loyalty_tier TEXT;
            UPDATE customers SET loyalty_tier = 'gold' WHERE customer_id % 7 = 0;
            CREATE TABLE referrals (referral_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (customer_id), referred_on TEXT);
            INSERT INTO referrals VALUES (1, 1001, '2027-01-05'), (2, 1002, '2027-01-09');`);
        writeFileSync(database, db.export());
        db.close();
        const generated = await new InProcessEvaluator(root).request({ op: 'generateSchema', database });
        const lines = generated.text.split('\n');
        expect(generated.entities).toBe(1);
        expect(generated.undeclaredColumns).toBe(1);
        expect(generated.declared).toBeGreaterThanOrEqual(4);
        // No second `database` line, no entity the workspace has.
        expect(lines.filter(l => l.startsWith('database'))).toEqual([]);
        expect(lines.filter(l => l.startsWith('entity'))).toEqual(['entity Referral from referrals key ReferralId {']);
        // The new table refers to the workspace's own Customer entity.
        expect(generated.text).toMatch(/CustomerId\s+number\s+column customer_id\s+-> Customer/);
        // The new column of a declared table, as an attribute line to paste.
        expect(generated.text).toContain('// customers has a column that entity Customer does not read; to use it, add to entity Customer:');
        expect(generated.text).toMatch(/\/\/ {3}LoyaltyTier\s+text\s+column loyalty_tier/);
        expect(generated.text).toContain('// Already declared in this workspace, so not written here: ');
        // Added to the workspace unsaved (as the untitled document is), it brings no error anywhere.
        expect(await errorsWith(root, 'generated.segment', generated.text)).toEqual([]);
    });

    it('says there is nothing new when the workspace declares every table and column', async () => {
        const root = copySample();
        const generated = await new InProcessEvaluator(root).request({ op: 'generateSchema', database: join(root, 'retail.sqlite') });
        // The command then opens no document and says so.
        expect(generated).toMatchObject({ entities: 0, undeclaredColumns: 0, declared: 4 });
        expect(generated.text).not.toMatch(/^(entity|database)/m);
    });
});
