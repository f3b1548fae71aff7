import type { JoinNode } from '../ir.js';
import type { SchemaAttribute, SchemaEntity } from '../schema.js';
import type { StorageFacts } from '../storage.js';
import { entitySource, existsAt, type SourceContext } from './relations.js';
import type { Dialect } from './dialect.js';

/**
 * Relative costs of the two shapes of "the audience record has a related record that passes"
 * on SQLite, per row, in units of one related row read in table order: a row read through the
 * index on the link column (a random lookup), and a related record the scan finds (its link
 * added to the list the audience is probed against). Measured at medium, CPU, in turns
 * (bench/RESULTS.md, "Choosing the semi-join's shape"). Native SQLite: 2 M purchases scanned in
 * 140 ms, 430 k of them listed in 340 ms more, 200 k purchases read through
 * `purchases(customer_id)` in 650 ms. sql.js reads a table in order more slowly (220 ms) and
 * through an index relatively faster (520 ms), so the crossover is at twice the audience.
 */
export interface RowCosts {
    readonly indexedRow: number;
    readonly listedMatch: number;
}

export const NATIVE_SQLITE_COSTS: RowCosts = { indexedRow: 46, listedMatch: 11 };
export const SQLJS_COSTS: RowCosts = { indexedRow: 23, listedMatch: 9 };

/** Rows of the related table looked at to estimate how many pass its conditions. */
const SAMPLE_ROWS = 4096;

/**
 * Whether a correlated `EXISTS` through the index on the link is cheaper than one scan of the
 * related table listing the links of the records that pass: `audience` records pass their own
 * conditions (of `audienceTable`), the related table holds `related` records of which
 * `matches` pass. The `EXISTS` reads each audience record's related records until one passes
 * (about `related / matches` of them, at most all `related / audienceTable`); the scan reads
 * every related record once and lists each one that passes.
 */
export function existsCheaper(f: { readonly audience: number; readonly audienceTable: number; readonly related: number; readonly matches: number }, costs: RowCosts = NATIVE_SQLITE_COSTS): boolean {
    const fanout = f.related / Math.max(f.audienceTable, 1);
    const reads = f.matches <= 0 ? fanout : Math.min(fanout, f.related / f.matches);
    return f.audience * reads * costs.indexedRow < f.related + f.matches * costs.listedMatch;
}

/** The semi-join of a group's audience record with one of its related records, as `group-sql.ts` writes it. */
export interface SemiJoinFacts {
    readonly audience: SchemaEntity;
    /** The audience record's alias in the query, and its own conditions (plain columns only). */
    readonly audienceAlias: string;
    readonly audienceConditions: readonly string[];
    /** The related record, its column the link reads (as stored: no reading of other forms), and the subquery's conditions. */
    readonly related: JoinNode;
    readonly linkColumn: SchemaAttribute;
    readonly relatedConditions: readonly string[];
}

/**
 * Whether the semi-join is best a correlated `EXISTS` (`Dialect.rowProbes`), from figures the
 * engine measured on this copy (`StorageFacts.quantity`): whether an index starts with the link
 * column, the sizes of both tables, how many audience records pass their own conditions, and an
 * estimate of how many related records pass theirs (a sample of rows spread over the table).
 * False until every figure is known, and where the dialect has no probes: the scan's cost is
 * bounded by one pass over the related table, the `EXISTS`'s is not. The costs per row are the
 * engine's (`StorageFacts.rowCosts`: sql.js and native SQLite share the dialect, not the costs).
 */
export function chooseExists(s: SemiJoinFacts, dialect: Dialect, ctx: SourceContext & { readonly storage?: StorageFacts }): boolean {
    const probes = dialect.rowProbes;
    const facts = ctx.storage;
    if (!probes || !facts || s.related.measures.length > 0) return false;
    const q = dialect.quoteIdentifier;
    const table = s.related.entity.table;
    const indexed = facts.quantity(probes.indexLeading(table, s.linkColumn.column));
    const audienceTable = facts.quantity(`SELECT count(*) FROM ${q(s.audience.table)}`);
    const related = facts.quantity(`SELECT count(*) FROM ${q(table)}`);
    const last = facts.quantity(probes.lastRow(table));
    const audience = s.audienceConditions.length === 0 ? audienceTable
        : facts.quantity(`SELECT count(*) FROM ${entitySource(s.audience, s.audienceAlias, dialect, ctx)} WHERE ${s.audienceConditions.join(' AND ')}`);
    if (indexed === undefined || indexed <= 0 || audienceTable === undefined || related === undefined || last === undefined || audience === undefined) return false;
    const bounds = { audience, audienceTable, related };
    const costs = facts.rowCosts ?? NATIVE_SQLITE_COSTS;
    // The cost of the `EXISTS` falls as more related records pass: decided without the sample
    // when it wins with none passing or loses with all passing.
    if (existsCheaper({ ...bounds, matches: 0 }, costs)) return true;
    if (!existsCheaper({ ...bounds, matches: related }, costs)) return false;
    const alias = s.related.alias;
    const step = Math.max(1, Math.floor(last / SAMPLE_ROWS));
    const exists = existsAt(s.related.entity, alias, dialect, ctx);
    const sampled = [probes.everyNth(alias, step, last), ...(exists !== undefined ? [exists] : [])];
    const passes = s.relatedConditions.length === 0 ? '1 = 1' : s.relatedConditions.join(' AND ');
    const share = facts.quantity(`SELECT CAST(SUM(CASE WHEN ${passes} THEN 1 ELSE 0 END) AS REAL) / COUNT(*) FROM ${q(table)} AS ${alias} WHERE ${sampled.join(' AND ')}`);
    return share !== undefined && existsCheaper({ ...bounds, matches: share * related }, costs);
}
