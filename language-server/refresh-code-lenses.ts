import type { LangiumSharedServices } from 'langium/lsp';
import { CodeLensRefreshRequest, type Connection } from 'vscode-languageserver';
import type { SegmentCounts } from './segment-counts.js';

/** Asks the client to fetch code lenses again when counts arrive (if it supports refreshing). */
export function refreshCodeLensesOnCount(connection: Connection, shared: LangiumSharedServices, counts: SegmentCounts): void {
    let supported = false;
    shared.lsp.LanguageServer.onInitialize(params => {
        supported = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    });
    let scheduled = false;
    counts.onDidChange(() => {
        if (!supported || scheduled) return;
        scheduled = true;
        setTimeout(() => {
            scheduled = false;
            void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
        }, 100).unref();
    });
}
