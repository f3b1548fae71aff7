/**
 * The baseline of `editor.bench.ts` in a process of its own: a segment's compiled SQL run on
 * sql.js over the same database, timed here. Apart from the evaluator's process, so that its
 * copy of the data and the memory its queries take are not counted as the editor's.
 *
 * Started by `editor.bench.ts` (`fork`, the database's path as argument); asked `{ sql }`,
 * answers `{ ms, rows }`.
 */
import { SqlJsEngine } from '../engine/sqljs-engine.js';

const file = process.argv[2];
if (!file || !process.send) throw new Error('started by editor.bench.ts, with the database as argument');
const engine = await SqlJsEngine.open(file);
process.on('message', async (message: { readonly sql: string }) => {
    const started = performance.now();
    const rows = await engine.query(message.sql);
    process.send!({ ms: performance.now() - started, rows: rows.length });
});
process.on('disconnect', () => { void engine.close().then(() => process.exit(0)); });
process.send({ ready: true });
