import type { LangiumDocument } from 'langium';
import type { Diagnostic } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import type { LowerContext } from '../compiler/lower.js';
import { lowerTest } from '../compiler/lower-test.js';
import type { SegmentTest } from './results.js';

/** What `workspaceTests` reads: the parsed files, their diagnostics, and the model. */
export interface TestSources {
    readonly documents: readonly LangiumDocument[];
    readonly model: LowerContext;
    diagnostics(doc: LangiumDocument): readonly Diagnostic[];
}

/**
 * Every test of the given documents (those `inside` accepts: default all), in file and line
 * order, each lowered to its plan or with its error diagnostics (a syntax error inside it, an
 * unknown name, a value that does not fit, no instant...).
 */
export function workspaceTests(sources: TestSources, inside: (file: string) => boolean = () => true): SegmentTest[] {
    const tests: SegmentTest[] = [];
    const documents = [...sources.documents].filter(d => inside(d.uri.fsPath)).sort((a, b) => a.uri.fsPath.localeCompare(b.uri.fsPath));
    for (const document of documents) {
        const root = document.parseResult.value;
        if (!ast.isModel(root)) continue;
        const errors = sources.diagnostics(document).filter(d => d.severity === 1);
        for (const test of root.tests) {
            const range = test.$cstNode?.range;
            if (!range) continue;
            const line = range.start.line + 1;
            const problems = errors
                .filter(d => d.range.start.line >= range.start.line && d.range.start.line <= range.end.line)
                .map(d => `${d.range.start.line + 1}:${d.range.start.character + 1}: ${typeof d.message === 'string' ? d.message : d.message.value} [${String(d.code ?? (d.data as { code?: string } | undefined)?.code ?? 'syntax-error')}]`);
            const lowered = problems.length === 0 ? lowerTest(test, sources.model) : undefined;
            const segment = test.segment?.$refText ?? '';
            const title = test.title;
            tests.push({
                id: `${document.uri.fsPath}:${line}`, file: document.uri.fsPath, line, segment,
                name: title !== undefined ? `${segment}: ${title}` : test.instant?.$cstNode ? `${segment} as of ${test.instant.$cstNode.text}` : segment,
                problems: lowered && !lowered.plan ? ['the test has errors'] : problems,
                ...(lowered?.plan ? { plan: lowered.plan } : {})
            });
        }
    }
    return tests;
}
