import { describe, expect, test } from 'vitest';
import { measureFingerprint, planFingerprint } from '../../compiler/plan-fingerprint.js';
import { build } from '../support/harness.js';
import { SCHEMA, withSegments } from '../support/shop.js';

// What `segments diff` calls a changed definition: the plans' fingerprints differ. Layout,
// comments, names and what no member depends on (title, description, show, activate, status) are
// no change; every part of the query is.
async function fingerprint(segment: string, schema = SCHEMA): Promise<string> {
    const built = await build({ 'schema.segment': schema, 'segments.segment': segment });
    const plan = built.plans.plans.get('S');
    const errors = built.diagnostics.filter(d => d.severity === 1);
    if (errors.length > 0) throw new Error(errors.map(d => d.message).join('; '));
    if (!plan) throw new Error(`no plan: ${built.diagnostics.map(d => d.message).join('; ')}`);
    return planFingerprint(plan).text;
}

const BASE = `dynamic segment S {
  audience Customer
  group Happy {
    Customer.Satisfaction >= 80 and Purchase.Amount > 100
  }
}`;

describe('plan fingerprints', () => {
    test('layout, comments, the group name, title, description, show and inactive are no change', async () => {
        const base = await fingerprint(BASE);
        expect(await fingerprint(`// a comment
dynamic segment S {
    title "Happy buyers"
    description "Satisfied, and bought for more than 100."
    audience   Customer
    status inactive
    show Customer.Name
    group Content {
        // the same condition
        Customer.Satisfaction >= 80
            and Purchase.Amount > 100
    }
}`)).toBe(base);
    });

    test('a literal, an operator, one more condition, or for and, an excluded group, a sample step are each a change', async () => {
        const base = await fingerprint(BASE);
        const variants = [
            BASE.replace('>= 80', '>= 81'),
            BASE.replace('>= 80', '> 80'),
            BASE.replace('Purchase.Amount > 100', 'Purchase.Amount > 100 and Customer.DoNotCall = false'),
            BASE.replace('Customer.Satisfaction >= 80 and Purchase.Amount > 100', 'Purchase.Amount > 100 or Customer.Satisfaction >= 80'),
            BASE.replace('  }\n}', '  }\n  exclude group { Customer.DoNotCall = true }\n}'),
            BASE.replace('  }\n}', '  }\n  sample 10%\n}')
        ];
        const prints = await Promise.all(variants.map(v => fingerprint(v)));
        for (const p of prints) expect(p).not.toBe(base);
        expect(new Set(prints).size).toBe(prints.length);
    });

    test('the column or table an attribute reads is a change; its description and other attributes are not', async () => {
        const base = await fingerprint(BASE);
        expect(await fingerprint(BASE, SCHEMA.replace('Satisfaction  number    column satisfaction', 'Satisfaction  number  "0 to 100"  column satisfaction').replace('  Birthday      date\n', ''))).toBe(base);
        expect(await fingerprint(BASE, SCHEMA.replace('column satisfaction', 'column score'))).not.toBe(base);
        expect(await fingerprint(BASE, SCHEMA.replace('from purchases', 'from orders'))).not.toBe(base);
    });

    test('a measure is written by name in the plan and compared apart', async () => {
        const files = (definition: string) => withSegments(`measure Customer.Spent = ${definition}\ndynamic segment S {\n  audience Customer\n  group { Customer.Spent > 100 }\n}`);
        const a = await build(files('sum(Purchase.Amount)'));
        const b = await build(files('sum(Purchase.Amount where Purchase.PurchasedAt in last 30 days)'));
        const pa = planFingerprint(a.plans.plans.get('S')!);
        const pb = planFingerprint(b.plans.plans.get('S')!);
        expect(pa.text).toBe(pb.text);
        expect([...pa.measures.keys()]).toEqual(['Customer.Spent']);
        expect(measureFingerprint(pa.measures.get('Customer.Spent')!)).not.toBe(measureFingerprint(pb.measures.get('Customer.Spent')!));
    });
});
