/**
 * A small shop schema for language tests: customers, products, purchases, interactions, and
 * gifts (two relationships to Customer, for ambiguous paths). No `database` line: tests run on
 * in-memory databases.
 */
export const SCHEMA = `
entity Customer from customers key CustomerId {
  CustomerId    number    column customer_id
  Name          text
  Satisfaction  number    column satisfaction
  DoNotCall     boolean   column do_not_call
  Birthday      date
  SignedUpAt    datetime  column signed_up_at
}

entity Product from products key ProductID {
  ProductID  number  column product_id
  Category   text
}

entity Purchase from purchases key PurchaseId {
  PurchaseId   number    column purchase_id
  CustomerId   number    column customer_id   -> Customer
  ProductID    number    column product_id    -> Product
  PurchasedAt  datetime  column purchased_at
  Amount       number
}

entity Gift from gifts key GiftId {
  GiftId       number  column gift_id
  SenderId     number  column sender_id     -> Customer
  RecipientId  number  column recipient_id  -> Customer
  Value        number
}
`;

export const TABLES = `
create table customers(customer_id integer primary key, name text, satisfaction integer, do_not_call integer, birthday text, signed_up_at text);
create table products(product_id integer primary key, category text);
create table purchases(purchase_id integer primary key, customer_id integer, product_id integer, purchased_at text, amount real);
create table gifts(gift_id integer primary key, sender_id integer, recipient_id integer, value real);
`;

/** Schema plus one file of segments. */
export function withSegments(segments: string): Record<string, string> {
    return { 'schema.segment': SCHEMA, 'segments.segment': segments };
}

/** A dynamic segment `S` over Customer with one group holding `condition`. */
export function dynamic(condition: string, name = 'S'): string {
    return `dynamic segment ${name} {\n  audience Customer\n  group {\n    ${condition}\n  }\n}\n`;
}

export function customers(rows: readonly (readonly [number, string | null, number | null, number | null, string | null, string | null])[]): string {
    return rows.map(r => `insert into customers values (${r.map(sqlValue).join(', ')});`).join('\n');
}

export function sqlValue(v: string | number | null): string {
    if (v === null) return 'NULL';
    if (typeof v === 'number') return String(v);
    return `'${v.replace(/'/g, "''")}'`;
}
