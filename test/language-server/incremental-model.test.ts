import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextDocument, type LangiumDocument } from 'langium';
import { parseHelper } from 'langium/test';
import { describe, expect, test } from 'vitest';
import { URI } from 'vscode-uri';
import * as ast from '../../grammar/generated/ast.js';
import { DatabaseFacts } from '../../language-server/data/database-facts.js';
import type { DatabaseStatus, QueryService, TableInfo } from '../../language-server/data/query-service.js';
import type { SegmentServices } from '../../language-server/segment-module.js';
import { SCHEMA, services } from './support.js';

/**
 * The workspace model is updated from the document builder's events rather than rebuilt after
 * every change: these tests edit, rename, add and delete files and compare it with the files.
 */

const segment = (name: string, score: number): string => `dynamic segment ${name} {\n  audience Customer\n  group {\n    Customer.Score > ${score}\n  }\n}\n`;

async function open(s: SegmentServices, name: string, text: string): Promise<LangiumDocument> {
    return parseHelper(s)(text, { documentUri: URI.file(`/ws/${name}`).toString() });
}

/** Replaces a file's text as an editor does (the open document's text), and waits for the rebuild. */
async function edit(s: SegmentServices, doc: LangiumDocument, text: string): Promise<void> {
    const uri = doc.uri.toString();
    s.shared.workspace.TextDocuments.set(TextDocument.create(uri, 'segment', doc.textDocument.version + 1, text));
    await s.shared.workspace.DocumentBuilder.update([doc.uri], []);
}

function segmentsOf(doc: LangiumDocument): ast.Segment[] {
    const root = doc.parseResult.value;
    return ast.isModel(root) ? root.segments : [];
}

describe('the workspace model follows edits', () => {
    test('an edit that keeps the names: the model holds the new nodes, the others are untouched', async () => {
        const s = services();
        await open(s, 'schema.segment', SCHEMA);
        const a = await open(s, 'a.segment', segment('A', 1) + segment('B', 2));
        const c = await open(s, 'c.segment', segment('C', 3));
        const workspace = s.workspace.SegmentWorkspace;
        const before = workspace.model;
        expect(workspace.model).toBe(before);
        await edit(s, a, segment('A', 10) + segment('B', 20));
        const after = workspace.model;
        expect(after).not.toBe(before);
        expect(after.segments.get('A')).toBe(segmentsOf(a)[0]);
        expect(after.segments.get('B')).toBe(segmentsOf(a)[1]);
        expect(after.segments.get('C')).toBe(segmentsOf(c)[0]);
        expect([...after.segments.keys()].sort()).toEqual(['A', 'B', 'C']);
        expect(after.schema).toBe(before.schema);
    });

    test('a rename, a new file and a deleted file', async () => {
        const s = services();
        await open(s, 'schema.segment', SCHEMA);
        const a = await open(s, 'a.segment', segment('A', 1));
        const workspace = s.workspace.SegmentWorkspace;
        expect([...workspace.model.segments.keys()]).toEqual(['A']);
        await edit(s, a, segment('Renamed', 1));
        expect([...workspace.model.segments.keys()]).toEqual(['Renamed']);
        const b = await open(s, 'b.segment', segment('B', 2));
        expect([...workspace.model.segments.keys()].sort()).toEqual(['B', 'Renamed']);
        await s.shared.workspace.DocumentBuilder.update([], [b.uri]);
        expect([...workspace.model.segments.keys()]).toEqual(['Renamed']);
    });

    test('duplicate names: the file first by path keeps the name, whichever file is edited', async () => {
        const s = services();
        await open(s, 'schema.segment', SCHEMA);
        const first = await open(s, 'a.segment', segment('Same', 1));
        const second = await open(s, 'b.segment', segment('Same', 2));
        const workspace = s.workspace.SegmentWorkspace;
        expect(workspace.model.segments.get('Same')).toBe(segmentsOf(first)[0]);
        await edit(s, second, segment('Same', 20));
        expect(workspace.model.segments.get('Same')).toBe(segmentsOf(first)[0]);
        await edit(s, first, segment('Same', 10));
        expect(workspace.model.segments.get('Same')).toBe(segmentsOf(first)[0]);
        // The loser is still reported as the duplicate, after both edits.
        await s.shared.workspace.DocumentBuilder.build([first, second], { validation: true });
        expect((second.diagnostics ?? []).map(d => d.code)).toContain('duplicate-name');
        expect((first.diagnostics ?? []).map(d => d.code)).not.toContain('duplicate-name');
    });

    test('an edit to an entity makes the schema again', async () => {
        const s = services();
        const schema = await open(s, 'schema.segment', SCHEMA);
        const workspace = s.workspace.SegmentWorkspace;
        expect(workspace.model.schema.attribute('Customer', 'Score')?.column).toBe('score');
        await edit(s, schema, SCHEMA.replace('column score', 'column survey_score'));
        expect(workspace.model.schema.attribute('Customer', 'Score')?.column).toBe('survey_score');
    });
});

/** A query service that counts how often the status of a file is asked for. */
class CountingQueries implements QueryService {
    statuses = 0;
    async status(file: string): Promise<DatabaseStatus> {
        this.statuses++;
        return { kind: 'ok', mtime: file.length };
    }
    async tables(): Promise<readonly TableInfo[]> {
        return [];
    }
    async query(): Promise<never[][]> {
        return [];
    }
    dispose(): void {}
}

describe('database status', () => {
    test('is asked of the query service again only when the file changes (after a short while)', async () => {
        const file = join(mkdtempSync(join(tmpdir(), 'segments-facts-')), 'db.sqlite');
        writeFileSync(file, 'one');
        const queries = new CountingQueries();
        const facts = new DatabaseFacts(queries);
        for (let i = 0; i < 20; i++) await facts.status(file);
        expect(queries.statuses).toBe(1);
        await new Promise(r => setTimeout(r, 1100));
        await facts.status(file);
        expect(queries.statuses).toBe(1);
        writeFileSync(file, 'three');
        await new Promise(r => setTimeout(r, 250));
        await facts.status(file);
        expect(queries.statuses).toBe(2);
    });
});
