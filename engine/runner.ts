import { stepsOf, type KeyValue, type SegmentPlan } from '../compiler/ir.js';
import { compareKeys, keyFromStored } from '../compiler/keys.js';
import { plannedColumns } from '../compiler/plan-uses.js';
import type { StorageFacts } from '../compiler/storage.js';
import { entitySource, keyColumn } from '../compiler/sql/relations.js';
import { keyIn, segmentSql, type SqlContext } from '../compiler/sql/to-sql.js';
import { isDecimalMeasure, measureValueJoin } from '../compiler/sql/measure-sql.js';
import { segmentReferences } from '../compiler/plan-walk.js';
import type { Clock } from '../compiler/time.js';
import type { Dialect } from '../compiler/sql/dialect.js';
import type { SqlEngine, SqlValue } from './engine.js';
import { readMembersFile } from './members-file.js';
import { cutAt, SampleDraws, sampledSegments } from './steps.js';

export interface SegmentResult {
    readonly name: string;
    readonly kind: SegmentPlan['kind'];
    readonly audience: string;
    /** Member keys in ascending order. */
    readonly keys: readonly KeyValue[];
}

/**
 * Runs segments on one engine at one instant. Results are cached for the run, so a compound
 * segment reuses its parts' results instead of computing them again.
 */
export class SegmentRunner {
    private readonly results = new Map<string, Promise<readonly KeyValue[]>>();
    private readonly fileKeys = new Map<string, readonly KeyValue[]>();
    /** Members of segments cut before one of their steps (`keysBeforeStep`). */
    private readonly cut = new Map<string, Promise<readonly KeyValue[]>>();
    /** The members each `sample` step keeps, drawn once per run. */
    private readonly samples: SampleDraws;

    /** `readMembers` reads a static segment's members file (`segments diff` reads a git revision's). */
    constructor(
        private readonly engine: SqlEngine,
        private readonly plans: ReadonlyMap<string, SegmentPlan>,
        readonly clock: Clock,
        private readonly readMembers: typeof readMembersFile = readMembersFile
    ) {
        this.samples = new SampleDraws(plans, plan => (plan.kind === 'compound' && plan.steps.length === 0 ? this.combineParts(plan, new Set([plan.name])) : this.queryKeys(plan)));
    }

    /** The engine's name (`sqljs`, `duckdb`, `postgres`). */
    get engineName(): string {
        return this.engine.name;
    }

    plan(name: string): SegmentPlan {
        const plan = this.plans.get(name);
        if (!plan) throw new Error(`segment ${name} has no plan (it has errors or does not exist)`);
        return plan;
    }

    async run(name: string): Promise<SegmentResult> {
        const plan = this.plan(name);
        return { name, kind: plan.kind, audience: plan.audience.name, keys: await this.keys(name) };
    }

    /** Uses known members for `name` in this run instead of evaluating it (incremental refresh). */
    seed(name: string, keys: readonly KeyValue[]): void {
        this.results.set(name, Promise.resolve(keys));
    }

    keys(name: string): Promise<readonly KeyValue[]> {
        let result = this.results.get(name);
        if (!result) {
            result = this.evaluate(this.plan(name), new Set([name]));
            this.results.set(name, result);
        }
        return result;
    }

    /**
     * The members of segment `name` with only its first `steps` top and sample steps (all of
     * them: its members), in ascending order: how many each step had before it, for the views.
     * A sample drawn for the whole segment is the same draw here.
     */
    keysBeforeStep(name: string, steps: number): Promise<readonly KeyValue[]> {
        const plan = this.plan(name);
        if (plan.kind === 'static' || steps >= plan.steps.length) return this.keys(name);
        const id = `${name}\u0000${steps}`;
        let result = this.cut.get(id);
        if (!result) {
            result = this.evaluate(cutAt(plan, Math.max(0, steps)), new Set([name]));
            this.cut.set(id, result);
        }
        return result;
    }

    /**
     * The SQL that returns the segment's keys (the seed's Query view), compound parts inlined. The
     * members a `sample` step keeps are drawn by the runner: the SQL lists them.
     */
    async sql(name: string, dialect: Dialect = this.engine.dialect): Promise<string> {
        await this.readStaticFiles(name, new Set());
        const plan = this.plan(name);
        await this.samples.prepare(plan);
        const storage = dialect === this.engine.dialect ? await this.storage(plan) : undefined;
        const sql = segmentSql(plan, { dialect, clock: this.clock, plans: this.plans, staticKeys: this.fileKeys, sampled: this.samples.lookup, ...(storage ? { storage } : {}) });
        const sampled = sampledSegments(plan, this.plans);
        return sampled.length === 0 ? sql
            : `-- The keys listed for ${sampled.join(', ')} are the members a sample step kept (FNV-1a of each key, drawn by the engine for this run).\n${sql}`;
    }

    /**
     * What the SQL of `plan`, or of a part of it (a group alone, a step cut off), needs in this
     * run: the static members read from files and the samples drawn that it reads, the storage
     * facts of its columns, the other plans.
     */
    async sqlContext(plan: SegmentPlan): Promise<SqlContext> {
        await this.readStaticFiles(plan.name, new Set());
        await this.samples.prepare(plan);
        return { dialect: this.engine.dialect, clock: this.clock, plans: this.plans, staticKeys: this.fileKeys, sampled: this.samples.lookup, storage: await this.storage(plan) };
    }

    /**
     * How the columns the plan reads are stored in this engine's data (looked at once per
     * column), with the figures the compiler chooses query shapes by (`StorageFacts.quantity`):
     * the plan is compiled, the figures it asked for are measured (once per copy), and again
     * until it asks for none new (a figure may depend on others: a bound on a count).
     */
    async storage(plan: SegmentPlan): Promise<StorageFacts> {
        const columns = plannedColumns(plan, this.plans);
        let facts = await this.engine.storage(columns);
        for (let round = 0; round < 4; round++) {
            try {
                segmentSql(plan, { dialect: this.engine.dialect, clock: this.clock, plans: this.plans, staticKeys: this.fileKeys, sampled: this.samples.lookup, storage: facts });
            } catch {
                // What the plan cannot be compiled without yet (a sample not drawn) is asked for where it is compiled.
                return facts;
            }
            if (facts.unmeasured.size === 0) return facts;
            facts = await this.engine.storage(columns, [...facts.unmeasured]);
        }
        return facts;
    }

    /** The `show` columns of the given members, in key order. */
    async showRows(name: string, keys: readonly KeyValue[]): Promise<{ columns: string[]; rows: ShowValue[][] }> {
        const plan = this.plan(name);
        const d = this.engine.dialect;
        const q = d.quoteIdentifier;
        const columns = [plan.audience.key.name, ...plan.show.map(s => s.label)];
        if (keys.length === 0) return { columns, rows: [] };
        const storage = await this.storage(plan);
        const ctx = { dialect: d, clock: this.clock, storage, plans: this.plans, staticKeys: this.fileKeys };
        const keyRead = keyColumn('m', plan.audience.key, d, { storage });
        const select = [keyRead];
        let from = entitySource(plan.audience, 'm', d, { storage, clock: this.clock });
        const joined = new Map<string, string>();
        /** Each measure shown: where its record is, and its column's index. */
        const measures: { readonly index: number; readonly alias: string; readonly show: Extract<SegmentPlan['show'][number], { measure: object }> }[] = [];
        plan.show.forEach((s, i) => {
            let alias = 'm';
            let pathKey = '';
            for (const { step, entity } of s.path) {
                pathKey += `/${step.relationship.id}`;
                let next = joined.get(pathKey);
                if (!next) {
                    next = `j${joined.size}`;
                    joined.set(pathKey, next);
                    from += ` LEFT JOIN ${entitySource(entity, next, d, { storage, clock: this.clock })} ON ${keyColumn(next, entity.key, d, { storage })} = ${keyColumn(alias, step.relationship.attribute, d, { storage })}`;
                }
                alias = next;
            }
            if (s.attribute) select.push(`${alias}.${q(s.attribute.column)} AS c${i}`);
            else measures.push({ index: i, alias, show: s });
        });
        const rows: SqlValue[][] = [];
        const chunk = 5000;
        for (let i = 0; i < keys.length; i += chunk) {
            const where = keyIn(keyRead, keys.slice(i, i + chunk), d);
            // A measure shown is computed for this chunk's records only: its query is limited to their keys.
            let fromWithMeasures = from;
            const columns = [...select];
            for (const { index, alias, show } of measures) {
                const value = measureValueJoin(show.measure, alias, `v${index}`, ctx, { from, where });
                fromWithMeasures += ` ${value.join}`;
                columns.splice(index + 1, 0, `${value.value} AS c${index}`);
            }
            rows.push(...await this.engine.query(`SELECT ${columns.join(', ')} FROM ${fromWithMeasures} WHERE ${where}`));
        }
        // One row per member, even where the data holds a key twice: the first row of each key.
        const keyType = plan.audience.key.type === 'number' ? 'number' : 'text';
        const byKey = new Map<string, SqlValue[]>();
        for (const row of rows) {
            const key = keyFromStored(row[0], keyType);
            if (key === undefined) continue;
            const id = `${typeof key === 'string' ? 's' : 'n'}${String(key)}`;
            if (!byKey.has(id)) byKey.set(id, [key, ...row.slice(1)]);
        }
        // Not `rows.push(...)`: spreading a hundred thousand rows overflows the stack.
        const unique = [...byKey.values()].sort((a, b) => compareKeys(a[0] as KeyValue, b[0] as KeyValue));
        const booleans = plan.show.map((s, i) => (s.type === 'boolean' ? i + 1 : -1)).filter(i => i > 0);
        const decimals = plan.show.map((s, i) => (s.measure && isDecimalMeasure(s.measure) ? i + 1 : -1)).filter(i => i > 0);
        const typed: ShowValue[][] = booleans.length === 0 && decimals.length === 0 ? unique
            : unique.map(row => row.map((v, i) => (booleans.includes(i) && typeof v === 'number' ? v !== 0 : decimals.includes(i) ? unitsAsNumber(v) : v)));
        return { columns, rows: typed };
    }

    private async readStaticFiles(name: string, seen: Set<string>): Promise<void> {
        const plan = this.plan(name);
        if (seen.has(name)) return;
        seen.add(name);
        if (plan.kind === 'static' && plan.members.kind === 'file' && !this.fileKeys.has(name)) {
            this.fileKeys.set(name, await this.readMembers(plan.members.path, plan.audience.key.type === 'number' ? 'number' : 'text', plan.members.within));
        }
        for (const other of segmentReferences(plan)) await this.readStaticFiles(other, seen);
    }

    private async evaluate(plan: SegmentPlan, seen: Set<string>): Promise<readonly KeyValue[]> {
        if (plan.kind === 'compound' && plan.steps.length === 0) return this.combineParts(plan, seen);
        const steps = stepsOf(plan);
        // A segment ending in a sample: the keys it kept, no query.
        if (steps.length > 0 && steps[steps.length - 1].node === 'sample') return this.samples.draw(plan, steps.length - 1);
        return this.queryKeys(plan);
    }

    /** A compound segment's parts combined left to right, from their results in this run. */
    private async combineParts(plan: Extract<SegmentPlan, { kind: 'compound' }>, seen: Set<string>): Promise<readonly KeyValue[]> {
        let acc = new Set<KeyValue>();
        for (const [i, part] of plan.parts.entries()) {
            if (seen.has(part.segment)) throw new Error(`segment cycle through ${part.segment}`);
            const keys = await this.keys(part.segment);
            if (i === 0 || part.operator === 'union' || part.operator === undefined) {
                for (const k of keys) acc.add(k);
            } else if (part.operator === 'intersect') {
                const other = new Set(keys);
                acc = new Set([...acc].filter(k => other.has(k)));
            } else {
                for (const k of keys) acc.delete(k);
            }
        }
        return [...acc].sort(compareKeys);
    }

    /** The members of a plan, by its query (its samples, and its parts', drawn first). */
    private async queryKeys(plan: SegmentPlan): Promise<readonly KeyValue[]> {
        await this.readStaticFiles(plan.name, new Set());
        await this.samples.prepare(plan);
        const storage = await this.storage(plan);
        const sql = segmentSql(plan, { dialect: this.engine.dialect, clock: this.clock, plans: this.plans, staticKeys: this.fileKeys, sampled: this.samples.lookup, storage });
        const rows = await this.engine.query(sql);
        return distinctKeys(rows.map(r => r[0]), plan.audience.key.type === 'number' ? 'number' : 'text');
    }
}

/** A decimal measure's value (units of 10^-10, as the engine returns an integer) as the number it stands for. */
export function unitsAsNumber(value: SqlValue): SqlValue {
    if (value === null || value instanceof Uint8Array) return value;
    const units = typeof value === 'bigint' ? value : BigInt(typeof value === 'number' ? Math.round(value) : value);
    const digits = (units < 0n ? -units : units).toString().padStart(11, '0');
    return Number(`${units < 0n ? '-' : ''}${digits.slice(0, -10)}.${digits.slice(-10)}`);
}

/** A value shown next to a member: booleans stored as 0/1 come back as true/false. */
export type ShowValue = SqlValue | boolean;

export { compareKeys };

/** Stored key values as distinct keys in ascending order: `5` and `"5"` one key, missing ones left out. */
export function distinctKeys(values: readonly unknown[], keyType: 'number' | 'text'): KeyValue[] {
    // Text keys and safe integers tell keys apart as they are; a bigint and a number beyond 2^53 by their digits.
    const seen = new Set<KeyValue>();
    const out: KeyValue[] = [];
    let ascending = true;
    for (const v of values) {
        const key = keyFromStored(v, keyType);
        if (key === undefined) continue;
        const id = typeof key === 'bigint' || (typeof key === 'number' && !Number.isSafeInteger(key)) ? `n${String(key)}` : key;
        if (seen.has(id)) continue;
        seen.add(id);
        if (ascending && out.length > 0 && compareKeys(out[out.length - 1], key) > 0) ascending = false;
        out.push(key);
    }
    // Rows usually come in key order (a table read in its primary key's order): then there is nothing to sort.
    return ascending ? out : out.sort(compareKeys);
}
