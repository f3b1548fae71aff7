/**
 * Where to draw `sample P% seed S` (reference, 6.6): in SQL, or by fetching the keys and hashing
 * them in TypeScript (what engine/steps.ts does). Times both, at medium (200,000 customers), for
 * `sample 10% seed "valentines-2027"` over every customer, and checks that they keep the same keys.
 *
 *   npx tsx bench/sample-hash.ts [sqljs,native,duckdb,postgres]
 *
 * The SQL forms are the cheapest found: the seed's part of the hash computed once (the query
 * continues it from that state), then a recursive query with one row per byte of each key:
 * SQLite has neither XOR (`(h | b) - (h & b)`) nor byte access (`hex()` and `instr()`),
 * PostgreSQL has `#` and `get_byte()`, DuckDB `xor()` and `list_reduce` over the key's bytes
 * (from `hex(encode(...))`). Only number keys are written as text here (`CAST(key AS TEXT)`,
 * right for integers); the runner's `keyText` also writes non-integers and 64-bit keys exactly.
 */
import { fnv1a32Text, sampleFilter } from '../compiler/sample.js';
import { distinctKeys } from '../engine/runner.js';
import type { SqlEngine } from '../engine/engine.js';
import { dataset } from './datasets.js';
import { openEngine, type EngineName } from './engines.js';

const SEED = 'valentines-2027';
const HUNDREDTHS = 1000;
const PREFIX = fnv1a32Text(`${SEED}/`);
const TURNS = 5;

const SQL: Readonly<Record<EngineName, string>> = {
    sqljs: sqliteSql(),
    native: sqliteSql(),
    postgres: `WITH RECURSIVE k AS (SELECT customer_id AS key, convert_to(CAST(customer_id AS TEXT), 'UTF8') AS b FROM customers),
f AS (SELECT key, b, 0 AS i, CAST(${PREFIX} AS BIGINT) AS h FROM k
  UNION ALL SELECT key, b, i + 1, ((h # get_byte(b, i)) * 16777619) % 4294967296 FROM f WHERE i < length(b))
SELECT key FROM f WHERE i = length(b) AND h % 10000 < ${HUNDREDTHS}`,
    duckdb: `SELECT customer_id FROM (SELECT customer_id, hex(encode(CAST(customer_id AS VARCHAR))) AS x FROM customers)
WHERE list_reduce(list_prepend(CAST(${PREFIX} AS UBIGINT), list_transform(range(0, length(x) // 2), i -> CAST(CAST('0x' || substr(x, 2 * i + 1, 2) AS INTEGER) AS UBIGINT))),
  (h, b) -> (xor(h, b) * 16777619) % 4294967296) % 10000 < ${HUNDREDTHS}`
};

function sqliteSql(): string {
    const byte = (i: string): string => `((instr('0123456789ABCDEF', substr(hex, ${i}, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(hex, ${i} + 1, 1)) - 1)`;
    return `WITH RECURSIVE k(key, hex) AS (SELECT customer_id, hex(CAST(customer_id AS TEXT)) FROM customers),
f(key, hex, i, h) AS (SELECT key, hex, 1, ${PREFIX} FROM k
  UNION ALL SELECT key, hex, i + 2, (((h | ${byte('i')}) - (h & ${byte('i')})) * 16777619) % 4294967296 FROM f WHERE i < length(hex))
SELECT key FROM f WHERE i > length(hex) AND h % 10000 < ${HUNDREDTHS}`;
}

async function median(work: () => Promise<unknown>): Promise<{ ms: number; last: unknown }> {
    let last = await work();
    const times: number[] = [];
    for (let i = 0; i < TURNS; i++) {
        const t = performance.now();
        last = await work();
        times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { ms: Math.round(times[Math.floor(times.length / 2)]), last };
}

async function measure(engine: SqlEngine): Promise<string> {
    const keep = sampleFilter(SEED, HUNDREDTHS);
    const inEngine = await median(async () => distinctKeys((await engine.query(SQL[engine.name as EngineName] ?? SQL.native)).map(r => r[0]), 'number'));
    const fetched = await median(async () => distinctKeys((await engine.query('SELECT customer_id FROM customers')).map(r => r[0]), 'number'));
    const hashed = await median(async () => distinctKeys((await engine.query('SELECT customer_id FROM customers')).map(r => r[0]), 'number').filter(keep));
    const same = JSON.stringify(inEngine.last) === JSON.stringify(hashed.last);
    return `${engine.name}: FNV-1a in SQL ${inEngine.ms} ms; fetch the keys ${fetched.ms} ms, and hash them in TypeScript ${hashed.ms} ms; `
        + `${(hashed.last as unknown[]).length} members kept, ${same ? 'the same keys' : 'DIFFERENT KEYS'}`;
}

async function main(): Promise<void> {
    const engines = (process.argv[2] ?? 'sqljs,native,duckdb,postgres').split(',') as EngineName[];
    const file = await dataset('medium');
    for (const name of engines) {
        if (name === 'postgres' && !process.env.SEGMENTS_PG_URL) continue;
        const { engine } = await openEngine(name, file, 'medium');
        try {
            process.stdout.write(`${await measure(engine)}\n`);
        } finally {
            await engine.close();
        }
    }
}

main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
});
