import { build } from '../support/harness.js';
const schema = `entity Customer from customers key CustomerId {
  CustomerId number column customer_id
  Name text "Full name"
  City text
  Score number
}
`;
const cases = [
  schema + `dynamic segment A { audience Customer group { Customer.Nme = "x" } }`,
  schema + `dynamic segment A { audience Custmer group { Customer.Name = "x" } }`,
  schema + `dynamic segment A { audience Customer group { Customer.Name = 5 } }`,
  schema + `compound segment B { Aa }`,
  schema + `dynamic segment A { audience Customer group { Customer.Name = } }`,
  schema + `dynamic segment A { audience Customer group { Customer.Name "x" } }`,
  schema + `dynamic segment A { audience Customer titl "x" group { Customer.Name = "x" } }`,
  schema + `dynamic segment A { audience Customer group { Customer.Name = "x" and } }`,
  schema + `dynamic segment A { audience Customer group { Customer.Name = "x" $ } }`,
];
for (const c of cases) {
  const b = await build(c);
  console.log('---'); for (const d of b.diagnostics) console.log(d.range.start.line, d.range.start.character, d.code, JSON.stringify(d.data), d.message);
}
