import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SegmentsApi } from '../../../extension/src/extension.js';

/**
 * The @vscode/test-electron suite (`npm run test:electron`): runs inside a desktop VS Code with
 * the extension under development and the retail sample open. Not part of CI here (it downloads
 * VS Code); the code-server suite covers the same ground in a browser.
 */
export async function run(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(folder, 'the retail sample must be open');
    const extension = vscode.extensions.getExtension<SegmentsApi>('segments-dev.segments');
    assert.ok(extension, 'the extension is installed');
    const api = await extension.activate();
    const checks: [string, () => Promise<void>][] = [
        ['diagnostics of a broken file', async () => {
            const uri = vscode.Uri.joinPath(folder, 'broken.segment');
            await vscode.window.showTextDocument(uri);
            const diagnostics = await waitFor(() => vscode.languages.getDiagnostics(uri).filter(d => d.severity === vscode.DiagnosticSeverity.Error), d => d.length > 0);
            assert.match(diagnostics.map(d => d.message).join('\n'), /CreditBalanse/);
        }],
        ['completion after Customer.', async () => {
            const doc = await vscode.workspace.openTextDocument({ language: 'segment', content: 'dynamic segment X {\n  audience Customer\n  group { Customer. }\n}\n' });
            const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(2, 19));
            const labels = list.items.map(i => (typeof i.label === 'string' ? i.label : i.label.label));
            assert.ok(labels.includes('CreditBalance'), labels.join(', '));
        }],
        ['the compound sample counts 169', async () => {
            const preview = await api.evaluator.request({ root: folder.fsPath, asOf: '2027-02-11' }, { op: 'preview', segment: 'HighBalanceFollowUp', pageOffset: 0, pageSize: 10 });
            assert.equal(preview.state, 'result');
            if (preview.state === 'result') assert.equal(preview.report.count, 169);
        }],
        ['the dashboard lists every segment', async () => {
            await vscode.window.showTextDocument(vscode.Uri.joinPath(folder, 'contact.segment'));
            await vscode.commands.executeCommand('segments.openDashboard');
            await api.views.lastDashboardUpdate;
            const data = await api.evaluator.request({ root: folder.fsPath, asOf: '2027-02-11' }, { op: 'dashboard', record: false });
            assert.ok(data.rows.length >= 12);
        }]
    ];
    const failures: string[] = [];
    for (const [name, check] of checks) {
        try {
            await check();
            console.log(`  ✓ ${name}`);
        } catch (e) {
            failures.push(name);
            console.log(`  ✗ ${name}: ${(e as Error).message}`);
        }
    }
    if (failures.length) throw new Error(`${failures.length} check(s) failed: ${failures.join(', ')}`);
}

async function waitFor<T>(get: () => T, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = get();
        if (ok(value) || Date.now() > deadline) return value;
        await new Promise(r => setTimeout(r, 200));
    }
}
