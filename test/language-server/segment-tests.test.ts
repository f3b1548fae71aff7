import { expectCompletion, parseHelper } from 'langium/test';
import type { CompletionList } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, test } from 'vitest';
import { URI } from 'vscode-uri';
import { SCHEMA, services } from './support.js';

// The editor knows segment tests like any construct (README "Segment tests"): completion,
// hover and formatting.

const WORKSPACE = `${SCHEMA}
dynamic segment Loyal { audience Customer  group High { Score > 80 }  exclude group { DoNotCall = true }  top 3 by Customer.Score }
compound segment Callable { Loyal exclude Listed }
static segment Listed { audience Customer  members 1, 2 }
dynamic segment Security { audience Product  group { Category = "Security" } }
`;

async function workspace(): Promise<ReturnType<typeof services>> {
    const s = services();
    await parseHelper(s)(WORKSPACE, { documentUri: URI.file('/ws/schema.segment').toString() });
    return s;
}

const labels = (list: CompletionList): string[] => list.items.map(i => i.label);

describe('completion in tests', () => {
    test('after `test` the segments; in the body the rows and checks; after `with` the entities; in a row the attributes not named yet', async () => {
        const complete = expectCompletion(await workspace());
        await complete({ text: 'test <|>', index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['Loyal', 'Callable', 'Listed', 'Security']) });
        await complete({ text: 'test Loyal as of 2027-02-11 {\n  <|>\n}', index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['with', 'members', 'not', 'count', 'no']) });
        await complete({ text: 'test Loyal as of 2027-02-11 { with <|> }', index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['Customer', 'Product', 'Purchase']) });
        await complete({ text: 'test Loyal as of 2027-02-11 { with Customer { Score = 1, <|> } }', index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['CustomerId', 'Name', 'City', 'DoNotCall', 'Birthday']) });
    });

    test('after `by`: the named blocks or the parts of the tested segment, and only the keywords it has', async () => {
        const complete = expectCompletion(await workspace());
        await complete({ text: 'test Loyal as of 2027-02-11 { not members 1 by <|> }', index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['High', 'group', 'top']) });
        await complete({ text: 'test Callable as of 2027-02-11 { not members 1 by <|> }', index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['Loyal', 'Listed']) });
        await complete({ text: 'test Listed as of 2027-02-11 { not members 3 by <|> }', index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual([]) });
    });

    test('segments compared with the tested one: only those of its audience', async () => {
        const complete = expectCompletion(await workspace());
        await complete({ text: 'test Loyal as of 2027-02-11 { members within <|> }', index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['Loyal', 'Callable', 'Listed']) });
        await complete({ text: 'test Loyal as of 2027-02-11 { count 10% of <|> }', index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['Loyal', 'Callable', 'Listed']) });
        await complete({ text: 'test Security as of 2027-02-11 { no members in <|> }', index: 0, disposeAfterCheck: true, assert: list => expect(labels(list)).toEqual(['Security']) });
    });
});

describe('hover in tests', () => {
    test('on `test`, `with` and a check: what runs, on which data, what must hold', async () => {
        const s = await workspace();
        const text = 'test Loyal "happy" as of 2027-02-11 {\n  with Customer { Score = 90 }\n  not members 1 by High\n  count 10% of Listed within 5%\n  members within Callable\n}';
        const doc = await parseHelper(s)(text, { documentUri: URI.file('/ws/t.segment').toString() });
        const hover = async (at: string): Promise<string> => {
            const result = await s.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(text.indexOf(at) + 1) });
            const contents = result?.contents;
            return contents && typeof contents === 'object' && 'value' in contents ? contents.value : '';
        };
        expect(await hover('test')).toBe('**Test of Loyal** · *happy*\n\nRuns Loyal as of 2027-02-11 (today 2027-02-11, now 2027-02-11 23:59:59), on every engine `segments test --engine` names.\n\nOn its own 1 row (`with`): every other table is empty; attributes a row leaves out are missing, keys left out are generated.\n\n3 checks; `segments test` runs it.');
        expect(await hover('with')).toBe('**A Customer record** in table `customers` of this test\'s data. Its key CustomerId is generated (the smallest whole number from 1 that no other Customer row of this test has). Missing: Name, City, DoNotCall, Birthday.');
        expect(await hover('not members')).toMatch(/^None of these keys is a member of Loyal, and each is out because of High, as Explain Membership says/);
        expect(await hover('count 10%')).toBe("Loyal's members are 10% of Listed's, give or take 5 points (100 × members / members of Listed).");
        expect(await hover('members within')).toBe('Every member of Loyal is a member of Callable (a subset).');
    });
});

describe('rename and tests', () => {
    test('renaming a group, or a segment that is a compound part, renames the `by` of the tests that name it', async () => {
        const s = await workspace();
        const text = 'test Loyal as of 2027-02-11 { not members 1 by High }\ntest Callable as of 2027-02-11 { not members 1 by Listed  no members in Listed }';
        const doc = await parseHelper(s)(text, { documentUri: URI.file('/ws/r.segment').toString() });
        const schema = s.shared.workspace.LangiumDocuments.getDocument(URI.file('/ws/schema.segment'))!;
        const rename = async (at: number, newName: string): Promise<string> => {
            const edit = await s.lsp.RenameProvider!.rename(schema, { textDocument: { uri: schema.uri.toString() }, position: schema.textDocument.positionAt(at), newName });
            return TextDocument.applyEdits(doc.textDocument, edit?.changes?.[doc.uri.toString()] ?? []);
        };
        expect(await rename(WORKSPACE.indexOf('High') + 1, 'Top')).toBe('test Loyal as of 2027-02-11 { not members 1 by Top }\ntest Callable as of 2027-02-11 { not members 1 by Listed  no members in Listed }');
        expect(await rename(WORKSPACE.indexOf('static segment Listed') + 16, 'Known')).toBe('test Loyal as of 2027-02-11 { not members 1 by High }\ntest Callable as of 2027-02-11 { not members 1 by Known  no members in Known }');
    });
});

describe('formatting tests', () => {
    test('the body indented, each row on one line, each check on its own line, a blank line between declarations', async () => {
        const s = await workspace();
        const text = 'test Loyal as of 2027-02-11 {   with Customer {CustomerId=1,Score=-3}  with Customer {}\n members 1,2 not members 3 by group 1 count 10 % of Listed within 1%   }\ntest Listed as of 2027-02-11T10:00:00 { count between 1 and 2 no members in Loyal }';
        const doc = await parseHelper(s)(text, { documentUri: URI.file('/ws/f.segment').toString() });
        const edits = await s.lsp.Formatter!.formatDocument(doc, { textDocument: { uri: doc.textDocument.uri }, options: { tabSize: 2, insertSpaces: true } });
        const formatted = TextDocument.applyEdits(doc.textDocument, edits);
        expect(formatted).toBe(`test Loyal as of 2027-02-11 {
  with Customer { CustomerId = 1, Score = -3 }
  with Customer { }
  members 1, 2
  not members 3 by group 1
  count 10% of Listed within 1%
}

test Listed as of 2027-02-11T10:00:00 {
  count between 1 and 2
  no members in Loyal
}
`);
    });
});
