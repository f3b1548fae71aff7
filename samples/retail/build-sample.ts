/**
 * Builds `retail.sqlite` from SAMPLE_SIZE and seed 42.
 *
 *   npx tsx samples/retail/build-sample.ts [dir]
 *
 * prints the path and the row count of each table.
 */
import path from 'node:path';
import { generateRetail, SAMPLE_SIZE, type Table } from './generate.js';
import { writeSqliteFile, type WriteSqliteOptions } from './write-sqlite.js';

export const SAMPLE_SEED = 42;
export const SAMPLE_DATABASE = 'retail.sqlite';

/** Writes `retail.sqlite` into `dir` (default: `samples/retail` under the working directory); returns its path. */
export async function buildSample(dir = path.resolve('samples', 'retail'), options: WriteSqliteOptions = {}): Promise<string> {
  const file = path.resolve(dir, SAMPLE_DATABASE);
  await writeSqliteFile(generateRetail(SAMPLE_SIZE, SAMPLE_SEED), file, options);
  return file;
}

function countRows(table: Table): number {
  let count = 0;
  for (const _row of table.rows) count++;
  return count;
}

async function main(): Promise<void> {
  const file = await buildSample(process.argv[2]);
  console.log(file);
  for (const table of generateRetail(SAMPLE_SIZE, SAMPLE_SEED)) {
    console.log(`  ${table.name.padEnd(12)} ${countRows(table)} rows`);
  }
}

// Run as a script (tsx or node), not when imported or bundled into the command line.
const entry = process.argv[1] ?? '';
if (/build-sample\.(ts|js|mjs)$/.test(entry)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
