import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CodeLensRequest, DidChangeConfigurationNotification } from 'vscode-languageserver-protocol';
import { ensureBuilt, SAMPLE, ServerProcess } from './lsp-process.js';

/**
 * Every count a user sees comes from one instant: the code lenses follow the extension's
 * `segments.asOf` setting, as the views and `segments run --as-of` do.
 */
describe('the server as an editor starts it: code lenses at the segments.asOf instant, completion triggers', () => {
    let server: ServerProcess;

    beforeAll(async () => {
        ensureBuilt();
        server = await ServerProcess.start(SAMPLE);
    }, 120_000);

    afterAll(async () => {
        await server?.stop();
    });

    const lensOf = async (uri: string, segment: string, text: string): Promise<string> => {
        const line = text.split('\n').findIndex(l => l.includes(`segment ${segment} `));
        for (let i = 0; i < 240; i++) {
            const lenses = (await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
            const title = lenses.find(l => l.range.start.line === line && /members?( |$)/.test(l.command?.title ?? ''))?.command?.title;
            if (title && !title.includes('updating') && !title.startsWith('Counting')) return title;
            await new Promise(r => setTimeout(r, 250));
        }
        throw new Error(`no count for ${segment}`);
    };

    test('the sample counted as of 2027-02-11 gives the command line\'s counts; cleared, the lens counts as of now again', async () => {
        const file = join(SAMPLE, 'valentines.segment');
        const text = readFileSync(file, 'utf8');
        const uri = await server.open(file, text);
        await server.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { segments: { asOf: '2027-02-11' } } });
        // `npx segments run samples/retail --as-of 2027-02-11`: ValentinesEarly 409, ValentinesLastMinute 46.
        await expect.poll(() => lensOf(uri, 'ValentinesEarly', text), { timeout: 60_000 }).toBe('409 members');
        expect(await lensOf(uri, 'ValentinesLastMinute', text)).toBe('46 members');
        // As of now (this machine's date, before most of the sample's records), the counts differ.
        await server.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { segments: { asOf: '' } } });
        let now = await lensOf(uri, 'ValentinesEarly', text);
        for (let i = 0; i < 120 && now === '409 members'; i++) {
            await new Promise(r => setTimeout(r, 250));
            now = await lensOf(uri, 'ValentinesEarly', text);
        }
        expect(now).toMatch(/^\d+ members$/);
        expect(now).not.toBe('409 members');
    }, 120_000);

    test('completion opens by itself after `Entity.` and after `=`', () => {
        expect(server.initialized?.capabilities.completionProvider?.triggerCharacters).toEqual(['.', '=']);
    });
});
