import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectError, expectWarning } from 'langium/test';
import { describe, expect, test } from 'vitest';
import * as ast from '../../grammar/generated/ast.js';
import { DATA, SCHEMA, sqliteFile, validate } from './support.js';

const withDatabase = (file: string, schema = SCHEMA): Record<string, string> => ({ 'schema.segment': `database ${JSON.stringify(file)}\n${schema}` });

describe('checks against the data', () => {
    test('database-missing on the database line', async () => {
        const result = await validate(`database "/nowhere/retail.sqlite"\n${SCHEMA}`, {});
        const db = result.document.parseResult.value.databases[0];
        expectError(result, 'The database file /nowhere/retail.sqlite does not exist. Check the path (it is relative to this file) or build the database first.', { node: db, property: 'path', code: 'database-missing' });
    });

    test('database-unreadable when the file is not SQLite', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'segments-ls-'));
        const file = join(dir, 'broken.sqlite');
        writeFileSync(file, 'this is not a database, just some text that is long enough to have a header'.repeat(10));
        const result = await validate(`database ${JSON.stringify(file)}\n${SCHEMA}`, {});
        expect(result.diagnostics.map(d => d.code)).toEqual(['database-unreadable']);
        expect(result.diagnostics[0].message).toMatch(/^The database file .*broken\.sqlite cannot be read: not a readable SQLite database/);
    });

    test('table-missing on the entity, column-missing on the attribute; names compare case-insensitively', async () => {
        const file = await sqliteFile();
        const schema = `${SCHEMA}\nentity Store from stores key StoreId {\n  StoreId number\n}\n`.replace('City text "Home city" column city', 'City text "Home city" column CITY\n  Town text column twn');
        const result = await validate(`database ${JSON.stringify(file)}\n${schema}`, {});
        const model = result.document.parseResult.value;
        const store = model.entities.find(e => e.name === 'Store')!;
        const town = model.entities[0].attributes.find(a => a.name === 'Town')!;
        expectError(result, 'The database has no table stores. Write `from TABLE` with the table\'s name.', { node: store, property: 'table', code: 'table-missing' });
        expectError(result, 'Table customers has no column twn. Write `column NAME` with the column\'s name.', { node: town, property: 'column', code: 'column-missing' });
        expect(result.diagnostics.map(d => d.code).sort()).toEqual(['column-missing', 'table-missing']);
    });

    test('column-missing suggests a close column', async () => {
        const file = await sqliteFile();
        const result = await validate(`database ${JSON.stringify(file)}\n${SCHEMA.replace('column score', 'column scor')}`, {});
        expect(result.diagnostics.map(d => d.message)).toEqual(['Table customers has no column scor. Did you mean score? Write `column NAME` with the column\'s name.']);
    });

    test('member-not-found: a warning on each static key not in the data', async () => {
        const file = await sqliteFile();
        const result = await validate('static segment S { audience Customer members 1, 2, 99, 3 }', withDatabase(file));
        const members = (result.document.parseResult.value.segments[0] as ast.StaticSegment).members;
        expectWarning(result, 'No Customer has CustomerId 99 in the data: this key adds no member.', { node: members, property: { name: 'keys', index: 2 }, code: 'member-not-found' });
        expect(result.diagnostics.map(d => d.code)).toEqual(['member-not-found']);
    });

    test('value-not-found: a hint listing close values', async () => {
        const file = await sqliteFile();
        const result = await validate('dynamic segment A { audience Customer group { Customer.City = "Dubln" } }', withDatabase(file));
        expect(result.diagnostics.map(d => [d.code, d.severity, d.message])).toEqual([
            ['value-not-found', 4, '"Dubln" never occurs in Customer.City (column city); `=` and `in` compare exactly. Close values: "Dublin".']
        ]);
        const far = await validate('dynamic segment A { audience Customer group { Customer.City in ("Dublin", "Paris") } }', withDatabase(file));
        expect(far.diagnostics.map(d => d.message)).toEqual(['"Paris" never occurs in Customer.City (column city); `=` and `in` compare exactly. Frequent values: "Dublin", "Cork", "Galway".']);
    });

    test('no data diagnostics when everything is found', async () => {
        const file = await sqliteFile(DATA);
        const result = await validate('dynamic segment A { audience Customer group { Customer.City = "Cork" and Product.Category = "Gifts" } }\nstatic segment S { audience Customer members 1, 4 }', withDatabase(file));
        expect(result.diagnostics).toEqual([]);
    });

    test('a changed database file is read again', async () => {
        const file = await sqliteFile();
        const text = 'dynamic segment A { audience Customer group { Customer.City = "Paris" } }';
        expect((await validate(text, withDatabase(file))).diagnostics.map(d => d.code)).toEqual(['value-not-found']);
        const replacement = await sqliteFile(`${DATA}\nINSERT INTO customers VALUES (5, 'Eve', 'Paris', 1, 0, NULL);`);
        const { copyFileSync, utimesSync } = await import('node:fs');
        copyFileSync(replacement, file);
        utimesSync(file, new Date(), new Date(Date.now() + 5000));
        await new Promise(r => setTimeout(r, 1100));
        expect((await validate(text, withDatabase(file))).diagnostics).toEqual([]);
    });
});
