import { expectError } from 'langium/test';
import { describe, expect, test } from 'vitest';
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import type { LangiumDocument } from 'langium';
import * as ast from '../../grammar/generated/ast.js';
import { services, validate } from './support.js';

async function quickFixes(document: LangiumDocument, diagnostic: Diagnostic, s = services()): Promise<CodeAction[]> {
    const actions = await s.lsp.CodeActionProvider!.getCodeActions(document, { textDocument: { uri: document.textDocument.uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
    return (actions ?? []) as CodeAction[];
}

function firstDynamic(document: LangiumDocument): ast.DynamicSegment {
    return (document.parseResult.value as ast.Model).segments.find(ast.isDynamicSegment)!;
}

describe('unknown names', () => {
    test('unknown-attribute after Entity. names the entity and the closest attribute', async () => {
        const result = await validate('dynamic segment A { audience Customer group { Customer.Nme = "Ann" } }');
        const ref = ((firstDynamic(result.document).groups[0] as ast.Group).condition as ast.CompareCondition).left as ast.AttributeRef;
        expectError(result, 'Customer has no attribute Nme. Did you mean Name?', { node: ref, property: 'attribute', code: 'unknown-attribute' });
        const fixes = await quickFixes(result.document, result.diagnostics[0]);
        expect(fixes.map(f => [f.title, f.kind, f.isPreferred])).toEqual([['Change to Name', CodeActionKind.QuickFix, true]]);
        expect(Object.values(fixes[0].edit!.changes!)[0][0].newText).toBe('Name');
    });

    test('unknown-attribute on a bare attribute looks in the audience', async () => {
        const result = await validate('dynamic segment A { audience Customer group { Scor > 5 } }');
        expect(result.diagnostics.map(d => [d.code, d.message])).toEqual([['unknown-attribute', 'Customer has no attribute Scor. Did you mean Score?']]);
    });

    test('unknown-entity, with a quick fix; the attribute after it is not reported again', async () => {
        const result = await validate('dynamic segment A { audience Customer group { Custmer.Name = "Ann" } }');
        expect(result.diagnostics.map(d => [d.code, d.message])).toEqual([['unknown-entity', 'No entity is named Custmer. Did you mean Customer?']]);
        expect((await quickFixes(result.document, result.diagnostics[0])).map(f => f.title)).toEqual(['Change to Customer']);
    });

    test('unknown-entity in audience and in count()', async () => {
        const result = await validate('dynamic segment A { audience Custmer group { count(Purchse) > 1 } }');
        expect(result.diagnostics.map(d => d.code)).toEqual(['unknown-entity', 'unknown-entity']);
        expect(result.diagnostics[1].message).toBe('No entity is named Purchse. Did you mean Purchase?');
    });

    test('unknown-segment in a compound body, with a quick fix', async () => {
        const result = await validate('compound segment C { Highbalance exclude Lapsed }', {
            'other.segment': 'dynamic segment HighBalance { audience Customer group { Score > 1 } }\ndynamic segment Lapsed { audience Customer group { Score < 1 } }',
            'schema.segment': (await import('./support.js')).SCHEMA
        });
        expect(result.diagnostics.map(d => [d.code, d.message])).toEqual([['unknown-segment', 'No segment is named Highbalance. Did you mean HighBalance?']]);
        const fix = (await quickFixes(result.document, result.diagnostics[0]))[0];
        expect(fix.title).toBe('Change to HighBalance');
    });

    test('no suggestion when nothing is close', async () => {
        const result = await validate('dynamic segment A { audience Customer group { Customer.Zzzzzz = 1 } }');
        expect(result.diagnostics[0].message).toBe('Customer has no attribute Zzzzzz.');
        expect(await quickFixes(result.document, result.diagnostics[0])).toEqual([]);
    });

    test('an unknown key attribute of an entity', async () => {
        const result = await validate('entity E from e key Idd {\n  Id number\n}\n', {});
        expect(result.diagnostics.map(d => [d.code, d.message])).toEqual([['unknown-attribute', 'E has no attribute Idd. Did you mean Id?']]);
    });
});
