import * as vscode from 'vscode';
import type { Key } from '../shared/data.js';
import { keyProblem, parseKey } from '../shared/keys.js';
import { contextFor } from './context.js';
import type { EvaluatorClient } from './evaluator-client.js';

/**
 * Asks for the key of a profile to explain: an input box that suggests a few members of the
 * segment, knows whether the audience's keys are numbers, and refuses what cannot be a key.
 */
export async function pickKey(evaluator: EvaluatorClient, root: string, segment: string, previous?: Key): Promise<Key | undefined> {
    const preview = await evaluator.request(contextFor(root), { op: 'preview', segment, pageOffset: 0, pageSize: 5 });
    if (preview.state === 'errors') throw new Error(`${segment} cannot run, so its members cannot be explained: ${preview.problems[0]?.message ?? 'it has errors'}`);
    const report = preview.state === 'result' ? preview.report : undefined;
    const audience = report?.header.audience;
    const examples = report?.page.rows.map(r => ({ key: r[0], name: r[1] })) ?? [];
    const numeric = examples.length ? examples.every(e => typeof e.key === 'number') : undefined;
    const hint = examples.length
        ? `Members include ${examples.map(e => (typeof e.name === 'string' ? `${String(e.key)} (${e.name})` : String(e.key))).join(', ')}.`
        : `${segment} has no members now; any key of ${audience ?? 'the audience'} can still be explained.`;
    const input = await vscode.window.showInputBox({
        title: `Explain membership in ${segment}`,
        prompt: `The key of a ${audience ?? ''} profile. ${hint}`,
        value: previous !== undefined ? String(previous) : examples[0] ? String(examples[0].key) : '',
        validateInput: v => keyProblem(v, numeric, audience)
    });
    return input === undefined ? undefined : parseKey(input, numeric);
}
