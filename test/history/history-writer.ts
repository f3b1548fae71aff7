// One writer of a shared history store, as a separate process: records and saves `runs` runs
// of its own segment and of a segment every writer shares, one save per run. With `--killed`,
// the process is killed in the middle of its first save, after writing half its journal record
// (or, for a new store, half its temporary file), holding the lock: what a crash or a kill -9
// leaves behind.
import { appendFileSync, writeFileSync } from 'node:fs';
import { HistoryStore, nodeHistoryFileSystem } from '../../history/history-store.js';

const [file, writer, runs, mode] = process.argv.slice(2);
const killed = mode === '--killed';
const fs = killed
    ? {
        ...nodeHistoryFileSystem,
        async writeNew(path: string, bytes: Uint8Array) { writeFileSync(path, bytes.subarray(0, bytes.length >> 1)); process.kill(process.pid, 'SIGKILL'); },
        async append(path: string, bytes: Uint8Array) { appendFileSync(path, bytes.subarray(0, bytes.length >> 1)); process.kill(process.pid, 'SIGKILL'); }
    }
    : nodeHistoryFileSystem;
for (let i = 0; i < Number(runs); i++) {
    const store = await HistoryStore.open(file, { fs });
    store.record(`Writer${writer}`, `2027-02-11 00:00:${String(i % 60).padStart(2, '0')}`, [Number(writer), 1000 + i]);
    store.record('Shared', `2027-02-11 00:00:${String(i % 60).padStart(2, '0')}`, [Number(writer) * 1000 + i]);
    await store.save();
    store.close();
}
process.stdout.write(`saved ${runs}\n`);
