import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, test } from 'vitest';
import type { CodeAction } from 'vscode-languageserver';
import { services, validate } from './support.js';

// The quick fix for an ambiguous path writes `via` on the block that needs it: a group, or a
// sequence (reference 6.3: a sequence's `via` picks paths for every step and inside the steps'
// `where`).
const SCHEMA = `
entity Customer from customers key CustomerId time SignedUpAt {
  CustomerId  number    column customer_id
  SignedUpAt  datetime  column signed_up_at
}
entity Purchase from purchases key PurchaseId time PurchasedAt {
  PurchaseId   number    column purchase_id
  CustomerId   number    column customer_id  -> Customer
  PurchasedAt  datetime  column purchased_at
}
entity Referral from referrals key ReferralId time ReferredAt {
  ReferralId  number    column referral_id
  FromId      number    column from_id  -> Customer
  ToId        number    column to_id    -> Customer
  ReferredAt  datetime  column referred_at
}
`;

/** The text after applying each quick fix of the first ambiguous-path diagnostic. */
async function fixed(text: string): Promise<string[]> {
    const s = services();
    const result = await validate(text, { 'schema.segment': SCHEMA }, s);
    const diagnostic = result.diagnostics.find(d => d.code === 'ambiguous-path');
    if (!diagnostic) throw new Error(`no ambiguous-path in ${JSON.stringify(result.diagnostics.map(d => d.code))}`);
    const actions = (await s.lsp.CodeActionProvider!.getCodeActions(result.document, { textDocument: { uri: result.document.textDocument.uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } }) ?? []) as CodeAction[];
    return actions.map(a => {
        const edits = Object.values(a.edit!.changes!)[0];
        return TextDocument.applyEdits(TextDocument.create('file:///x', 'segment', 1, text), edits);
    });
}

describe('ambiguous-path quick fix', () => {
    test('on a sequence step: `sequence via ...`, one fix per relationship, and the fixed text checks', async () => {
        const text = 'dynamic segment S { audience Customer sequence Referred { Referral then Purchase } }';
        const texts = await fixed(text);
        expect(texts).toEqual([
            'dynamic segment S { audience Customer sequence Referred via Referral.FromId { Referral then Purchase } }',
            'dynamic segment S { audience Customer sequence Referred via Referral.ToId { Referral then Purchase } }'
        ]);
        const after = await validate(texts[1], { 'schema.segment': SCHEMA });
        expect(after.diagnostics.filter(d => d.severity === 1)).toEqual([]);
    });

    test('inside a step\'s where, on an unnamed sequence: only the relationships that tell the paths apart', async () => {
        const text = 'dynamic segment S { audience Customer sequence { Purchase where Referral.ReferralId = 1 then Purchase } }';
        expect(await fixed(text)).toEqual([
            'dynamic segment S { audience Customer sequence via Referral.FromId { Purchase where Referral.ReferralId = 1 then Purchase } }',
            'dynamic segment S { audience Customer sequence via Referral.ToId { Purchase where Referral.ReferralId = 1 then Purchase } }'
        ]);
    });

    test('on a group, as before', async () => {
        expect(await fixed('dynamic segment S { audience Customer group G { Referral.ReferralId = 1 } }')).toEqual([
            'dynamic segment S { audience Customer group G via Referral.FromId { Referral.ReferralId = 1 } }',
            'dynamic segment S { audience Customer group G via Referral.ToId { Referral.ReferralId = 1 } }'
        ]);
    });
});
