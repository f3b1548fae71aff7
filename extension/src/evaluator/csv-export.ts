import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, unlink } from 'node:fs/promises';
import type { SegmentRunner } from '../../../engine/runner.js';
import type { CancelToken } from './cancel.js';

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(value: unknown): string {
    if (value === null || value === undefined) return '';
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes every member of a segment with its `show` columns to a CSV file, a chunk of rows at
 * a time (never the whole table in memory as text), to a temporary file renamed at the end.
 */
export async function exportCsv(runner: SegmentRunner, segment: string, file: string, token: CancelToken, chunk = 2000): Promise<number> {
    const keys = await runner.keys(segment);
    const temp = `${file}.partial`;
    const out = createWriteStream(temp, { encoding: 'utf8' });
    const write = async (line: string): Promise<void> => {
        if (!out.write(line)) await once(out, 'drain');
    };
    try {
        let header = false;
        for (let i = 0; i < Math.max(keys.length, 1); i += chunk) {
            const { columns, rows } = await runner.showRows(segment, keys.slice(i, i + chunk));
            if (!header) {
                await write(`${columns.map(csvField).join(',')}\r\n`);
                header = true;
            }
            await write(rows.map(r => `${r.map(csvField).join(',')}\r\n`).join(''));
            await token.checkpoint();
        }
        out.end();
        await once(out, 'finish');
        await rename(temp, file);
    } catch (e) {
        out.destroy();
        await unlink(temp).catch(() => undefined);
        throw e;
    }
    return keys.length;
}
