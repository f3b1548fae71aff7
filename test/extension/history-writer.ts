// One writer of a shared history store, as a separate process: records and saves `runs` runs
// of its own segment and of a segment every writer shares, one save per run.
import { HistoryStore } from '../../extension/src/evaluator/history-store.js';

const [file, writer, runs] = process.argv.slice(2);
for (let i = 0; i < Number(runs); i++) {
    const store = await HistoryStore.open(file);
    store.record(`Writer${writer}`, `2027-02-11 00:00:${String(i % 60).padStart(2, '0')}`, [Number(writer), 1000 + i]);
    store.record('Shared', `2027-02-11 00:00:${String(i % 60).padStart(2, '0')}`, [Number(writer) * 1000 + i]);
    await store.save();
    store.close();
}
process.stdout.write(`saved ${runs}\n`);
