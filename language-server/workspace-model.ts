import { AstUtils, DocumentState, type AstNode, type LangiumDocument, type LangiumSharedCoreServices, type ParseResult } from 'langium';
import { sep } from 'node:path';
import { URI, Utils } from 'vscode-uri';
import * as ast from '../grammar/generated/ast.js';
import type { LowerContext } from '../compiler/lower.js';
import { schemaFromAst, type Schema } from '../compiler/schema.js';

/** What every file of a workspace folder declares, taken together: one model. */
export interface WorkspaceModel extends LowerContext {
    readonly schema: Schema;
    readonly entities: ReadonlyMap<string, ast.Entity>;
    readonly segments: ReadonlyMap<string, ast.Segment>;
    /**
     * Measures by the name of their entity (as written), then by name: the first declaration of
     * each `Entity.Name` (files in path order) wins, as for entities and segments.
     */
    readonly measures: ReadonlyMap<string, ReadonlyMap<string, ast.Measure>>;
    /** Destinations by name (reference, section 7): the first declared wins, in file order, as for segments. */
    readonly destinations: ReadonlyMap<string, ast.Destination>;
    /** The `database` declaration (the first one found) and the file it resolves to. */
    readonly database?: { readonly node: ast.Database; readonly uri: URI };
    readonly databases: readonly ast.Database[];
}

/** What one parsed file declares (kept per syntax tree, so only re-read when the file is parsed again). */
interface DocumentPart {
    readonly entities: readonly ast.Entity[];
    readonly segments: readonly ast.Segment[];
    readonly databases: readonly ast.Database[];
    readonly measures: readonly ast.Measure[];
    readonly destinations: readonly ast.Destination[];
}

const EMPTY_PART: DocumentPart = { entities: [], segments: [], databases: [], measures: [], destinations: [] };

/** `Entity.Name` of a measure, its entity as written (a measure names its entity before the linker runs). */
export function measureKey(measure: ast.Measure): string {
    return `${measure.entity?.$refText ?? ''}.${measure.name}`;
}
const parts = new WeakMap<AstNode, DocumentPart>();

function partOf(root: AstNode): DocumentPart {
    if (!ast.isModel(root)) return EMPTY_PART;
    let part = parts.get(root);
    if (!part) {
        part = {
            entities: root.entities.filter(e => !!e.name), segments: root.segments.filter(s => !!s.name), databases: root.databases,
            measures: root.measures.filter(m => !!m.name && !!m.entity?.$refText),
            destinations: root.destinations.filter(d => !!d.name)
        };
        parts.set(root, part);
    }
    return part;
}

/**
 * The workspace model, kept up to date incrementally. The builder's events say which files were
 * parsed again; when such a file declares the same names as before (the usual edit: a condition
 * changed), its new nodes take the places of its old ones in the name maps, and the schema is made
 * again only if an entity changed. Any other change (a file added, deleted or renaming a
 * declaration) merges every file's part again (parts are kept per syntax tree, so that is cheap
 * too). A new model object is made after each change (the maps are shared with the previous one
 * and updated in place), and the same one is returned while nothing was parsed again, so what is
 * cached per model (plans for counts) survives edits in no file.
 */
export class SegmentWorkspace {
    private current: WorkspaceModel | undefined;
    private entities = new Map<string, ast.Entity>();
    private segments = new Map<string, ast.Segment>();
    private measures = new Map<string, Map<string, ast.Measure>>();
    private destinations = new Map<string, ast.Destination>();
    /** The syntax tree each known document had when the current model was made. */
    private roots = new Map<LangiumDocument, AstNode>();
    /** Known documents parsed again since the current model was made. */
    private readonly reparsed = new Set<LangiumDocument>();
    /** Documents were added or deleted: merge everything again. */
    private stale = true;
    private schema: { readonly entities: readonly ast.Entity[]; readonly schema: Schema } | undefined;

    constructor(private readonly shared: LangiumSharedCoreServices) {
        const builder = shared.workspace.DocumentBuilder;
        builder.onUpdate((changed, deleted) => {
            if (deleted.length > 0) this.stale = true;
            const documents = shared.workspace.LangiumDocuments;
            for (const uri of changed) {
                const doc = documents.getDocument(uri);
                if (doc && this.roots.has(doc)) this.reparsed.add(doc);
                else this.stale = true;
            }
        });
        builder.onDocumentPhase(DocumentState.Parsed, doc => this.touched(doc));
        builder.onBuildPhase(DocumentState.Parsed, docs => { for (const doc of docs) this.touched(doc); });
    }

    private touched(doc: LangiumDocument): void {
        if (!this.roots.has(doc)) this.stale = true;
        else if (this.roots.get(doc) !== doc.parseResult.value) this.reparsed.add(doc);
    }

    get model(): WorkspaceModel {
        if (!this.current || this.stale) return this.rebuild();
        if (this.reparsed.size === 0) return this.current;
        let entities: Map<string, ast.Entity> | undefined;
        let segments: Map<string, ast.Segment> | undefined;
        let databases: ast.Database[] | undefined;
        let measures: Map<string, Map<string, ast.Measure>> | undefined;
        let destinations: Map<string, ast.Destination> | undefined;
        for (const doc of this.reparsed) {
            const before = this.roots.get(doc);
            const root = doc.parseResult.value;
            if (!before || before === root) continue;
            const old = partOf(before);
            const now = partOf(root);
            if (!sameNames(old.entities, now.entities) || !sameNames(old.segments, now.segments) || old.databases.length !== now.databases.length
                || !sameMeasures(old.measures, now.measures) || !sameNames(old.destinations, now.destinations)) return this.rebuild();
            // The maps are updated in place (copying two thousand names costs more than the rest of
            // this); the model object is new, so caches keyed by the model see the change.
            entities ??= this.entities;
            segments ??= this.segments;
            measures ??= this.measures;
            destinations ??= this.destinations;
            databases ??= [...this.current.databases];
            replaceWinners(entities, old.entities, now.entities);
            replaceWinners(segments, old.segments, now.segments);
            replaceMeasureWinners(measures, old.measures, now.measures);
            replaceWinners(destinations, old.destinations, now.destinations);
            old.databases.forEach((d, i) => {
                const at = databases!.indexOf(d);
                if (at >= 0) databases![at] = now.databases[i];
            });
            this.roots.set(doc, root);
        }
        this.reparsed.clear();
        if (entities && segments && databases && measures && destinations) this.current = modelOf(entities, segments, measures, destinations, databases, this.schemaOf([...entities.values()]));
        return this.current;
    }

    /** Every document's part merged again, in URI order. */
    private rebuild(): WorkspaceModel {
        this.stale = false;
        this.reparsed.clear();
        const sorted = this.shared.workspace.LangiumDocuments.all.toArray()
            .map(d => ({ d, key: d.uri.toString() }))
            .sort((a, b) => a.key.localeCompare(b.key))
            .map(x => x.d);
        const entities = this.entities = new Map<string, ast.Entity>();
        const segments = this.segments = new Map<string, ast.Segment>();
        const measures = this.measures = new Map<string, Map<string, ast.Measure>>();
        const destinations = this.destinations = new Map<string, ast.Destination>();
        const databases: ast.Database[] = [];
        this.roots = new Map();
        for (const doc of sorted) {
            const root = doc.parseResult.value;
            this.roots.set(doc, root);
            const part = partOf(root);
            for (const e of part.entities) if (!entities.has(e.name)) entities.set(e.name, e);
            for (const s of part.segments) if (!segments.has(s.name)) segments.set(s.name, s);
            addMeasures(measures, part.measures);
            for (const d of part.destinations) if (!destinations.has(d.name)) destinations.set(d.name, d);
            databases.push(...part.databases);
        }
        this.current = modelOf(entities, segments, measures, destinations, databases, this.schemaOf([...entities.values()]));
        return this.current;
    }

    /** The schema depends only on the entities' text: made again only when an entity node changed. */
    private schemaOf(entities: readonly ast.Entity[]): Schema {
        const known = this.schema;
        if (known && known.entities.length === entities.length && entities.every((e, i) => e === known.entities[i])) return known.schema;
        const schema = schemaFromAst(entities);
        this.schema = { entities, schema };
        return schema;
    }
}

function sameNames(a: readonly { readonly name: string }[], b: readonly { readonly name: string }[]): boolean {
    return a.length === b.length && a.every((x, i) => x.name === b[i].name);
}

/** Where an old node won its name, the node at the same place in the file's new tree wins it now. */
function replaceWinners<T extends { readonly name: string }>(map: Map<string, T>, old: readonly T[], now: readonly T[]): void {
    old.forEach((node, i) => {
        if (map.get(node.name) === node) map.set(node.name, now[i]);
    });
}

function sameMeasures(a: readonly ast.Measure[], b: readonly ast.Measure[]): boolean {
    return a.length === b.length && a.every((x, i) => measureKey(x) === measureKey(b[i]));
}

/** The first measure of each `Entity.Name` wins. */
function addMeasures(map: Map<string, Map<string, ast.Measure>>, measures: readonly ast.Measure[]): void {
    for (const m of measures) {
        const entity = m.entity.$refText;
        let byName = map.get(entity);
        if (!byName) map.set(entity, byName = new Map());
        if (!byName.has(m.name)) byName.set(m.name, m);
    }
}

function replaceMeasureWinners(map: Map<string, Map<string, ast.Measure>>, old: readonly ast.Measure[], now: readonly ast.Measure[]): void {
    old.forEach((node, i) => {
        const byName = map.get(node.entity.$refText);
        if (byName?.get(node.name) === node) byName.set(node.name, now[i]);
    });
}

/** The model of these documents, made from scratch. */
export function buildModel(documents: readonly LangiumDocument[]): WorkspaceModel {
    const entities = new Map<string, ast.Entity>();
    const segments = new Map<string, ast.Segment>();
    const measures = new Map<string, Map<string, ast.Measure>>();
    const destinations = new Map<string, ast.Destination>();
    const databases: ast.Database[] = [];
    const sorted = [...documents].sort((a, b) => a.uri.toString().localeCompare(b.uri.toString()));
    for (const doc of sorted) {
        const part = partOf(doc.parseResult.value);
        for (const e of part.entities) if (!entities.has(e.name)) entities.set(e.name, e);
        for (const s of part.segments) if (!segments.has(s.name)) segments.set(s.name, s);
        addMeasures(measures, part.measures);
        databases.push(...part.databases);
    }
    return modelOf(entities, segments, measures, destinations, databases, schemaFromAst(entities.values()));
}

function modelOf(entities: Map<string, ast.Entity>, segments: Map<string, ast.Segment>, measures: Map<string, Map<string, ast.Measure>>, destinations: Map<string, ast.Destination>, databases: ast.Database[], schema: Schema): WorkspaceModel {
    // A `database` line cut short by a syntax error has no path: it names no file.
    const first = databases.find(d => typeof d.path === 'string');
    return {
        schema,
        entities,
        segments,
        measures,
        destinations,
        databases,
        ...(first ? { database: { node: first, uri: resolveRelative(first, first.path) } } : {}),
        resolveFile: (node, relative) => resolveRelative(node, relative).fsPath,
        workspaceFolder: node => workspaceFolderOf(node, first),
        hasSyntaxErrors: node => (ast.isMeasure(node) ? hasParseErrors(AstUtils.getDocument(node)) : brokenSegments(AstUtils.getDocument(node)).has(node))
    };
}

function hasParseErrors(doc: LangiumDocument): boolean {
    return doc.parseResult.parserErrors.length > 0 || doc.parseResult.lexerErrors.length > 0;
}

/** Per parse result (a new one each time the file is parsed again), not per document: documents are reused. */
const broken = new WeakMap<ParseResult, Set<ast.Segment>>();

/** Segments of a document in which the lexer or the parser reported an error. */
function brokenSegments(doc: LangiumDocument): Set<ast.Segment> {
    let result = broken.get(doc.parseResult);
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
    broken.set(doc.parseResult, result);
    return result;
}

/**
 * The workspace folder of a segment or destination: the folder of the file that declares the
 * model's `database` (the folder the command line and the extension load) when the declaring
 * file is inside it, else the file's own folder. Files named in segments (`members from`) are
 * read only from inside it, and file destinations written only inside it.
 */
function workspaceFolderOf(node: ast.Segment | ast.Destination, database: ast.Database | undefined): string {
    const own = Utils.dirname(AstUtils.getDocument(node).uri).fsPath;
    if (!database) return own;
    const root = Utils.dirname(AstUtils.getDocument(database).uri).fsPath;
    return own === root || own.startsWith(root.endsWith(sep) ? root : root + sep) ? root : own;
}

/** A path written in a file, relative to that file's folder. */
export function resolveRelative(node: AstNode, relative: string): URI {
    const doc = AstUtils.getDocument(node);
    if (/^([a-zA-Z]:)?[\\/]/.test(relative)) return URI.file(relative);
    return Utils.resolvePath(Utils.dirname(doc.uri), relative);
}
