import * as vscode from 'vscode';
import type { OutlineEntity, OutlineSegment, WorkspaceOutline } from '../evaluator/protocol.js';
import type { SourceLocation } from '../shared/data.js';
import { allRoots, contextFor } from './context.js';
import type { EvaluatorClient } from './evaluator-client.js';

/**
 * The Segments side bar: the workspace's segments by file with their counts and kind, and a
 * schema browser (entities, attributes with types, relationships, measures). The lists come
 * from the parsed workspace at once; the counts then from the dashboard's evaluation (the same
 * instant and engine as every other view), without recording a refresh.
 */
type SegmentNode =
    | { readonly kind: 'file'; readonly root: string; readonly uri: string; readonly segments: readonly OutlineSegment[] }
    | { readonly kind: 'segment'; readonly root: string; readonly segment: OutlineSegment };

type SchemaNode =
    | { readonly kind: 'entity'; readonly entity: OutlineEntity }
    | { readonly kind: 'attribute'; readonly entity: OutlineEntity; readonly attribute: OutlineEntity['attributes'][number] }
    | { readonly kind: 'measure'; readonly entity: OutlineEntity; readonly measure: OutlineEntity['measures'][number] };

const KIND_ICONS: Readonly<Record<OutlineSegment['kind'], string>> = { dynamic: 'filter', static: 'list-unordered', compound: 'layers' };

export class SideBar implements vscode.Disposable {
    private outlines: { root: string; outline: WorkspaceOutline }[] = [];
    private counts = new Map<string, number | string>();
    /** Per folder: the engine and instant of the evaluation the counts come from. */
    private readonly counted = new Map<string, { readonly engine: string; readonly asOf: string }>();
    private readonly segmentsChanged = new vscode.EventEmitter<SegmentNode | undefined>();
    private readonly schemaChanged = new vscode.EventEmitter<SchemaNode | undefined>();
    private readonly disposables: vscode.Disposable[] = [];
    private timer?: ReturnType<typeof setTimeout>;
    private generation = 0;
    private readonly views: vscode.TreeView<SegmentNode | SchemaNode>[] = [];
    /** Counts are older than the data or the definitions: counted again when the list is next in view. */
    private countsStale = true;
    private countsWanted = true;

    constructor(private readonly evaluator: EvaluatorClient) {
        const segments: vscode.TreeDataProvider<SegmentNode> = {
            onDidChangeTreeData: this.segmentsChanged.event,
            getChildren: node => this.segmentChildren(node),
            getTreeItem: node => this.segmentItem(node)
        };
        const schema: vscode.TreeDataProvider<SchemaNode> = {
            onDidChangeTreeData: this.schemaChanged.event,
            getChildren: node => this.schemaChildren(node),
            getTreeItem: node => schemaItem(node)
        };
        const segmentsView = vscode.window.createTreeView('segments.segmentsView', { treeDataProvider: segments, showCollapseAll: true });
        const schemaView = vscode.window.createTreeView('segments.schemaView', { treeDataProvider: schema, showCollapseAll: true });
        this.views.push(segmentsView, schemaView);
        this.disposables.push(
            this.segmentsChanged, this.schemaChanged, segmentsView, schemaView,
            // Nothing is read or run while the side bar is hidden.
            segmentsView.onDidChangeVisibility(e => { if (e.visible) this.refreshSoon(0, this.countsStale); }),
            schemaView.onDidChangeVisibility(e => { if (e.visible) this.refreshSoon(0, false); }),
            vscode.commands.registerCommand('segments.sideBar.refresh', () => this.refreshSoon(0, true)),
            vscode.commands.registerCommand('segments.sideBar.openDetails', (node?: SegmentNode) => {
                if (node?.kind === 'segment') void vscode.commands.executeCommand('segments.runSegment', node.segment.name, node.segment.location.uri, node.root);
            }),
            vscode.commands.registerCommand('segments.sideBar.reveal', (location: SourceLocation) => reveal(location))
        );
    }

    /**
     * The lists again after an edit (debounced); with `counts`, after a save or a data change,
     * the counts too: the whole workspace is evaluated then, so not on every keystroke, and not
     * while the side bar is hidden (it is marked stale and counted when shown).
     */
    refreshSoon(delayMs = 800, counts = false): void {
        this.countsStale ||= counts;
        if (!this.views.some(v => v.visible)) return;
        this.countsWanted ||= counts;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.refresh(), delayMs);
    }

    private async refresh(): Promise<void> {
        const generation = ++this.generation;
        const counts = this.countsWanted && this.views[0].visible;
        this.countsWanted = false;
        const roots = await allRoots();
        const outlines: { root: string; outline: WorkspaceOutline }[] = [];
        for (const root of roots) {
            try {
                outlines.push({ root, outline: await this.evaluator.request(contextFor(root), { op: 'outline' }) });
            } catch {
                // A folder the evaluator cannot read shows nothing here; its views say why.
            }
        }
        if (generation !== this.generation) return;
        this.outlines = outlines;
        this.segmentsChanged.fire(undefined);
        this.schemaChanged.fire(undefined);
        if (!counts) return;
        this.countsStale = false;
        for (const { root } of outlines) {
            try {
                const dashboard = await this.evaluator.request(contextFor(root), { op: 'dashboard', record: false });
                if (generation !== this.generation) return;
                for (const row of dashboard.rows) this.counts.set(`${root}\n${row.name}`, row.count ?? (row.error ? 'error' : '—'));
                this.counted.set(root, { engine: dashboard.engine, asOf: dashboard.asOf });
            } catch (e) {
                if (generation !== this.generation) return;
                for (const s of outlines.find(o => o.root === root)?.outline.segments ?? []) this.counts.set(`${root}\n${s.name}`, 'no count');
            }
            this.segmentsChanged.fire(undefined);
        }
    }

    private segmentChildren(node?: SegmentNode): SegmentNode[] {
        if (!node) {
            return this.outlines.flatMap(({ root, outline }) => {
                const files = new Map<string, OutlineSegment[]>();
                for (const s of outline.segments) files.set(s.location.uri, [...(files.get(s.location.uri) ?? []), s]);
                return [...files].sort(([a], [b]) => a.localeCompare(b)).map(([uri, segments]) => ({ kind: 'file' as const, root, uri, segments }));
            });
        }
        return node.kind === 'file' ? node.segments.map(segment => ({ kind: 'segment' as const, root: node.root, segment })) : [];
    }

    private segmentItem(node: SegmentNode): vscode.TreeItem {
        if (node.kind === 'file') {
            const uri = vscode.Uri.parse(node.uri);
            const item = new vscode.TreeItem(vscode.workspace.asRelativePath(uri), vscode.TreeItemCollapsibleState.Expanded);
            item.resourceUri = uri;
            item.iconPath = vscode.ThemeIcon.File;
            item.description = `${node.segments.length} ${node.segments.length === 1 ? 'segment' : 'segments'}`;
            item.contextValue = 'file';
            return item;
        }
        const s = node.segment;
        const count = this.counts.get(`${node.root}\n${s.name}`);
        const shown = count === undefined ? '…' : typeof count === 'number' ? count.toLocaleString('en') : count;
        const by = this.counted.get(node.root);
        const item = new vscode.TreeItem(s.name, vscode.TreeItemCollapsibleState.None);
        item.id = `${node.root}\n${s.name}`;
        item.description = !s.audience || count === 'error' ? 'has errors' : `${shown} · ${s.audience}`;
        item.iconPath = new vscode.ThemeIcon(KIND_ICONS[s.kind]);
        item.tooltip = new vscode.MarkdownString(`**${s.title}**\n\n${s.kind} segment \`${s.name}\`${s.audience ? ` of ${s.audience}` : ''}: ${typeof count === 'number' ? `${shown} members${by ? `, counted by ${by.engine} as of ${by.asOf}` : ''}` : shown}`);
        item.contextValue = 'segment';
        item.command = { command: 'segments.sideBar.reveal', title: 'Go to the Segment', arguments: [s.location] };
        return item;
    }

    private schemaChildren(node?: SchemaNode): SchemaNode[] {
        if (!node) {
            const seen = new Set<string>();
            return this.outlines.flatMap(o => o.outline.entities).filter(e => !seen.has(e.name) && !!seen.add(e.name)).map(entity => ({ kind: 'entity' as const, entity }));
        }
        if (node.kind !== 'entity') return [];
        return [
            ...node.entity.attributes.map(attribute => ({ kind: 'attribute' as const, entity: node.entity, attribute })),
            ...node.entity.measures.map(measure => ({ kind: 'measure' as const, entity: node.entity, measure }))
        ];
    }

    dispose(): void {
        if (this.timer) clearTimeout(this.timer);
        this.disposables.forEach(d => d.dispose());
    }
}

function schemaItem(node: SchemaNode): vscode.TreeItem {
    if (node.kind === 'entity') {
        const e = node.entity;
        const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = [e.table ? `table ${e.table}` : '', e.key ? `key ${e.key}` : '', e.time ? `time ${e.time}` : ''].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(e.time ? 'history' : 'symbol-class');
        item.command = { command: 'segments.sideBar.reveal', title: 'Go to the Entity', arguments: [e.location] };
        return item;
    }
    if (node.kind === 'attribute') {
        const a = node.attribute;
        const item = new vscode.TreeItem(a.name, vscode.TreeItemCollapsibleState.None);
        item.description = a.target ? `${a.type} → ${a.target}` : a.type;
        item.tooltip = a.description ?? `${node.entity.name}.${a.name}: ${item.description}`;
        item.iconPath = new vscode.ThemeIcon(a.target ? 'references' : 'symbol-field');
        item.command = { command: 'segments.sideBar.reveal', title: 'Go to the Attribute', arguments: [a.location] };
        return item;
    }
    const m = node.measure;
    const item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.None);
    item.description = 'measure';
    item.tooltip = m.description ?? `${node.entity.name}.${m.name}`;
    item.iconPath = new vscode.ThemeIcon('symbol-function');
    item.command = { command: 'segments.sideBar.reveal', title: 'Go to the Measure', arguments: [m.location] };
    return item;
}

async function reveal(location: SourceLocation): Promise<void> {
    const at = new vscode.Position(location.line, location.character);
    await vscode.window.showTextDocument(vscode.Uri.parse(location.uri), { selection: new vscode.Range(at, at) });
}
