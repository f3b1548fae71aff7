import { readFile } from 'node:fs/promises';
import Papa from 'papaparse';
import type { KeyValue } from '../compiler/ir.js';

/** The first column of a CSV file with a header row, as keys of the given type. */
export async function readMembersFile(file: string, keyType: 'number' | 'text'): Promise<KeyValue[]> {
    let text: string;
    try {
        text = await readFile(file, 'utf8');
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new MembersFileError(file, code === 'ENOENT' ? 'members file not found' : `cannot read the members file (${code ?? String(e)})`);
    }
    const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
    const keys: KeyValue[] = [];
    for (const row of parsed.data.slice(1)) {
        const cell = (row[0] ?? '').trim();
        if (cell === '') continue;
        if (keyType === 'number') {
            const n = Number(cell);
            if (Number.isFinite(n)) keys.push(n);
        } else {
            keys.push(cell);
        }
    }
    return keys;
}

export class MembersFileError extends Error {
    constructor(readonly file: string, message: string) {
        super(`${file}: ${message}`);
        this.name = 'MembersFileError';
    }
}
