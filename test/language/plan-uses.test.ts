import { describe, expect, test } from 'vitest';
import { planUses } from '../../compiler/plan-uses.js';
import { build } from '../support/harness.js';
import { withSegments } from '../support/shop.js';

/** What a segment reads decides which missing tables and columns keep it from running. */
describe('the entities and attributes a plan reads', () => {
    test('audience and key, joined records and the relationships walked, conditions, aggregates with where, show, compound parts', async () => {
        const built = await build(withSegments(`
dynamic segment Buyers {
  audience Customer
  show Customer.Name
  group { Product.Category = "Gifts" }
  exclude group { count(Purchase where Purchase.Amount > 10) >= 2 }
}
static segment Listed { audience Customer members 1, 2 }
compound segment Both { Buyers union Listed }
dynamic segment Happy { audience Customer group { Customer.Satisfaction > 50 } }`));
        const plans = built.plans.plans;
        const uses = (name: string) => {
            const u = planUses(plans.get(name)!, plans);
            return { entities: [...u.entities].sort(), attributes: [...u.attributes].sort() };
        };
        expect(uses('Buyers')).toEqual({
            entities: ['Customer', 'Product', 'Purchase'],
            attributes: ['Customer.CustomerId', 'Customer.Name', 'Product.Category', 'Product.ProductID', 'Purchase.Amount', 'Purchase.CustomerId', 'Purchase.ProductID', 'Purchase.PurchaseId']
        });
        expect(uses('Listed')).toEqual({ entities: ['Customer'], attributes: ['Customer.CustomerId'] });
        expect(uses('Both')).toEqual(uses('Buyers'));
        expect(uses('Happy')).toEqual({ entities: ['Customer'], attributes: ['Customer.CustomerId', 'Customer.Satisfaction'] });
    });

    test('an event entity is read with its time: the storage facts and the column checks cover it', async () => {
        const files = withSegments(`
dynamic segment Buyers { audience Customer group { Product.Category = "Gifts" } }
static segment Listed { audience Customer members 1 }`);
        files['schema.segment'] = files['schema.segment']
            .replace('key CustomerId {', 'key CustomerId time SignedUpAt {')
            .replace('key PurchaseId {', 'key PurchaseId time PurchasedAt {');
        const built = await build(files);
        const plans = built.plans.plans;
        const buyers = planUses(plans.get('Buyers')!, plans);
        expect([...buyers.attributes].sort()).toEqual(['Customer.CustomerId', 'Customer.SignedUpAt', 'Product.Category', 'Product.ProductID', 'Purchase.CustomerId', 'Purchase.ProductID', 'Purchase.PurchaseId', 'Purchase.PurchasedAt']);
        expect(buyers.columns).toContainEqual({ entity: 'Purchase', table: 'purchases', column: 'purchased_at', type: 'datetime', latest: true });
        expect([...planUses(plans.get('Listed')!, plans).attributes].sort()).toEqual(['Customer.CustomerId', 'Customer.SignedUpAt']);
    });
});
