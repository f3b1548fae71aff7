import { AstUtils, WorkspaceCache, type LangiumDocument, type LangiumSharedCoreServices } from 'langium';
import { URI, Utils } from 'vscode-uri';
import * as ast from '../grammar/generated/ast.js';
import type { LowerContext } from '../compiler/lower.js';
import { schemaFromAst, type Schema } from '../compiler/schema.js';

/** What every file of a workspace folder declares, taken together: one model. */
export interface WorkspaceModel extends LowerContext {
    readonly schema: Schema;
    readonly entities: ReadonlyMap<string, ast.Entity>;
    readonly segments: ReadonlyMap<string, ast.Segment>;
    /** The `database` declaration (the first one found) and the file it resolves to. */
    readonly database?: { readonly node: ast.Database; readonly uri: URI };
    readonly databases: readonly ast.Database[];
}

/** Builds and caches the workspace model; rebuilt after any document changes. */
export class SegmentWorkspace {
    private readonly cache: WorkspaceCache<string, WorkspaceModel>;

    constructor(private readonly shared: LangiumSharedCoreServices) {
        this.cache = new WorkspaceCache(shared);
    }

    get model(): WorkspaceModel {
        return this.cache.get('model', () => buildModel(this.shared.workspace.LangiumDocuments.all.toArray()));
    }
}

export function buildModel(documents: readonly LangiumDocument[]): WorkspaceModel {
    const entities = new Map<string, ast.Entity>();
    const segments = new Map<string, ast.Segment>();
    const databases: ast.Database[] = [];
    const sorted = [...documents].sort((a, b) => a.uri.toString().localeCompare(b.uri.toString()));
    for (const doc of sorted) {
        const root = doc.parseResult.value;
        if (!ast.isModel(root)) continue;
        for (const e of root.entities) if (e.name && !entities.has(e.name)) entities.set(e.name, e);
        for (const s of root.segments) if (s.name && !segments.has(s.name)) segments.set(s.name, s);
        databases.push(...root.databases);
    }
    // A `database` line cut short by a syntax error has no path: it names no file.
    const first = databases.find(d => typeof d.path === 'string');
    return {
        schema: schemaFromAst(entities.values()),
        entities,
        segments,
        databases,
        ...(first ? { database: { node: first, uri: resolveRelative(first, first.path) } } : {}),
        resolveFile: (segment, relative) => resolveRelative(segment, relative).fsPath,
        hasSyntaxErrors: segment => brokenSegments(AstUtils.getDocument(segment)).has(segment)
    };
}

const broken = new WeakMap<LangiumDocument, Set<ast.Segment>>();

/** Segments of a document in which the lexer or the parser reported an error. */
function brokenSegments(doc: LangiumDocument): Set<ast.Segment> {
    let result = broken.get(doc);
    if (result) return result;
    result = new Set();
    const root = doc.parseResult.value;
    const segments = ast.isModel(root) ? root.segments : [];
    const offsets = [
        ...doc.parseResult.parserErrors.map(e => e.token.startOffset),
        ...doc.parseResult.lexerErrors.map(e => e.offset)
    ];
    for (const offset of offsets) {
        const at = Number.isFinite(offset) ? offset : doc.textDocument.getText().length;
        const hit = segments.find(s => s.$cstNode && s.$cstNode.offset <= at && at <= s.$cstNode.end)
            ?? (Number.isFinite(offset) ? undefined : segments[segments.length - 1]);
        if (hit) result.add(hit);
    }
    broken.set(doc, result);
    return result;
}

/** A path written in a file, relative to that file's folder. */
export function resolveRelative(node: ast.Database | ast.Segment, relative: string): URI {
    const doc = AstUtils.getDocument(node);
    if (/^([a-zA-Z]:)?[\\/]/.test(relative)) return URI.file(relative);
    return Utils.resolvePath(Utils.dirname(doc.uri), relative);
}
