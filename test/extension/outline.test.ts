import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copySample, InProcessEvaluator } from './sample-workspace.js';

/** What the Segments side bar lists: the parsed workspace, nothing run. */
describe('the workspace outline', () => {
    it('lists every segment with its kind, audience and place, and the schema with attributes and measures', async () => {
        const root = copySample();
        const outline = await new InProcessEvaluator(root).request({ op: 'outline' });
        const declared = readdirSync(root).filter(f => f.endsWith('.segment'))
            .flatMap(f => [...readFileSync(join(root, f), 'utf8').matchAll(/^(?:dynamic|static|compound) segment (\w+)/gm)].map(m => m[1]));
        expect(outline.segments.map(s => s.name).sort()).toEqual(declared.sort());
        const followUp = outline.segments.find(s => s.name === 'HighBalanceFollowUp');
        expect(followUp).toMatchObject({ kind: 'compound', audience: 'Customer', title: 'High balance customers to follow up' });
        expect(followUp?.location.uri).toMatch(/contact\.segment$/);
        expect(outline.segments.find(s => s.name === 'DoNotCall')?.kind).toBe('static');
        expect(outline.entities.map(e => e.name)).toEqual(['Customer', 'Product', 'Purchase', 'Interaction']);
        const customer = outline.entities[0];
        expect(customer).toMatchObject({ table: 'customers', key: 'CustomerId', time: 'SignedUpAt' });
        expect(customer.attributes.find(a => a.name === 'CreditBalance')).toMatchObject({ type: 'number', description: 'Outstanding credit balance, in euros' });
        expect(outline.entities[2].attributes.find(a => a.name === 'CustomerId')?.target).toBe('Customer');
        expect(customer.measures.map(m => m.name)).toContain('LifetimeValue');
    });
});
