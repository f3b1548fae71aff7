import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmptyFileSystem, type LangiumDocument } from 'langium';
import { parseHelper, validationHelper, type ValidationResult } from 'langium/test';
import initSqlJs from 'sql.js';
import { URI } from 'vscode-uri';
import type { Model } from '../../grammar/generated/ast.js';
import { createSegmentServices, type SegmentServices } from '../../language-server/segment-module.js';

/** A small profile schema over which the tests write segments. */
export const SCHEMA = `entity Customer from customers key CustomerId {
  CustomerId number "Customer number" column customer_id
  Name text "Full name"
  City text "Home city" column city
  Score number "Survey score, 0 to 100" column score
  DoNotCall boolean column do_not_call
  Birthday date column birthday
}

entity Product from products key ProductID {
  ProductID number column product_id
  Category text
}

entity Purchase from purchases key PurchaseId {
  PurchaseId number column purchase_id
  CustomerId number column customer_id -> Customer
  ProductID number column product_id -> Product
  PurchasedAt datetime column purchased_at
  Amount number
}
`;

/** Rows for SCHEMA's tables, as SQL. */
export const DATA = `
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, Name TEXT, city TEXT, score REAL, do_not_call INTEGER, birthday TEXT);
INSERT INTO customers VALUES (1, 'Ann', 'Dublin', 50, 0, '1990-01-01'), (2, 'Bob', 'Cork', 70, 1, NULL), (3, 'Cat', 'Dublin', 20, 0, NULL), (4, 'Dan', 'Galway', 90, 0, NULL);
CREATE TABLE products (product_id INTEGER PRIMARY KEY, Category TEXT);
INSERT INTO products VALUES (10, 'Security'), (11, 'Gifts');
CREATE TABLE purchases (purchase_id INTEGER PRIMARY KEY, customer_id INTEGER, product_id INTEGER, purchased_at TEXT, Amount REAL);
INSERT INTO purchases VALUES (100, 1, 10, '2027-01-01 10:00:00', 20), (101, 2, 11, '2027-01-02 10:00:00', 30);
`;

export function services(): SegmentServices {
    return createSegmentServices(EmptyFileSystem).Segment;
}

let counter = 0;

/**
 * Validates `text` as one file of a workspace whose other files are `others` (name → text),
 * all in the folder /ws; returns the langium/test validation result for `text`.
 */
export async function validate(text: string, others: Record<string, string> = { 'schema.segment': SCHEMA }, s = services()): Promise<ValidationResult<Model>> {
    const parse = parseHelper<Model>(s);
    for (const [name, other] of Object.entries(others)) await parse(other, { documentUri: URI.file(`/ws/${name}`).toString() });
    return validationHelper<Model>(s)(text, { documentUri: URI.file(`/ws/main-${++counter}.segment`).toString() });
}

/** Codes of the diagnostics of a validation result, in order. */
export function codesOf(result: { diagnostics: readonly { code?: number | string }[] }): string[] {
    return result.diagnostics.map(d => String(d.code));
}

/** Writes a SQLite database made by `sql` into a fresh temporary folder; returns its path. */
export async function sqliteFile(sql: string = DATA, name = 'data.sqlite'): Promise<string> {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec(sql);
    const dir = mkdtempSync(join(tmpdir(), 'segments-ls-'));
    const file = join(dir, name);
    writeFileSync(file, db.export());
    db.close();
    return file;
}

export function documentOf(result: { document: LangiumDocument }): LangiumDocument {
    return result.document;
}
