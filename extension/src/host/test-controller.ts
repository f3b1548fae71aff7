import * as vscode from 'vscode';
import type { TestListItem, TestOutcome } from '../evaluator/protocol.js';
import { allRoots, contextFor, isSegmentDocument } from './context.js';
import { CancelledRequest, type EvaluatorClient } from './evaluator-client.js';

/** Segment tests in VS Code's Testing view: an item per file and per test, run in the evaluator worker on the picked engine. */
export class SegmentTestController implements vscode.Disposable {
    private readonly controller = vscode.tests.createTestController('segments', 'Segments');
    /** The workspace root each test item belongs to, by id. */
    private readonly roots = new Map<string, string>();
    private readonly disposables: vscode.Disposable[] = [];
    private timer: ReturnType<typeof setTimeout> | undefined;
    private refreshing: Promise<void> = Promise.resolve();

    constructor(private readonly evaluator: EvaluatorClient, private readonly log: vscode.OutputChannel) {
        this.controller.resolveHandler = async item => { if (!item) await this.refresh(); };
        this.controller.refreshHandler = () => this.refresh();
        this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true);
        const watcher = vscode.workspace.createFileSystemWatcher('**/*.segment');
        this.disposables.push(
            this.controller, watcher,
            // A file added or removed changes the model the worker holds (a change is already passed on by the activation).
            watcher.onDidCreate(() => { evaluator.invalidate(); this.refreshSoon(); }),
            watcher.onDidChange(() => this.refreshSoon()),
            watcher.onDidDelete(() => { evaluator.invalidate(); this.refreshSoon(); }),
            vscode.workspace.onDidChangeTextDocument(e => { if (isSegmentDocument(e.document) && e.contentChanges.length > 0) this.refreshSoon(); }),
            vscode.workspace.onDidCloseTextDocument(doc => { if (isSegmentDocument(doc)) this.refreshSoon(); })
        );
    }

    /** Lists the tests again after a pause in typing or file changes. */
    refreshSoon(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => { this.timer = undefined; void this.refresh(); }, 400);
    }

    /** Lists every test of every workspace root (one listing at a time). */
    refresh(): Promise<void> {
        this.refreshing = this.refreshing.then(() => this.list(), () => this.list());
        return this.refreshing;
    }

    private async list(): Promise<void> {
        const found: { root: string; tests: readonly TestListItem[] }[] = [];
        for (const root of await allRoots()) {
            try {
                found.push({ root, tests: await this.evaluator.request(contextFor(root), { op: 'tests' }) });
            } catch (e) {
                this.log.appendLine(`tests in ${root} could not be listed: ${(e as Error).message}`);
            }
        }
        this.roots.clear();
        const files = new Map<string, vscode.TestItem>();
        for (const { root, tests } of found) {
            for (const t of tests) {
                const uri = vscode.Uri.file(t.file);
                let file = files.get(t.file);
                if (!file) {
                    file = this.controller.items.get(uri.toString()) ?? this.controller.createTestItem(uri.toString(), vscode.workspace.asRelativePath(uri), uri);
                    file.children.replace([]);
                    files.set(t.file, file);
                    this.roots.set(file.id, root);
                }
                const item = this.controller.createTestItem(t.id, t.label, uri);
                item.description = t.segment;
                item.range = new vscode.Range(t.line - 1, 0, t.line - 1, 0);
                file.children.add(item);
                this.roots.set(t.id, root);
            }
        }
        this.controller.items.replace([...files.values()]);
    }

    private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
        if (this.controller.items.size === 0) await this.refresh();
        const run = this.controller.createTestRun(request);
        const excluded = new Set((request.exclude ?? []).map(i => i.id));
        const leaves = new Map<string, vscode.TestItem>();
        const add = (item: vscode.TestItem): void => {
            if (excluded.has(item.id)) return;
            if (item.children.size === 0) leaves.set(item.id, item);
            else item.children.forEach(add);
        };
        if (request.include) request.include.forEach(add);
        else this.controller.items.forEach(add);
        const byRoot = new Map<string, vscode.TestItem[]>();
        for (const item of leaves.values()) {
            const root = this.roots.get(item.id);
            if (root) byRoot.set(root, [...(byRoot.get(root) ?? []), item]);
        }
        try {
            for (const [root, items] of byRoot) {
                if (token.isCancellationRequested) {
                    for (const item of items) run.skipped(item);
                    continue;
                }
                for (const item of items) run.started(item);
                // Each outcome is shown as the worker finds it; the whole answer only fills gaps.
                const done = new Set<string>();
                const show = (outcome: TestOutcome): void => {
                    const item = leaves.get(outcome.id);
                    if (!item || done.has(outcome.id)) return;
                    done.add(outcome.id);
                    report(run, item, outcome);
                };
                try {
                    const outcomes = await this.evaluator.request(contextFor(root), { op: 'runTests', ids: items.map(i => i.id) }, token, show);
                    outcomes.forEach(show);
                } catch (e) {
                    for (const item of items) {
                        if (done.has(item.id)) continue;
                        done.add(item.id);
                        if (e instanceof CancelledRequest) run.skipped(item);
                        else run.errored(item, new vscode.TestMessage((e as Error).message));
                    }
                    continue;
                }
                // A test the worker no longer has (the file changed since the listing) did not run.
                for (const item of items) if (!done.has(item.id)) run.skipped(item);
            }
        } finally {
            run.end();
        }
    }

    dispose(): void {
        if (this.timer) clearTimeout(this.timer);
        for (const d of this.disposables) d.dispose();
    }
}

/** One outcome in the run: a diff at each failing check's line, an error at the problem's line. */
function report(run: vscode.TestRun, item: vscode.TestItem, outcome: TestOutcome): void {
    const uri = item.uri!;
    const at = (line: number, column = 1): vscode.Location => new vscode.Location(uri, new vscode.Position(line - 1, column - 1));
    if (outcome.status === 'passed') {
        run.passed(item, outcome.ms);
        return;
    }
    if (outcome.status === 'failed') {
        // The diff's title is the check and why it failed; the explanations of the keys that
        // make it fail follow as a message of their own (the peek shows a diff's title on one line).
        const messages = outcome.checks.filter(c => !c.passed).flatMap(c => {
            const diff = vscode.TestMessage.diff(`line ${c.line}: ${c.text}: ${c.message}`, c.expected, c.actual);
            diff.location = at(c.line);
            if (c.explanations.length === 0) return [diff];
            const why = new vscode.TestMessage(c.explanations.join('\n'));
            why.location = at(c.line);
            return [diff, why];
        });
        run.failed(item, messages, outcome.ms);
        return;
    }
    const problems = outcome.problems.length > 0 ? outcome.problems : [{ line: item.range ? item.range.start.line + 1 : 1, column: 1, message: outcome.error ?? 'the test could not run' }];
    run.errored(item, problems.map(p => {
        const message = new vscode.TestMessage(p.message);
        message.location = at(p.line, p.column);
        return message;
    }), outcome.ms);
}
