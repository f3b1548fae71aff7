/**
 * The benchmark data: the retail generator at three sizes, written once into a cache folder
 * outside the repository with better-sqlite3 (generation time is not the benchmark).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { generateRetail, SAMPLE_SIZE, type RetailSize } from '../samples/retail/generate.js';
import { tableDdl } from '../samples/retail/write-sqlite.js';
import { openNativeWritable } from './native.js';

export type SizeName = 'small' | 'medium' | 'large';

export const SIZES: Readonly<Record<SizeName, RetailSize>> = {
    small: SAMPLE_SIZE,
    medium: { customers: 200_000, products: 2_000, purchases: 2_000_000, interactions: 2_000_000 },
    large: { customers: 1_000_000, products: 5_000, purchases: 10_000_000, interactions: 5_000_000 }
};

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
    const started = performance.now();
    const temporary = `${file}.tmp-${process.pid}`;
    rmSync(temporary, { force: true });
    const db = await openNativeWritable(temporary);
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
    renameSync(temporary, file);
    log(`generated ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return file;
}

// `tsx bench/datasets.ts medium large` generates the files ahead of a run.
if (/datasets\.ts$/.test(process.argv[1] ?? '')) {
    for (const size of process.argv.slice(2) as SizeName[]) await dataset(size, line => console.log(line));
}
