import { assertUnreachable, type AggregateRef, type Condition, type JoinNode, type KeyValue, type MeasurePlan, type SegmentPlan } from '../compiler/ir.js';
import { measuresUsed, segmentReferences, walkCondition } from '../compiler/plan-walk.js';
import { sqliteDialect } from '../compiler/sql/sqlite-dialect.js';
import type { SqlEngine } from './engine.js';
import { fileStamp, isSqliteFile, sqlitePageVersions } from './sqlite-pages.js';
import type { SegmentRunner } from './runner.js';

/**
 * The tables a segment's members depend on: dynamic, every table it joins, aggregates or measures;
 * static, its audience; compound, its parts'; and those of the segments it names with `in segment`.
 * `memo` keeps each segment's tables for the calls that share it: compound segments reuse parts, and
 * reading each reference afresh is exponential in the depth.
 */
export function tablesRead(name: string, plans: ReadonlyMap<string, SegmentPlan>, seen: ReadonlySet<string> = new Set(), memo: Map<string, ReadonlySet<string>> = new Map()): Set<string> {
    const known = memo.get(name);
    if (known) return new Set(known);
    const plan = plans.get(name);
    const tables = new Set<string>();
    if (!plan || seen.has(name)) return tables;
    tables.add(plan.audience.table);
    switch (plan.kind) {
        case 'static':
            break;
        case 'dynamic':
            for (const g of plan.groups) {
                treeTables(g.root, tables);
                if (g.node === 'group') conditionTables(g.condition, tables);
                else {
                    for (const step of g.steps) {
                        step.path.forEach(p => tables.add(p.entity.table));
                        treeTables(step.target, tables);
                        if (step.where) conditionTables(step.where, tables);
                    }
                }
            }
            break;
        case 'compound':
            break;
        default:
            assertUnreachable(plan);
    }
    for (const m of measuresUsed(plan)) measureTables(m, tables);
    for (const other of segmentReferences(plan)) for (const t of tablesRead(other, plans, new Set([...seen, name]), memo)) tables.add(t);
    memo.set(name, tables);
    return tables;
}

/** The tables a measure reads: its entity, its aggregate's path and records, and their `where`. */
export function measureTables(m: MeasurePlan, into: Set<string>): void {
    into.add(m.entity.table);
    aggregateTables(m.aggregate, into);
    if (m.aggregate.where) conditionTables(m.aggregate.where, into);
}

function treeTables(node: JoinNode, into: Set<string>): void {
    into.add(node.entity.table);
    node.children.forEach(c => treeTables(c, into));
}

/** The tables of the aggregates a condition reads (their `where` included). */
function conditionTables(c: Condition, into: Set<string>): void {
    walkCondition(c, { aggregate: a => aggregateTables(a, into) });
}

function aggregateTables(a: AggregateRef, into: Set<string>): void {
    a.path.forEach(p => into.add(p.entity.table));
    treeTables(a.target, into);
}

/** A version per table: equal versions mean unchanged data. */
export type TableVersions = ReadonlyMap<string, string>;

/**
 * SQLite table versions: row count, largest rowid and a cheap checksum of every column (sum of
 * value lengths weighted by rowid, and of numeric values), in one scan per table.
 */
export async function sqliteTableVersions(engine: SqlEngine, tables: Iterable<string>): Promise<TableVersions> {
    const q = sqliteDialect.quoteIdentifier;
    const versions = new Map<string, string>();
    for (const table of tables) {
        const columns = (await engine.query(`SELECT name FROM pragma_table_info(${sqliteDialect.stringLiteral(table)})`)).map(r => q(String(r[0])));
        const sums = columns.map(c => `total(length(quote(${c})) * (rowid % 997 + 1)), total(CASE WHEN typeof(${c}) IN ('integer', 'real') THEN ${c} ELSE unicode(${c}) END)`);
        const [row] = await engine.query(`SELECT count(*), max(rowid)${sums.length ? `, ${sums.join(', ')}` : ''} FROM ${q(table)}`);
        versions.set(table, JSON.stringify(row ?? []));
    }
    return versions;
}

/**
 * Table versions on any engine: SQLite as above; DuckDB and PostgreSQL by row count and the sum
 * of a hash of each whole row (`hash(t)`, `hashtext(t::text)`), one scan per table. Equal
 * versions mean unchanged data but for a collision of the sums.
 */
export async function tableVersions(engine: SqlEngine, tables: Iterable<string>): Promise<TableVersions> {
    if (engine.name === 'sqljs') return sqliteTableVersions(engine, tables);
    const q = engine.dialect.quoteIdentifier;
    const rowHash = engine.name === 'postgres' ? 'sum(hashtext(t::text)::numeric)::text' : 'CAST(sum(hash(t)) AS VARCHAR)';
    const versions = new Map<string, string>();
    for (const table of tables) {
        const [row] = await engine.query(`SELECT count(*), ${rowHash} FROM ${q(table)} AS t`);
        versions.set(table, JSON.stringify((row ?? []).map(v => (typeof v === 'bigint' ? v.toString() : v))));
    }
    return versions;
}

/** Table versions read from a database file, and the file's stamp they hold for (kept in the history store). */
export interface FileVersions {
    readonly stamp: string;
    readonly versions: Readonly<Record<string, string>>;
}

/**
 * Change detection on a SQLite file, cheapest first: when the file's stamp (size, times, inode,
 * change counter: `fileStamp`) equals the one `known` was read at, its versions hold and
 * nothing is read; else the versions are read from the file's pages (`sqlitePageVersions`:
 * row count, largest rowid and a hash of each table's pages). Undefined when `file` is not a
 * SQLite file (DuckDB on a folder of Parquet files): then `tableVersions` scans the engine.
 * Call it before an engine reads the file: a change in between makes the versions older than
 * the data evaluated, so the next refresh evaluates again (never the other way round).
 */
export async function fileTableVersions(file: string, tables: Iterable<string>, known?: FileVersions): Promise<{ versions: TableVersions; file: FileVersions; read: boolean } | undefined> {
    if (!(await isSqliteFile(file))) return undefined;
    const wanted = [...new Set(tables)].sort();
    if (known && (await fileStamp(file)) === known.stamp && wanted.every(t => t in known.versions)) {
        return { versions: new Map(wanted.map(t => [t, known.versions[t]])), file: known, read: false };
    }
    const { stamp, versions } = await sqlitePageVersions(file, wanted);
    return { versions, file: { stamp, versions: Object.fromEntries(versions) }, read: true };
}

export interface RefreshReport {
    /** Segments run against the database in this refresh (compound segments: combined again from their parts). */
    readonly evaluated: readonly string[];
    /** Segments whose tables had not changed: their previous members were kept. */
    readonly reused: readonly string[];
    readonly members: ReadonlyMap<string, readonly KeyValue[]>;
}

/**
 * Incremental refresh. Remembers each segment's members with the versions of the tables it
 * reads; a refresh re-evaluates only segments whose tables changed, and a compound segment
 * that must be recomputed combines its parts' results (unchanged parts reused, none run twice).
 */
export class Refresher {
    private readonly last = new Map<string, { versions: string; keys: readonly KeyValue[] }>();

    constructor(
        private readonly plans: ReadonlyMap<string, SegmentPlan>,
        private readonly versionsOf: (tables: Iterable<string>) => Promise<TableVersions>
    ) {}

    /** Refreshes `names` (default: every active segment) with a runner fresh for this refresh. */
    async refresh(runner: SegmentRunner, names?: readonly string[]): Promise<RefreshReport> {
        const targets = names ?? [...this.plans.values()].filter(p => p.active).map(p => p.name);
        const closure = new Set<string>();
        const add = (n: string): void => {
            const plan = this.plans.get(n);
            if (!plan || closure.has(n)) return;
            closure.add(n);
            if (plan.kind === 'compound') plan.parts.forEach(p => add(p.segment));
        };
        targets.forEach(add);
        const memo = new Map<string, ReadonlySet<string>>();
        const reads = new Map([...closure].map(n => [n, [...tablesRead(n, this.plans, new Set(), memo)].sort()]));
        const versions = await this.versionsOf(new Set([...reads.values()].flat()));
        const key = (n: string): string => JSON.stringify(reads.get(n)!.map(t => [t, versions.get(t) ?? null]));
        const reused: string[] = [];
        for (const n of closure) {
            const previous = this.last.get(n);
            if (previous && previous.versions === key(n)) {
                runner.seed(n, previous.keys);
                reused.push(n);
            }
        }
        const evaluated: string[] = [];
        const members = new Map<string, readonly KeyValue[]>();
        const depths = new Map<string, number>();
        const ordered = [...closure].sort((a, b) => depth(a, this.plans, new Set(), depths) - depth(b, this.plans, new Set(), depths));
        for (const n of ordered) {
            if (!reused.includes(n)) evaluated.push(n);
            const keys = await runner.keys(n);
            this.last.set(n, { versions: key(n), keys });
            if (targets.includes(n)) members.set(n, keys);
        }
        return { evaluated, reused, members };
    }
}

/** Parts before the compound segments made of them (`memo`: each segment's depth, computed once). */
function depth(name: string, plans: ReadonlyMap<string, SegmentPlan>, seen: ReadonlySet<string>, memo: Map<string, number>): number {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const plan = plans.get(name);
    if (!plan || plan.kind !== 'compound' || seen.has(name)) return 0;
    const inner = new Set([...seen, name]);
    const result = 1 + Math.max(...plan.parts.map(p => depth(p.segment, plans, inner, memo)));
    memo.set(name, result);
    return result;
}
