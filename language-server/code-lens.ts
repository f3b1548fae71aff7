import type { LangiumDocument } from 'langium';
import type { CodeLensProvider } from 'langium/lsp';
import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import type { CountState, SegmentCounts } from './segment-counts.js';

/** Commands the extension registers; the language server only names them. */
export const SegmentCommands = {
    RunSegment: 'segments.runSegment',
    ShowSql: 'segments.showSql'
} as const;

/**
 * Above each segment: its member count as of now (or "counting…"), which runs the segment,
 * and "Show SQL". Counts are asked for here and computed in the background; the client is
 * told to refresh its lenses when they arrive.
 */
export class SegmentCodeLensProvider implements CodeLensProvider {
    constructor(private readonly counts: SegmentCounts) {}

    provideCodeLens(document: LangiumDocument, _params: CodeLensParams): CodeLens[] {
        const model = document.parseResult.value;
        if (!ast.isModel(model)) return [];
        const lenses: CodeLens[] = [];
        const wanted: string[] = [];
        for (const segment of model.segments) {
            const range = segment.$cstNode?.range;
            if (!segment.name || !range) continue;
            const args = [segment.name, document.uri.toString()];
            const state = this.counts.state(segment.name);
            if (state.kind !== 'not-runnable' || state.retry) wanted.push(segment.name);
            const at = { start: range.start, end: range.start };
            lenses.push(
                { range: at, command: { title: countTitle(state), command: SegmentCommands.RunSegment, arguments: args } },
                { range: at, command: { title: 'Show SQL', command: SegmentCommands.ShowSql, arguments: args } }
            );
        }
        this.counts.request(wanted);
        return lenses;
    }
}

export function countTitle(state: CountState): string {
    switch (state.kind) {
        case 'counted': return `${state.count.toLocaleString('en-US')} ${state.count === 1 ? 'member' : 'members'}${state.stale ? ' (updating…)' : ''}`;
        case 'counting': return state.previous !== undefined ? `${state.previous.toLocaleString('en-US')} members (updating…)` : 'Counting members…';
        case 'not-runnable': return `Run (${state.reason})`;
    }
}
