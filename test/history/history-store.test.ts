import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyLocation } from '../../history/history-location.js';
import { HistoryLockTimeout, HistoryStore, HistoryWriteError, journalFile, nodeHistoryFileSystem, type HistoryFileSystem } from '../../history/history-store.js';
import { copySample, InProcessEvaluator, REPO } from '../extension/sample-workspace.js';

function folder(): string {
    return mkdtempSync(join(tmpdir(), 'segments-history-'));
}

function runWriter(file: string, writer: number, runs: number, killed = false): Promise<string> {
    return new Promise((resolve, reject) => {
        const args = [join(REPO, 'test/history/history-writer.ts'), file, String(writer), String(runs), ...(killed ? ['--killed'] : [])];
        const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => { out += String(d); });
        child.stderr.on('data', (d: Buffer) => { err += String(d); });
        child.on('error', reject);
        child.on('exit', (code, signal) => (code === 0 ? resolve(out.trim()) : signal ? resolve(signal) : reject(new Error(`writer ${writer} exited with ${code}: ${err}`))));
    });
}

/** An error as file systems give them. */
function fsError(code: string): NodeJS.ErrnoException {
    return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('history store: writers at once', () => {
    it('separate processes saving at the same time lose no run: all N×M are kept', async () => {
        const file = join(folder(), 'retail.history.sqlite');
        const writers = 4;
        const runs = 35;
        const outputs = await Promise.all(Array.from({ length: writers }, (_, w) => runWriter(file, w + 1, runs)));
        expect(outputs).toEqual(Array(writers).fill(`saved ${runs}`));
        const store = await HistoryStore.open(file);
        expect(store.trend('Shared')).toHaveLength(writers * runs);
        for (let w = 1; w <= writers; w++) expect(store.trend(`Writer${w}`)).toHaveLength(runs);
        // Each refresh's entered and left members follow the one saved before it, whoever saved it.
        expect(store.latestChanges('Shared').entered).toHaveLength(1);
        store.close();
        expect(readdirSync(join(file, '..')).sort()).toEqual(['retail.history.sqlite', 'retail.history.sqlite.journal']);
    }, 120_000);

    it('two stores of one file in one process merge what each recorded', async () => {
        const file = join(folder(), 'h.history.sqlite');
        const a = await HistoryStore.open(file);
        const b = await HistoryStore.open(file);
        a.record('S', '2027-02-10 00:00:00', [1, 2]);
        b.record('S', '2027-02-11 00:00:00', [2, 3]);
        await Promise.all([a.save(), b.save()]);
        const merged = await HistoryStore.open(file);
        expect(merged.trend('S').map(p => p.count)).toEqual([2, 2]);
        expect(merged.change('S')).toBe(0);
        [a, b, merged].forEach(s => s.close());
    });

    it('two refreshers recording the same run (same refresh state, same members) at once record it once; a different run is kept', async () => {
        const file = join(folder(), 'h.history.sqlite');
        const state = { fingerprint: 'f1', tables: { purchases: '[1]' } };
        const a = await HistoryStore.open(file);
        const b = await HistoryStore.open(file);
        a.record('S', '2027-02-11 00:00:00', [1, 2], undefined, state);
        b.record('S', '2027-02-11 00:00:00', [1, 2], undefined, state);
        b.record('T', '2027-02-11 00:00:00', [5], undefined, state);
        await a.save();
        await b.save();
        let merged = await HistoryStore.open(file);
        expect([merged.runs('S').length, merged.runs('T').length]).toEqual([1, 1]);
        expect(merged.refreshState('S')).toEqual(state);
        merged.close();
        // The same members under another state (the data changed, the members did not) is a run of its own.
        const c = await HistoryStore.open(file);
        c.record('S', '2027-02-11 00:00:00', [1, 2], undefined, { fingerprint: 'f1', tables: { purchases: '[2]' } });
        await c.save();
        merged = await HistoryStore.open(file);
        expect(merged.runs('S').map(r => [r.count, r.entered, r.left])).toEqual([[2, undefined, undefined], [2, 0, 0]]);
        [a, b, c, merged].forEach(s => s.close());
    });

    it('a lock left by a writer that is gone is broken; a live one is waited for, then a clear message', async () => {
        const dir = folder();
        const file = join(dir, 'h.history.sqlite');
        // The pid of a process that has exited.
        const gone = await new Promise<number>(resolve => {
            const child = spawn(process.execPath, ['-e', '0']);
            child.on('exit', () => resolve(child.pid!));
        });
        writeFileSync(`${file}.lock`, JSON.stringify({ pid: gone, host: (await import('node:os')).hostname(), at: '2027-02-11T00:00:00Z', token: 'dead' }));
        const store = await HistoryStore.open(file);
        store.record('S', '2027-02-11 00:00:00', [1]);
        await store.save();
        expect(existsSync(`${file}.lock`)).toBe(false);
        writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), at: '2027-02-11T00:00:00Z', token: 'alive' }));
        const waiting = await HistoryStore.open(file, { lockTimeoutMs: 300 });
        waiting.record('S', '2027-02-12 00:00:00', [1, 2]);
        const error = await waiting.save().then(() => undefined, (e: Error) => e);
        expect(error).toBeInstanceOf(HistoryLockTimeout);
        expect(error?.message).toMatch(new RegExp(`^The history could not be saved to .*h\\.history\\.sqlite: another writer \\(process ${process.pid} on .*\\) has held its lock for more than 0 s, so these runs were not written; they are saved at the next refresh; the previous history is kept\\.$`));
        expect(waiting.unsaved).toBe(1);
        [store, waiting].forEach(s => s.close());
    });
});

describe('history store: failed writes', () => {
    it('a full disk leaves the previous store intact, cuts off the half-written journal record and says so in one sentence; the runs are saved later', async () => {
        const dir = folder();
        const file = join(dir, 'h.history.sqlite');
        const first = await HistoryStore.open(file);
        first.record('S', '2027-02-11 00:00:00', [1, 2, 3]);
        await first.save();
        first.close();
        const before = readFileSync(file);
        const journalBefore = readFileSync(journalFile(file));
        let written = 0;
        const full: HistoryFileSystem = {
            ...nodeHistoryFileSystem,
            async append(path, bytes) {
                // Half the bytes reach the disk, then it is full.
                appendFileSync(path, bytes.subarray(0, bytes.length >> 1));
                written = bytes.length >> 1;
                throw fsError('ENOSPC');
            }
        };
        const store = await HistoryStore.open(file, { fs: full });
        store.record('S', '2027-02-12 00:00:00', [2, 3, 4]);
        const error = await store.save().then(() => undefined, (e: Error) => e);
        expect(error).toBeInstanceOf(HistoryWriteError);
        expect(error?.message).toBe(`The history could not be saved to ${file}: the disk is full (ENOSPC); the previous history is kept.`);
        expect(written).toBeGreaterThan(0);
        expect(readFileSync(file).equals(before)).toBe(true);
        expect(readFileSync(journalFile(file)).equals(journalBefore)).toBe(true);
        expect(readdirSync(dir).sort()).toEqual(['h.history.sqlite', 'h.history.sqlite.journal']);
        expect(store.unsaved).toBe(1);
        store.close();
        const retry = await HistoryStore.open(file);
        retry.record('S', '2027-02-12 00:00:00', [2, 3, 4]);
        await retry.save();
        retry.close();
        const after = await HistoryStore.open(file);
        expect(after.trend('S').map(p => p.count)).toEqual([3, 3]);
        expect(after.latestChanges('S')).toMatchObject({ entered: [4], left: [1] });
        after.close();
    });

    it('a full disk when a new store is first written leaves no file and no temporary file', async () => {
        const dir = folder();
        const file = join(dir, 'h.history.sqlite');
        const full: HistoryFileSystem = {
            ...nodeHistoryFileSystem,
            async writeNew(path, bytes) {
                writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
                throw fsError('ENOSPC');
            }
        };
        const store = await HistoryStore.open(file, { fs: full });
        store.record('S', '2027-02-11 00:00:00', [1]);
        await expect(store.save()).rejects.toThrow(`The history could not be saved to ${file}: the disk is full (ENOSPC); the previous history is kept.`);
        expect(readdirSync(dir)).toEqual([]);
        store.close();
    });

    it('permission denied on the rename: the temporary file is deleted and the message names the cause', async () => {
        const dir = folder();
        const file = join(dir, 'h.history.sqlite');
        const denied: HistoryFileSystem = { ...nodeHistoryFileSystem, rename: async () => { throw fsError('EACCES'); } };
        const store = await HistoryStore.open(file, { fs: denied });
        store.record('S', '2027-02-11 00:00:00', [1]);
        await expect(store.save()).rejects.toThrow(`The history could not be saved to ${file}: permission denied (EACCES); the previous history is kept.`);
        expect(readdirSync(dir)).toEqual([]);
        store.close();
    });

    it('a writer killed while appending leaves its lock and half a journal record: readers ignore it, the next save breaks the lock, cuts it off and keeps every run', async () => {
        const dir = folder();
        const file = join(dir, 'h.history.sqlite');
        expect(await runWriter(file, 1, 3)).toBe('saved 3');
        const before = readFileSync(file);
        const journalBefore = readFileSync(journalFile(file)).length;
        expect(await runWriter(file, 2, 1, true)).toBe('SIGKILL');
        expect(readdirSync(dir).sort()).toEqual(['h.history.sqlite', 'h.history.sqlite.journal', 'h.history.sqlite.lock']);
        expect(readFileSync(file).equals(before)).toBe(true);
        expect(readFileSync(journalFile(file)).length).toBeGreaterThan(journalBefore);
        const reader = await HistoryStore.open(file);
        expect(reader.trend('Shared')).toHaveLength(3);
        expect(reader.trend('Writer2')).toEqual([]);
        reader.close();
        const store = await HistoryStore.open(file);
        store.record('Shared', '2027-02-12 00:00:00', [7]);
        await store.save();
        store.close();
        expect(readdirSync(dir).sort()).toEqual(['h.history.sqlite', 'h.history.sqlite.journal']);
        const after = await HistoryStore.open(file);
        expect(after.trend('Shared')).toHaveLength(4);
        expect(after.trend('Writer1')).toHaveLength(3);
        expect(after.latestChanges('Shared')).toMatchObject({ entered: [7], left: [1002] });
        after.close();
    }, 60_000);

    it('a writer killed while writing a new store leaves half a temporary file: the next save deletes it and keeps every run', async () => {
        const dir = folder();
        const file = join(dir, 'h.history.sqlite');
        expect(await runWriter(file, 2, 1, true)).toBe('SIGKILL');
        expect(readdirSync(dir).sort()).toEqual([expect.stringMatching(/^\.h\.history\.sqlite\.\d+\.[0-9a-f]+\.tmp$/), 'h.history.sqlite.lock']);
        expect(await runWriter(file, 1, 3)).toBe('saved 3');
        expect(readdirSync(dir).sort()).toEqual(['h.history.sqlite', 'h.history.sqlite.journal']);
        const after = await HistoryStore.open(file);
        expect(after.trend('Writer1')).toHaveLength(3);
        after.close();
    }, 60_000);

    it('temporary files orphaned by a writer that was killed are deleted by the next save', async () => {
        const dir = folder();
        const file = join(dir, 'h.history.sqlite');
        const orphans = ['.h.history.sqlite.4242.0a1b2c3d4e5f.tmp', '.h.history.sqlite.77.ffffffffffff.tmp'];
        for (const o of orphans) writeFileSync(join(dir, o), 'half a store');
        writeFileSync(join(dir, 'other.txt'), 'not ours');
        const store = await HistoryStore.open(file);
        store.record('S', '2027-02-11 00:00:00', [1]);
        await store.save();
        store.close();
        expect(readdirSync(dir).sort()).toEqual(['h.history.sqlite', 'h.history.sqlite.journal', 'other.txt']);
    });
});

describe('history location', () => {
    it('beside the database; in the extension\'s storage when the database folder cannot be written, saying where', async () => {
        const dir = folder();
        const storage = folder();
        const database = join(dir, 'retail.sqlite');
        expect(await historyLocation(database, { storageFolder: storage })).toEqual({ file: join(dir, 'retail.history.sqlite') });
        const moved = await historyLocation(database, { storageFolder: storage }, async () => false);
        expect(moved?.file).toMatch(new RegExp(`^${storage}/history/retail-[0-9a-f]{12}\\.history\\.sqlite$`));
        expect(moved?.note).toBe(`The folder of retail.sqlite cannot be written, so the history is kept in the extension's storage: ${moved?.file}.`);
        expect(existsSync(join(storage, 'history'))).toBe(true);
        expect(await historyLocation(database, { historyFile: '/x/h.sqlite', storageFolder: storage }, async () => false)).toEqual({ file: '/x/h.sqlite' });
    });

    it('the dashboard still shows every count when the history cannot be written, and says why', async () => {
        const root = copySample();
        const blocked = join(folder(), 'missing-folder', 'h.history.sqlite');
        const evaluator = new InProcessEvaluator(root, undefined, undefined, { historyFile: blocked });
        try {
            const dashboard = await evaluator.request({ op: 'dashboard', record: true });
            expect(dashboard.rows.find(r => r.name === 'HighBalance')).toMatchObject({ count: 173 });
            expect(dashboard.history?.file).toBe(blocked);
            expect(dashboard.history?.note).toMatch(/^The history could not be saved to .*h\.history\.sqlite: its folder does not exist \(ENOENT\); the previous history is kept\.$/);
            mkdirSync(join(blocked, '..'));
            const saved = await evaluator.request({ op: 'dashboard', record: true });
            expect(saved.history).toEqual({ file: blocked });
        } finally {
            await evaluator.session.close();
        }
    });
});
