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

    test('unreadable-values: how many values of an attribute fit no form of its type, with examples', async () => {
        const file = await sqliteFile(DATA.replace("(4, 'Dan', 'Galway', 90, 0, NULL)", "(4, 'Dan', 'Galway', 90, 'Y', '2026/06/01'), (5, 'Eve', 'Cork', 10, 'true', '1999-02-30'), (6, 'Fay', 'Cork', 15, 0, '1980-05-05')"));
        const result = await validate(`database ${JSON.stringify(file)}\n${SCHEMA}`, {});
        const customer = result.document.parseResult.value.entities[0];
        const attribute = (name: string): ast.Attribute => customer.attributes.find(a => a.name === name)!;
        expectWarning(result, '1 value of column do_not_call is not booleans (0, 1, true, false) ("Y") and counts as missing for every condition. Fix it in the data to count it.',
            { node: attribute('DoNotCall'), property: 'type', code: 'unreadable-values' });
        expectWarning(result, '2 values of column birthday are not dates (YYYY-MM-DD) ("1999-02-30", "2026/06/01") and count as missing for every condition. Fix them in the data to count them.',
            { node: attribute('Birthday'), property: 'type', code: 'unreadable-values' });
        expect(result.diagnostics.map(d => d.code)).toEqual(['unreadable-values', 'unreadable-values']);
    });

    test('missing-time: how many records of an event entity have no readable time, with their keys', async () => {
        const rows = "(100, 1, 10, '2027-01-01 10:00:00', 20), (101, 2, 11, '2027-01-02 10:00:00', 30)";
        const file = await sqliteFile(DATA.replace(rows, `${rows}, (102, 1, 10, NULL, 5), (103, 2, 10, '2027/01/03', 5), (104, 3, 11, NULL, 1), (105, 4, 11, '2027-01-05T10:00:00+02:00', 2)`));
        const schema = SCHEMA.replace('entity Purchase from purchases key PurchaseId {', 'entity Purchase from purchases key PurchaseId time PurchasedAt {');
        const result = await validate(`database ${JSON.stringify(file)}
${schema}`, {});
        const purchase = result.document.parseResult.value.entities.find(e => e.name === 'Purchase')!;
        expectWarning(result, '3 of the 6 Purchase records have no readable PurchasedAt (2 missing, 1 unreadable; PurchaseId 102, 103, 104): they exist at no instant, so no segment counts them. Fill in PurchasedAt in the data to count them.',
            { node: purchase, property: 'time', code: 'missing-time' });
        expect(result.diagnostics.map(d => d.code).sort()).toEqual(['missing-time', 'unreadable-values']);
        // One record without a time; and none: no warning. An entity without `time` is never warned about.
        const one = await sqliteFile(DATA.replace(rows, `${rows}, (102, 1, 10, NULL, 5)`));
        expect((await validate(`database ${JSON.stringify(one)}\n${schema}`, {})).diagnostics.map(d => d.message)).toEqual([
            '1 of the 3 Purchase records has no readable PurchasedAt (1 missing; PurchaseId 102): it exists at no instant, so no segment counts it. Fill in PurchasedAt in the data to count it.'
        ]);
        const four = await sqliteFile(DATA.replace(rows, `${rows}, (102, 1, 10, NULL, 5), (103, 1, 10, NULL, 5), (104, 1, 10, NULL, 5), (105, 1, 10, NULL, 5)`));
        expect((await validate(`database ${JSON.stringify(four)}\n${schema}`, {})).diagnostics.map(d => d.message)).toEqual([
            '4 of the 6 Purchase records have no readable PurchasedAt (4 missing; for example PurchaseId 102, 103, 104): they exist at no instant, so no segment counts them. Fill in PurchasedAt in the data to count them.'
        ]);
        expect((await validate(`database ${JSON.stringify(await sqliteFile())}\n${schema}`, {})).diagnostics).toEqual([]);
        expect((await validate(`database ${JSON.stringify(one)}\n${SCHEMA}`, {})).diagnostics).toEqual([]);
    });

    test('type-mismatch: a declared type that most of the column does not fit', async () => {
        const file = await sqliteFile();
        const result = await validate(`database ${JSON.stringify(file)}\n${SCHEMA.replace('Name text "Full name"', 'Name number "Full name"')}`, {});
        const name = result.document.parseResult.value.entities[0].attributes.find(a => a.name === 'Name')!;
        expectWarning(result, '4 of the 4 values of column Name are not numbers ("Ann", "Bob", "Cat"), so Name is missing in most rows. Declare the type the column holds, or fix the data.',
            { node: name, property: 'type', code: 'type-mismatch' });
    });

    test('duplicate-keys: a key that more than one row holds, with counts', async () => {
        const file = await sqliteFile(DATA.replace('CREATE TABLE products (product_id INTEGER PRIMARY KEY, Category TEXT);', 'CREATE TABLE products (product_id, Category TEXT);')
            .replace("INSERT INTO products VALUES (10, 'Security'), (11, 'Gifts');", "INSERT INTO products VALUES (10, 'Security'), (11, 'Gifts'), ('10', 'Security again'), (11, 'Gifts again'), (11, 'Gifts a third time');"));
        const result = await validate(`database ${JSON.stringify(file)}\n${SCHEMA}`, {});
        const product = result.document.parseResult.value.entities[1];
        expectWarning(result, 'Product.ProductID is not unique in the data: 2 keys are held by 5 rows. Each such key is one member; conditions on Product may read any of its rows. Pick a key that identifies one record.',
            { node: product, property: 'key', code: 'duplicate-keys' });
        expect(result.diagnostics.map(d => d.code)).toEqual(['duplicate-keys']);
    });
});
