/**
 * The benchmark data: the retail generator at three sizes, written once into a cache folder
 * outside the repository with better-sqlite3 (generation time is not the benchmark).
 */
import { existsSync, mkdirSync, renameSync, rmSync, statfsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { generateRetail, SAMPLE_SIZE, type RetailSize } from '../samples/retail/generate.js';
import { tableDdl } from '../samples/retail/write-sqlite.js';
import { openNativeWritable } from './native.js';

export type SizeName = 'small' | 'medium' | 'large' | 'huge';

export const SIZES: Readonly<Record<SizeName, RetailSize>> = {
    small: SAMPLE_SIZE,
    medium: { customers: 200_000, products: 2_000, purchases: 2_000_000, interactions: 2_000_000 },
    large: { customers: 1_000_000, products: 5_000, purchases: 10_000_000, interactions: 5_000_000 },
    // About 5 GB, beyond what sql.js can read (2 GiB), for the DuckDB case: the medium data
    // HUGE_REPLICAS times with disjoint keys (`replicate`), written in SQLite's own speed.
    huge: { customers: 3_400_000, products: 2_000, purchases: 34_000_000, interactions: 36_800_000 }
};

/** How many copies of the medium data the huge size holds: each per-customer count is this many times medium's. */
export const HUGE_REPLICAS = 17;
/** Added to the customer, purchase and interaction keys of each further copy. */
const REPLICA_KEY_STEP = 100_000_000;

/** About how many bytes a size's SQLite file takes (72 bytes a row at medium), to check the free space first. */
export function expectedBytes(size: SizeName): number {
    const s = SIZES[size];
    return (s.customers + s.products + s.purchases + s.interactions) * 72;
}

export const SEED = 42;

/**
 * Bumped when the generator adds rows (2: web cart interactions), so a cached file of an older
 * generator is not taken for this one. Existing rows never change between versions.
 */
export const DATA_VERSION = 2;

export function cacheDir(): string {
    return process.env.SEGMENTS_BENCH_CACHE ?? join(homedir(), '.cache', 'segments-bench');
}

/** The SQLite file for a size, generated on first use. */
export async function dataset(size: SizeName, log: (line: string) => void = () => {}): Promise<string> {
    const dir = cacheDir();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `retail-${size}-seed${SEED}-v${DATA_VERSION}.sqlite`);
    if (existsSync(file)) return file;
    // The file, its journal-free writing and a DuckDB copy beside it: refuse early rather than fill the disk.
    const free = (({ bavail, bsize }) => bavail * bsize)(statfsSync(dir));
    if (free < expectedBytes(size) * 2.5) {
        throw new Error(`${dir} has ${(free / 2 ** 30).toFixed(1)} GiB free; the ${size} data set needs about ${((expectedBytes(size) * 2.5) / 2 ** 30).toFixed(1)} GiB (the file and a DuckDB copy): set SEGMENTS_BENCH_CACHE to a folder on a bigger disk`);
    }
    const started = performance.now();
    const temporary = `${file}.tmp-${process.pid}`;
    rmSync(temporary, { force: true });
    if (size === 'huge') await replicate(await dataset('medium', log), temporary, HUGE_REPLICAS, log);
    else await generate(size, temporary, log);
    renameSync(temporary, file);
    log(`generated ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return file;
}

async function generate(size: SizeName, file: string, log: (line: string) => void): Promise<void> {
    const db = await openNativeWritable(file);
    try {
        db.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -200000');
        const tables = generateRetail(SIZES[size], SEED);
        const indexes: string[] = [];
        db.exec('BEGIN');
        for (const table of tables) {
            const [create, ...rest] = tableDdl(table);
            db.exec(create);
            indexes.push(...rest);
            const insert = db.prepare(`INSERT INTO "${table.name}" VALUES (${table.columns.map(() => '?').join(', ')})`);
            let n = 0;
            for (const row of table.rows) {
                insert.run(...row.map(v => (typeof v === 'boolean' ? (v ? 1 : 0) : v ?? null)));
                if (++n % 1_000_000 === 0) log(`  ${table.name}: ${n} rows`);
            }
        }
        for (const statement of indexes) db.exec(statement);
        db.exec('COMMIT');
        db.exec('ANALYZE');
    } finally {
        db.close();
    }
}

/**
 * A bigger file made of copies of a smaller one: the same products, and each copy's customers,
 * purchases and interactions with their keys (and the keys they refer to) moved by
 * REPLICA_KEY_STEP, inserted by SQLite from the attached source.
 */
async function replicate(source: string, file: string, copies: number, log: (line: string) => void): Promise<void> {
    const db = await openNativeWritable(file);
    try {
        db.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -200000');
        db.prepare('ATTACH DATABASE ? AS source').run(source);
        const schema = db.prepare("SELECT type, name, sql FROM source.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index'").all() as { type: string; name: string; sql: string }[];
        db.exec('BEGIN');
        for (const entry of schema.filter(e => e.type === 'table')) {
            db.exec(entry.sql);
            const columns = (db.prepare(`SELECT name FROM pragma_table_info(?, 'source')`).pluck().all(entry.name) as string[]);
            const moved = (offset: number): string => columns.map(c => (['customer_id', 'purchase_id', 'interaction_id'].includes(c) ? `"${c}" + ${offset}` : `"${c}"`)).join(', ');
            const times = entry.name === 'products' ? 1 : copies;
            for (let k = 0; k < times; k++) {
                db.exec(`INSERT INTO main."${entry.name}" SELECT ${moved(k * REPLICA_KEY_STEP)} FROM source."${entry.name}" ORDER BY rowid`);
            }
            log(`  ${entry.name}: ${times} copies`);
        }
        for (const entry of schema.filter(e => e.type === 'index')) db.exec(entry.sql);
        db.exec('COMMIT');
        db.exec('DETACH DATABASE source');
        db.exec('PRAGMA analysis_limit = 1000; ANALYZE');
    } finally {
        db.close();
    }
}

// `tsx bench/datasets.ts medium large` generates the files ahead of a run.
if (/datasets\.ts$/.test(process.argv[1] ?? '')) {
    for (const size of process.argv.slice(2) as SizeName[]) await dataset(size, line => console.log(line));
}
