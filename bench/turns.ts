/**
 * Queries timed in turns in one process (the machine may be shared: turns spread any burst of
 * load over all of them), shared by bench/journey-shapes.ts and bench/segment-shapes.ts.
 */

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A query's member keys, distinct and in order, as one comparable string. */
export const keysOf = (rows: unknown[][]): string => JSON.stringify([...new Set(rows.map(r => Number(r[0])))].sort((a, b) => a - b));

export interface Turns {
    /** Per query, the wall-clock and CPU milliseconds of each counted turn. */
    readonly wall: number[][];
    readonly cpu: number[][];
    /** Per query, its keys (`keysOf`) in the last turn. */
    readonly keys: string[];
}

/** Runs every query once per turn, in order, `turns` times after a first turn that warms caches up and is not counted. */
export async function timeInTurns(engine: { query(sql: string): Promise<unknown[][]> }, queries: readonly (readonly [string, string])[], turns: number): Promise<Turns> {
    const wall = queries.map(() => [] as number[]);
    const cpu = queries.map(() => [] as number[]);
    const keys: string[] = [];
    for (let turn = 0; turn <= turns; turn++) {
        for (const [i, [, sql]] of queries.entries()) {
            const c0 = process.cpuUsage();
            const t0 = performance.now();
            const rows = await engine.query(sql);
            const ms = performance.now() - t0;
            const c = process.cpuUsage(c0);
            keys[i] = keysOf(rows);
            if (turn === 0) continue;
            wall[i].push(ms);
            cpu[i].push((c.user + c.system) / 1000);
        }
    }
    return { wall, cpu, keys };
}
