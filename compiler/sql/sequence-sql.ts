import type { SequencePlan, SequenceStep } from '../ir.js';
import { fnv1a32Text } from '../sample.js';
import type { SchemaEntity } from '../schema.js';
import type { TimeOffset } from '../time.js';
import { secondsIn, stepRows, wholeSecondsOf, type After } from './sequence-steps.js';
import { aliasOf, keyColumn, storageOf } from './relations.js';
import type { RenderContext } from './to-sql.js';

/**
 * A sequence (reference 6.3) as a condition on the audience record: its key among the profiles
 * with a chain of records r1, ..., rn, one per step, each strictly later than the one before
 * and, with `within`, at most that long after it; for a last `then no` step, a chain of the
 * steps before it with no record of the `no` step in its window.
 *
 * The shape, and why. Each step's records are read once, as rows `(p, t)`: the profile's key
 * `p` and the time `t` as the dialect reads it (a date at 00:00:00, fractions and offsets
 * counted). The chain is built step by step, set-based, each stage a named query computed once
 * (`stage`), and each step's records bounded by the stage before (later than its earliest
 * chain end, at most its latest window's end: `sequence-steps.ts`):
 *
 * - A step without `within` only needs the earliest chain end of the step before it (if any
 *   chain end lies before a record, the earliest does): the stage is one row per profile.
 * - A step with `within` needs every chain end before it, with the end of its window `u`: the
 *   earliest is not always the witness (an email opened in January and one opened the day
 *   before the visit: only the second is within a day of it). A record counts when some chain
 *   end is earlier and its window reaches the record: when the latest window's end among the
 *   earlier chain ends does (so month windows, clamped, need no arithmetic backwards).
 * - A last `then no` step without `within` needs the latest chain end before it (if a chain end
 *   has no record after it, the latest has none either: one chain is enough). With `within`,
 *   every chain end is tried: one window with nothing in it is enough.
 *
 * How a stage meets the next step's records is the dialect's choice (`Dialect.sequenceLink`),
 * measured on the benchmark (bench/RESULTS.md): DuckDB and PostgreSQL join them on the profile
 * (a hash join; pairs of records are cheap there); SQLite, which has no hash join, sorts the
 * two together per profile and reads the chain off a window function in one pass, which was
 * faster on sql.js than probing a temporary index for each record (the pairs of a profile with
 * many records of both steps add up) and much faster than a correlated lookup through the
 * foreign key's index (a random row read for every pair).
 *
 * On SQLite, what the sorted pass costs is reading and sorting the rows, so they are kept
 * cheap (medium benchmark, 2026-12-01, CPU time of native SQLite in turns on a shared machine):
 * a later step's records are bounded on their stored text only (`sequence-steps.ts`; the exact
 * bounds computed each record's `datetime()` twice more), a window's end over a plain column
 * is `datetime(t, '+N seconds')` rather than `strftime` and two `rtrim`s (four times cheaper
 * per row), and the records are not narrowed to the first stage's profiles (an `IN` on the
 * stage, as one hand-written shape does: 1.12x to 1.24x slower in three runs, with or without
 * the other changes).
 *
 * Since 2026-12-02, when every step's time is a plain column (ISO text without fraction or
 * offset) and every window a fixed number of seconds, SQLite's pass reads times as whole
 * seconds since 1970 (`Dialect.wholeSeconds`: `unixepoch()`), so it sorts and compares
 * integers, and a window's end is `t + N` computed after the sort instead of a sorted column;
 * the profile is written `+p` so SQLite cannot read a step's table through the foreign key's
 * index to get profile order (one random row per record: a plan it chose for rows without the
 * `u` column); and the bounds on a later step's stored text are computed once, inside their
 * subquery (around it, `datetime()` and `substr()` ran for every record). AbandonedCart on
 * sql.js at medium: 3,785 -> 2,877 ms CPU in turns (bench/RESULTS.md). Other times (fractions,
 * offsets, unreadable text) and month windows keep the text readings above.
 */
export function sequencePredicate(sequence: SequencePlan, audience: SchemaEntity, ctx: RenderContext): string {
    return `${outerKey(sequence, audience, ctx)} IN (${sequenceKeys(sequence.steps, audience, ctx)})`;
}

/**
 * Not in the sequence, two-valued (an excluded sequence): the key is never NULL here (the
 * segment's pass keeps only keys) and neither is a profile of the sequence, so "not among them"
 * is the negated membership. Written as such rather than as NOT EXISTS: DuckDB (1.5) fails to
 * bind a correlated subquery whose body has a WITH of its own beside another one's.
 */
export function sequenceExclusion(sequence: SequencePlan, audience: SchemaEntity, ctx: RenderContext): string {
    return `NOT ((${sequencePredicate(sequence, audience, ctx)}) IS TRUE)`;
}

const outerKey = (sequence: SequencePlan, audience: SchemaEntity, ctx: RenderContext): string =>
    keyColumn(aliasOf(ctx, sequence.root.alias), audience.key, ctx.dialect, ctx);

/**
 * What a stage keeps of its chain ends: every one with the end `u` of the next step's window
 * after it, the earliest or the latest per profile.
 */
type Keep = { readonly kind: 'all'; readonly window: TimeOffset } | { readonly kind: 'min' | 'max' };

/** `SELECT p` of the profiles with a chain through every step (or, for a last `no` step, as it says). */
function sequenceKeys(steps: readonly SequenceStep[], audience: SchemaEntity, ctx: RenderContext): string {
    const chains = ctx.dialect.sequenceLink === 'window' ? new SortedChains(steps, audience, ctx) : new JoinedChains(steps, audience, ctx);
    const n = steps.length;
    const last = steps[n - 1];
    const e = `${last.target.alias}_e`;
    if (n === 1 || !last.none) return chains.statement(`SELECT ${e}.p AS p FROM (${chains.ends(n - 1)}) AS ${e}`);
    const before = chains.stage(n - 2, last.within ? { kind: 'all', window: last.within } : { kind: 'max' });
    return chains.statement(chains.unmet(before, last));
}

/**
 * A name for a named query, from its text: unique in a statement that embeds other segments'
 * queries (`in segment`, compound parts) whose sequences have stages of their own.
 */
function queryName(kind: string, sql: string): string {
    return `seq_${kind}_${fnv1a32Text(sql).toString(36)}`;
}

/**
 * A stage as written: the chain ends kept as `keep` says, from the rows `ends` of its step
 * (with `seconds`, times in whole seconds: `Dialect.wholeSeconds`).
 */
function stageSql(ends: string, k: number, step: SequenceStep, keep: Keep, ctx: RenderContext, seconds = false): string {
    const d = ctx.dialect;
    const e = `${step.target.alias}_e`;
    const end = seconds && keep.kind === 'all' ? `${e}.t + ${secondsIn(keep.window)}` : keep.kind === 'all' ? d.shiftTime(`${e}.t`, 'datetime', keep.window, storageOf(ctx, step.time)) : '';
    // A record that ends several chains is one chain end.
    return keep.kind === 'all'
        ? `SELECT ${k > 0 ? 'DISTINCT ' : ''}${e}.p AS p, ${e}.t AS t, ${end} AS u FROM (${ends}) AS ${e}`
        : `SELECT ${e}.p AS p, ${keep.kind.toUpperCase()}(${e}.t) AS t FROM (${ends}) AS ${e} GROUP BY ${d.groupByScan(`${e}.p`)}`;
}

/** What the stage before step `k` keeps: every chain end with its window's end, or the earliest. */
const keepFor = (step: SequenceStep): Keep => (step.within ? { kind: 'all', window: step.within } : { kind: 'min' });

/**
 * SQLite: each stage a named query, computed once (`MATERIALIZED`), met by the next step's
 * records in one sorted pass per profile; every later step's records bounded by the first stage.
 */
class SortedChains {
    private readonly named: string[] = [];
    /** The name of the first step's stage, once made. */
    private first: string | undefined;
    /**
     * Times as whole seconds (`Dialect.wholeSeconds`): when every step's time has such a reading
     * and every window a fixed number of seconds (not months or years).
     */
    private readonly seconds: boolean;

    constructor(private readonly steps: readonly SequenceStep[], private readonly audience: SchemaEntity, private readonly ctx: RenderContext) {
        const whole = ctx.dialect.wholeSeconds;
        this.seconds = whole !== undefined
            && steps.every(s => whole.read(s.time.column, storageOf(ctx, s.time)) !== undefined && (s.within === undefined || wholeSecondsOf(s.within) !== undefined));
    }

    /** `WITH ... body`, or `body` alone. */
    statement(body: string): string {
        return this.named.length > 0 ? `WITH ${this.named.join(', ')} ${body}` : body;
    }

    /** The chain ends at step `k` (0-based) kept as `keep` says, as a named query: its name. */
    stage(k: number, keep: Keep): string {
        const sql = stageSql(this.ends(k), k, this.steps[k], keep, this.ctx, this.seconds);
        const name = queryName('stage', sql);
        this.named.push(`${name} AS MATERIALIZED (${sql})`);
        if (k === 0) this.first = name;
        return name;
    }

    /** The bounds of step `k`'s records (k > 0, once the first stage is made): see `After`. */
    private after(k: number): After {
        const windows = this.steps.slice(1, k + 1).map(s => s.within);
        const all = windows.every((w): w is TimeOffset => w !== undefined);
        return { first: this.first!, ...(all ? { upper: windows.slice(1) as TimeOffset[] } : {}) };
    }

    /**
     * The chain ends at step `k` as rows `(p, t)`: step k's records, and for k > 0 those after a
     * chain end of the stage before (within its window, when the step has one). In time order
     * per profile, a record comes before the chain ends at its very instant (they are not
     * earlier); `l` is the latest window's end (or, with no window, a mark) of the earlier ones.
     */
    ends(k: number): string {
        const step = this.steps[k];
        if (k === 0) return stepRows(step, this.audience, this.ctx, { seconds: this.seconds, scan: true });
        const window = step.within !== undefined;
        const previous = this.stage(k - 1, keepFor(step));
        const rows = stepRows(step, this.audience, this.ctx, { after: this.after(k), seconds: this.seconds, scan: true });
        const [r, s, w] = [`${step.target.alias}_r`, `${step.target.alias}_c`, `${step.target.alias}_w`];
        // In whole seconds the window's end is `t + N`, computed after the sort rather than sorted.
        const end = this.seconds && step.within ? `${w}.t + ${secondsIn(step.within)}` : `${w}.u`;
        const mark = window ? `CASE WHEN ${w}.k = 0 THEN ${end} END` : `CASE WHEN ${w}.k = 0 THEN 1 END`;
        const events = this.events(previous, s, rows, r, window);
        const ordered = `SELECT ${w}.p AS p, ${w}.t AS t, ${w}.k AS k, MAX(${mark}) OVER (PARTITION BY ${w}.p ORDER BY ${w}.t, ${w}.k DESC ROWS UNBOUNDED PRECEDING) AS l FROM (${events}) AS ${w}`;
        return `SELECT ${r}.p AS p, ${r}.t AS t FROM (${ordered}) AS ${r} WHERE ${r}.k = 1 AND ${window ? `${r}.t <= ${r}.l` : `${r}.l IS NOT NULL`}`;
    }

    /**
     * The profiles of the chain ends of stage `before` with no record of the `no` step `last`
     * after them (within the window). In reverse time order per profile, a chain end comes before
     * the records at its very instant (they are not later); `n` is the earliest record after it.
     */
    unmet(before: string, last: SequenceStep): string {
        const window = last.within !== undefined;
        const rows = stepRows(last, this.audience, this.ctx, { after: this.after(this.steps.length - 1), seconds: this.seconds, scan: true });
        const [r, s, w] = [`${last.target.alias}_r`, `${last.target.alias}_c`, `${last.target.alias}_w`];
        const events = this.events(before, s, rows, r, window);
        const seconds = this.seconds && last.within ? secondsIn(last.within) : undefined;
        const ordered = `SELECT ${w}.p AS p, ${this.seconds ? `${w}.t AS t` : `${w}.u AS u`}, ${w}.k AS k, MIN(CASE WHEN ${w}.k = 1 THEN ${w}.t END) OVER (PARTITION BY ${w}.p ORDER BY ${w}.t DESC, ${w}.k ROWS UNBOUNDED PRECEDING) AS n FROM (${events}) AS ${w}`;
        const end = seconds === undefined ? `${s}.u` : `${s}.t + ${seconds}`;
        return `SELECT ${s}.p AS p FROM (${ordered}) AS ${s} WHERE ${s}.k = 0 AND (${s}.n IS NULL${window ? ` OR ${s}.n > ${end}` : ''})`;
    }

    /**
     * The chain ends of stage `stage` (`k` 0) and the records `rows` (`k` 1) as one list to sort,
     * with the chain ends' window ends `u` when a window needs them and times are not in whole
     * seconds (in whole seconds `u` is `t + N`, computed after the sort: narrower rows to sort).
     */
    private events(stage: string, s: string, rows: string, r: string, window: boolean): string {
        return this.seconds
            ? `SELECT ${s}.p AS p, ${s}.t AS t, 0 AS k FROM ${stage} AS ${s} UNION ALL SELECT ${r}.p, ${r}.t, 1 FROM (${rows}) AS ${r}`
            : `SELECT ${s}.p AS p, ${s}.t AS t, ${window ? `${s}.u` : 'NULL'} AS u, 0 AS k FROM ${stage} AS ${s} UNION ALL SELECT ${r}.p, ${r}.t, NULL, 1 FROM (${rows}) AS ${r}`;
    }
}

/**
 * DuckDB and PostgreSQL: each stage written where it is used (each is used once), joined with
 * the next step's records on the profile, a `no` step as an anti-join. No `WITH`: this SQL may
 * stand inside a correlated subquery (an excluded segment, `in segment`), where DuckDB 1.5 fails
 * to bind a `WITH` of its own; and no bounds (they would read the first stage again, while a
 * hash join skips the records of profiles with no chain end cheaply).
 */
class JoinedChains {
    constructor(private readonly steps: readonly SequenceStep[], private readonly audience: SchemaEntity, private readonly ctx: RenderContext) {}

    statement(body: string): string {
        return body;
    }

    /** The chain ends at step `k` kept as `keep` says: the query itself. */
    stage(k: number, keep: Keep): string {
        return stageSql(this.ends(k), k, this.steps[k], keep, this.ctx);
    }

    ends(k: number): string {
        const step = this.steps[k];
        const rows = stepRows(step, this.audience, this.ctx);
        if (k === 0) return rows;
        const [r, s] = [`${step.target.alias}_r`, `${step.target.alias}_c`];
        const on = [`${s}.p = ${r}.p`, `${s}.t < ${r}.t`, ...(step.within ? [`${r}.t <= ${s}.u`] : [])].join(' AND ');
        return `SELECT ${r}.p AS p, ${r}.t AS t FROM (${rows}) AS ${r} JOIN (${this.stage(k - 1, keepFor(step))}) AS ${s} ON ${on}`;
    }

    unmet(before: string, last: SequenceStep): string {
        const [r, s] = [`${last.target.alias}_r`, `${last.target.alias}_c`];
        const window = [`${r}.p = ${s}.p`, `${r}.t > ${s}.t`, ...(last.within ? [`${r}.t <= ${s}.u`] : [])].join(' AND ');
        return `SELECT ${s}.p AS p FROM (${before}) AS ${s} WHERE NOT EXISTS (SELECT 1 FROM (${stepRows(last, this.audience, this.ctx)}) AS ${r} WHERE ${window})`;
    }
}
