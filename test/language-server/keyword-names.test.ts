import type { LangiumDocument } from 'langium';
import { expectCompletion, highlightHelper, parseHelper } from 'langium/test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, test } from 'vitest';
import type { Position, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import { keywords } from '../../grammar/keywords.js';
import { SegmentLanguageGrammar } from '../../grammar/generated/grammar.js';
import { AstUtils, GrammarAST } from 'langium';
import type { SegmentServices } from '../../language-server/segment-module.js';
import { codesOf, services, validate } from './support.js';

/**
 * Keywords as plain names where no keyword can stand (reference, section 1): after `from`,
 * `column`, `key` and `Entity.`, and as an attribute's name in its declaration.
 */
const MEMBERS = `entity Member from members key MemberNo {
  MemberNo number
  status text "Membership status"
  At datetime column time
  table text column from
}
`;

const ACTIVE = `dynamic segment Active {
  audience Member
  show Member.status
  group {
    Member.status = "active" and Member.table = "x" and At > 2027-01-01
  }
}
`;

async function workspace(s: SegmentServices, files: Record<string, string>): Promise<Record<string, LangiumDocument>> {
    const docs: Record<string, LangiumDocument> = {};
    for (const [name, text] of Object.entries(files)) docs[name] = await parseHelper(s)(text, { documentUri: URI.file(`/ws/${name}`).toString(), validation: true });
    return docs;
}

function at(doc: LangiumDocument, word: string, into = 1): Position {
    const offset = doc.textDocument.getText().indexOf(word);
    if (offset < 0) throw new Error(`no ${word}`);
    return doc.textDocument.positionAt(offset + into);
}

function applied(doc: LangiumDocument, edit: WorkspaceEdit | undefined): string {
    return TextDocument.applyEdits(doc.textDocument, (edit?.changes?.[doc.uri.toString()] ?? []) as TextEdit[]);
}

describe('keywords as names', () => {
    test('every word keyword of the grammar, version 2 reserved ones included, is a name after `from`, `column`, `key` and `Entity.`', () => {
        const grammar = SegmentLanguageGrammar();
        const all = new Set(AstUtils.streamAst(grammar).filter(GrammarAST.isKeyword).map(k => k.value).filter(v => /^[a-z]+$/.test(v)).toArray());
        const nameRule = grammar.rules.find(r => r.name === 'Name')!;
        const names = AstUtils.streamAllContents(nameRule).filter(GrammarAST.isKeyword).map(k => k.value).toArray();
        expect([...all].filter(k => !keywords().has(k))).toEqual([]);
        expect([...names].sort()).toEqual([...keywords()].sort());
        for (const v2 of 'time measure sequence then no within top by asc desc sample seed destination file webhook table activate'.split(' ')) expect(keywords().has(v2), v2).toBe(true);
    });

    test('a schema and segment using keywords as table, column, attribute, key and `Entity.` names have no diagnostics', async () => {
        const result = await validate(ACTIVE, { 'members.segment': MEMBERS });
        expect(codesOf(result)).toEqual([]);
        const keyed = await validate('entity Visit from from key status {\n  status number column key\n  when datetime column "date"\n}\n', {});
        expect(codesOf(keyed)).toEqual([]);
    });

    test('every keyword, in every place where a name may be one', async () => {
        for (const k of keywords()) {
            const result = await validate(`entity E from ${k} key ${k} {\n  ${k} number column ${k}\n}\ndynamic segment S {\n  audience E\n  show E.${k}\n  group { E.${k} > 1 and sum(E.${k}) > 0 }\n}\n`, {});
            expect(codesOf(result), k).toEqual([]);
        }
    });

    test('a bare attribute spelled like a keyword is a syntax error that says to write it with its entity', async () => {
        const result = await validate('dynamic segment A {\n  audience Member\n  group { status = "active" }\n}\n', { 'members.segment': MEMBERS });
        expect(codesOf(result)).toEqual(['syntax-error']);
        expect(result.diagnostics[0].message).toContain('`status` is a keyword: an attribute of that name is written with its entity, as in `Entity.status`.');
    });

    test('entity, segment, group, sequence and destination names may not be keywords, version 2 ones included', async () => {
        for (const text of ['entity table key Id { Id number }', 'dynamic segment file { audience Member group { Member.MemberNo > 1 } }', 'dynamic segment A { audience Member group top { Member.MemberNo > 1 } }',
            'dynamic segment A { audience Member sequence then { Member then Member } }', 'destination seed { file "x.csv" }']) {
            const result = await validate(text, { 'members.segment': MEMBERS });
            expect(codesOf(result), text).toContain('syntax-error');
            expect(result.diagnostics[0].message, text).toMatch(/is a keyword: entities, segments, groups, sequences and destinations are named with other words\.$/);
        }
    });

    test('a missing table name asks for a name, not for the list of every keyword', async () => {
        const result = await validate('entity Member from ', {});
        expect(result.diagnostics[0].message).toBe('Expected a name or a text in quotes here, but found the end of the file.');
    });

    test('completion after `Member.` lists keyword-named attributes; a bare position lists them written with their entity', async () => {
        const s = services();
        await parseHelper(s)(MEMBERS, { documentUri: URI.file('/ws/members.segment').toString() });
        const complete = expectCompletion(s);
        await complete({
            text: 'dynamic segment A {\n  audience Member\n  group { Member.<|> }\n}', index: 0, disposeAfterCheck: true,
            assert: list => expect(list.items.map(i => i.label)).toEqual(['MemberNo', 'status', 'At', 'table'])
        });
        await complete({
            text: 'dynamic segment A {\n  audience Member\n  group { <|> }\n}', index: 0, disposeAfterCheck: true,
            assert: list => {
                const labels = list.items.map(i => i.label);
                expect(labels).toEqual(expect.arrayContaining(['MemberNo', 'Member.status', 'At', 'Member.table', 'not', 'count']));
                expect(labels).not.toContain('status');
                expect(labels).not.toContain('table');
            }
        });
    });

    test('completion where a name is declared proposes no keywords', async () => {
        const complete = expectCompletion(services());
        await complete({ text: 'entity Member from members key MemberNo {\n  <|>\n}', index: 0, disposeAfterCheck: true, assert: list => expect(list.items.map(i => i.label)).toEqual([]) });
        await complete({ text: 'entity Member from <|>', index: 0, disposeAfterCheck: true, assert: list => expect(list.items.map(i => i.label)).toEqual([]) });
        await complete({ text: 'entity Member from members <|>', index: 0, disposeAfterCheck: true, expectedItems: ['key'] });
    });

    test('semantic tokens: a keyword-named attribute is a property, not a keyword', async () => {
        const tokens = await highlightHelper(services())('entity <|Member|> from members key <|status|> {\n  <|status|> text column time\n}\ndynamic segment <|A|> {\n  audience <|Member|>\n  group {\n    <|Member|>.<|status|> = "x"\n  }\n}\n');
        expect(tokens.tokens.map(t => t.tokenType)).toEqual(['type', 'property', 'property', 'variable', 'type', 'type', 'property']);
    });

    test('formatting aligns keyword-named attributes like others and is idempotent', async () => {
        const s = services();
        const format = async (text: string, name: string): Promise<string> => {
            const document = await parseHelper(s)(text, { documentUri: URI.file(`/ws/${name}`).toString() });
            const edits = await s.lsp.Formatter!.formatDocument(document, { textDocument: { uri: document.textDocument.uri }, options: { tabSize: 2, insertSpaces: true } });
            return TextDocument.applyEdits(document.textDocument, edits);
        };
        const once = await format('entity Member from  members key MemberNo { MemberNo number status text "Membership status"\n At datetime column time }\ndynamic segment A { audience Member group { Member . status = "x" } }', 'a.segment');
        expect(once).toBe('entity Member from members key MemberNo {\n  MemberNo  number\n  status    text      "Membership status"\n  At        datetime  column time\n}\n\ndynamic segment A {\n  audience Member\n\n  group {\n    Member.status = "x"\n  }\n}\n');
        expect(await format(once, 'b.segment')).toBe(once);
    });

    test('rename of a keyword-named attribute: its declaration, `key` and every `Member.status`', async () => {
        const s = services();
        const docs = await workspace(s, { 'members.segment': MEMBERS.replace('key MemberNo', 'key status'), 'active.segment': ACTIVE });
        const doc = docs['active.segment'];
        const edit = await s.lsp.RenameProvider!.rename(doc, { textDocument: { uri: doc.uri.toString() }, position: at(doc, 'status'), newName: 'State' });
        expect(applied(docs['members.segment'], edit)).toContain('entity Member from members key State {\n  MemberNo number\n  State text');
        expect(applied(doc, edit)).toContain('show Member.State\n');
        expect(applied(doc, edit)).toContain('Member.State = "active"');
        const prepared = await s.lsp.RenameProvider!.prepareRename(docs['members.segment'], { textDocument: { uri: docs['members.segment'].uri.toString() }, position: at(docs['members.segment'], 'status text') });
        expect(prepared).toBeDefined();
    });

    test('rename of an attribute to a keyword writes its bare uses with their entity; an entity renamed to a keyword is refused', async () => {
        const s = services();
        const docs = await workspace(s, { 'members.segment': MEMBERS, 'bare.segment': 'dynamic segment Late {\n  audience Member\n  group { At > 2027-01-01 and Member.At < 2028-01-01 }\n}\n' });
        const doc = docs['bare.segment'];
        const edit = await s.lsp.RenameProvider!.rename(doc, { textDocument: { uri: doc.uri.toString() }, position: at(doc, 'At'), newName: 'time' });
        expect(applied(doc, edit)).toContain('group { Member.time > 2027-01-01 and Member.time < 2028-01-01 }');
        expect(applied(docs['members.segment'], edit)).toContain('  time datetime column time\n');
        await expect(s.lsp.RenameProvider!.rename(doc, { textDocument: { uri: doc.uri.toString() }, position: at(doc, 'Member'), newName: 'table' })).rejects.toThrow('`table` is a keyword');
        await expect(s.lsp.RenameProvider!.rename(doc, { textDocument: { uri: doc.uri.toString() }, position: at(doc, 'Member'), newName: 'two words' })).rejects.toThrow('is not a name');
    });

    test('hover and go to definition on `Member.status`', async () => {
        const s = services();
        const docs = await workspace(s, { 'members.segment': MEMBERS, 'active.segment': ACTIVE });
        const doc = docs['active.segment'];
        const position = at(doc, 'status =');
        const hover = await s.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position });
        expect(JSON.stringify(hover?.contents)).toContain('Membership status');
        const links = await s.lsp.DefinitionProvider!.getDefinition(doc, { textDocument: { uri: doc.uri.toString() }, position });
        expect(links?.map(l => [URI.parse(l.targetUri).path, l.targetSelectionRange.start.line])).toEqual([['/ws/members.segment', 2]]);
    });
    test('a misspelt bare attribute whose closest name is a keyword is suggested with its entity, and the quick fix parses', async () => {
        const result = await validate('dynamic segment A {\n  audience Member\n  group { statu = "active" }\n}\n', { 'members.segment': MEMBERS });
        expect(codesOf(result)).toEqual(['unknown-attribute']);
        expect(result.diagnostics[0].message).toBe('Member has no attribute statu. Did you mean Member.status?');
        const s = services();
        const actions = await s.lsp.CodeActionProvider!.getCodeActions(result.document, { textDocument: { uri: result.document.uri.toString() }, range: result.diagnostics[0].range, context: { diagnostics: [...result.diagnostics] } });
        const edit = actions?.flatMap(a => ('edit' in a && a.edit?.changes ? Object.values(a.edit.changes).flat() : []))[0];
        expect(edit?.newText).toBe('Member.status');
        const fixed = TextDocument.applyEdits(result.document.textDocument, [edit!]);
        expect(codesOf(await validate(fixed, { 'members.segment': MEMBERS }))).toEqual([]);
    });
});
