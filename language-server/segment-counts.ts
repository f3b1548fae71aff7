import { statSync } from 'node:fs';
import { Emitter, type Event } from 'vscode-languageserver';
import * as ast from '../grammar/generated/ast.js';
import type { SegmentPlan } from '../compiler/ir.js';
import { sqliteDialect } from '../compiler/sql/sqlite-dialect.js';
import { segmentSql } from '../compiler/sql/to-sql.js';
import { sqlitePlainValue } from '../compiler/sql/sqlite-reads.js';
import { plannedColumns } from '../compiler/plan-uses.js';
import { StorageCache, type StorageProbe } from '../engine/storage-facts.js';
import { clockAsOf, type Clock } from '../compiler/time.js';
import { MembersFileError, readMembersFile } from '../engine/members-file.js';
import { distinctKeys } from '../engine/runner.js';
import { SampleDraws } from '../engine/steps.js';
import type { KeyValue } from '../compiler/ir.js';
import type { QueryService } from './data/query-service.js';
import { faultsOf, schemaFaults, tablesByName, type SchemaFault } from './schema-faults.js';
import { lowerRecovered } from './segment-validator.js';
import type { SegmentWorkspace, WorkspaceModel } from './workspace-model.js';

/** A segment's member count, or why there is none. */
export type CountState =
    | { readonly kind: 'counted'; readonly count: number; readonly at: Date; readonly stale: boolean }
    | { readonly kind: 'counting'; readonly previous?: number }
    /** `retry`: the reason is in the data (a table or column the segment reads is missing), so ask again later. */
    | { readonly kind: 'not-runnable'; readonly reason: string; readonly retry?: boolean };

interface Entry {
    sql?: string;
    count?: number;
    at?: Date;
    running?: { readonly sql: string; readonly abort: AbortController };
    failed?: string;
    /** Why the segment is not counted: the database lacks a table or column it reads. */
    blocked?: string;
}

const DEBOUNCE_MS = 250;
const YIELD_AFTER_MS = 5;

/**
 * Member counts "as of now" for code lenses and hovers, computed off the editing path: SQL is
 * made here, the query runs on the count worker, and `onDidChange` fires when counts arrive.
 * A segment whose SQL changed while its count was running has that run cancelled.
 */
export class SegmentCounts {
    private readonly entries = new Map<string, Entry>();
    private readonly changed = new Emitter<readonly string[]>();
    private pending = new Set<string>();
    private timer: NodeJS.Timeout | undefined;
    private idle: Promise<void> = Promise.resolve();

    /** The instant every count is made at: the `segments.asOf` setting when it is set (as in the extension's views and `--as-of`). */
    private asOf: string | undefined;

    constructor(private readonly workspace: SegmentWorkspace, private readonly queries: QueryService, private readonly clock: () => Clock = currentClock) {}

    /**
     * Pins the counts to `asOf` (a date or datetime), or back to "now" when it is empty; every
     * segment is counted again. A value that is not a date is ignored (the extension's views say so).
     */
    setAsOf(asOf: string | undefined): void {
        const value = asOf?.trim() || undefined;
        if (value !== undefined) {
            try { clockAsOf(value); } catch { return; }
        }
        if (value === this.asOf) return;
        this.asOf = value;
        this.request(this.workspace.model.segments.keys());
    }

    private clockNow(): Clock {
        return this.asOf !== undefined ? clockAsOf(this.asOf) : this.clock();
    }

    /** How the database's columns are stored, found once per file version (a changed file is looked at again). */
    private storages = new Map<string, { stamp: string; cache: StorageCache }>();

    private storage(db: string): StorageCache {
        const stamp = fileVersion(db);
        const known = this.storages.get(db);
        if (known && known.stamp === stamp) return known.cache;
        const cache = new StorageCache();
        this.storages.set(db, { stamp, cache });
        return cache;
    }

    private probe(db: string): StorageProbe {
        return { dialect: sqliteDialect, query: sql => this.queries.query(db, sql), plainValue: sqlitePlainValue };
    }

    /** Fires with the names of segments whose count changed. */
    get onDidChange(): Event<readonly string[]> {
        return this.changed.event;
    }

    /** What is known now; never waits. */
    state(name: string): CountState {
        const plan = this.plans(this.workspace.model).get(name);
        if (!plan) return { kind: 'not-runnable', reason: this.workspace.model.segments.has(name) ? 'has errors' : 'unknown segment' };
        if (!this.workspace.model.database) return { kind: 'not-runnable', reason: 'no database' };
        const e = this.entries.get(name);
        if (e?.blocked) return { kind: 'not-runnable', reason: e.blocked, retry: true };
        if (e?.failed) return { kind: 'not-runnable', reason: e.failed };
        if (e?.count !== undefined && e.at) return { kind: 'counted', count: e.count, at: e.at, stale: !!e.running };
        return { kind: 'counting', ...(e?.count !== undefined ? { previous: e.count } : {}) };
    }

    /** Asks for fresh counts of these segments; they are computed a little later, in the background. */
    request(names: Iterable<string>): void {
        for (const n of names) this.pending.add(n);
        clearTimeout(this.timer);
        this.timer = setTimeout(() => { this.idle = this.flush(); }, DEBOUNCE_MS);
        this.timer.unref?.();
    }

    /** Resolves when the counts requested so far are done (for tests and benchmarks). */
    async settled(): Promise<void> {
        for (;;) {
            const before = this.idle;
            if (this.timer && this.pending.size > 0) await new Promise(r => setTimeout(r, DEBOUNCE_MS + 10));
            await this.idle;
            if (before === this.idle && this.pending.size === 0) return;
        }
    }

    private async flush(): Promise<void> {
        const names = [...this.pending];
        this.pending = new Set();
        const model = this.workspace.model;
        const db = model.database?.uri.fsPath;
        if (!db) return;
        const clock = this.clockNow();
        const plans = this.plans(model);
        const faults = await this.schemaFaults(model, db);
        const restated: string[] = [];
        const runs: Promise<void>[] = [];
        let slice = performance.now();
        for (const name of names) {
            // Planning and writing SQL for many segments takes a while: let requests in between.
            if (performance.now() - slice > YIELD_AFTER_MS) {
                await new Promise<void>(resolve => setImmediate(resolve));
                slice = performance.now();
            }
            const plan = plans.get(name);
            if (!plan) continue;
            // A segment that reads a missing table or column is never run: the lens says why.
            const found = faultsOf(plan, plans, faults);
            const entry = this.entries.get(name);
            if (found.length > 0) {
                const reason = `schema error: ${found[0].message}${found.length > 1 ? `, and ${found.length - 1} more` : ''}`;
                entry?.running?.abort.abort();
                if (entry?.blocked !== reason) {
                    this.entries.set(name, { blocked: reason });
                    restated.push(name);
                }
                continue;
            }
            if (entry?.blocked) {
                delete entry.blocked;
                restated.push(name);
            }
            let sql: string;
            try {
                const storage = await this.storage(db).facts(this.probe(db), plannedColumns(plan, plans));
                const ctx = { dialect: sqliteDialect, clock, plans, staticKeys: await this.staticKeys(plan, plans), storage };
                // A sample keeps members by a hash of their keys: the members before it are fetched, then filtered here.
                const draws: SampleDraws = new SampleDraws(plans, async cut => distinctKeys(
                    (await this.queries.query(db, segmentSql(cut, { ...ctx, sampled: draws.lookup }))).map(r => r[0]),
                    cut.audience.key.type === 'number' ? 'number' : 'text'));
                await draws.prepare(plan);
                sql = segmentSql(plan, { ...ctx, sampled: draws.lookup });
            } catch (e) {
                // A members file that cannot be used is reported on the segment by `check`: the lens only names it.
                const failed = e instanceof MembersFileError ? 'members file has errors' : e instanceof Error ? e.message : String(e);
                this.entries.set(name, { ...this.entries.get(name), failed });
                continue;
            }
            runs.push(this.count(name, db, sql));
        }
        if (restated.length > 0) this.changed.fire(restated);
        await Promise.all(runs);
    }

    /** The tables and columns the schema names that the database lacks; none when it cannot be read. */
    private async schemaFaults(model: WorkspaceModel, db: string): Promise<SchemaFault[]> {
        try {
            if ((await this.queries.status(db)).kind !== 'ok') return [];
            return schemaFaults(model.schema, tablesByName(await this.queries.tables(db)));
        } catch {
            return [];
        }
    }

    private async count(name: string, db: string, sql: string): Promise<void> {
        const entry = this.entries.get(name) ?? {};
        this.entries.set(name, entry);
        delete entry.failed;
        if (entry.sql === sql && entry.count !== undefined) return;
        if (entry.running?.sql === sql) return;
        entry.running?.abort.abort();
        const abort = new AbortController();
        entry.running = { sql, abort };
        try {
            // Distinct keys: a key stored twice is one member, as everywhere else.
            const rows = await this.queries.query(db, `SELECT count(DISTINCT members.key) FROM (${sql}) AS members`, abort.signal);
            Object.assign(entry, { sql, count: Number(rows[0]?.[0] ?? 0), at: new Date() });
        } catch (e) {
            if (abort.signal.aborted) return;
            entry.failed = e instanceof Error ? e.message : String(e);
        } finally {
            if (entry.running?.abort === abort) delete entry.running;
        }
        this.changed.fire([name]);
    }

    private async staticKeys(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>, seen = new Set<string>()): Promise<Map<string, readonly KeyValue[]>> {
        const keys = new Map<string, readonly KeyValue[]>();
        if (seen.has(plan.name)) return keys;
        seen.add(plan.name);
        if (plan.kind === 'static' && plan.members.kind === 'file') {
            keys.set(plan.name, await readMembersFile(plan.members.path, plan.audience.key.type === 'number' ? 'number' : 'text', plan.members.within));
        }
        if (plan.kind === 'compound') {
            for (const part of plan.parts) {
                const p = plans.get(part.segment);
                if (p) for (const [k, v] of await this.staticKeys(p, plans, seen)) keys.set(k, v);
            }
        }
        return keys;
    }

    private planCache: { model: WorkspaceModel; plans: Map<string, SegmentPlan | undefined> } | undefined;

    /** Plans of the model's segments, made on demand and kept until the model changes. */
    private plans(model: WorkspaceModel): ReadonlyMap<string, SegmentPlan> {
        if (this.planCache?.model !== model) this.planCache = { model, plans: new Map() };
        const cache = this.planCache.plans;
        const planOf = (name: string, seen: Set<string>): SegmentPlan | undefined => {
            if (cache.has(name)) return cache.get(name);
            const segment = model.segments.get(name);
            if (!segment || seen.has(name)) return undefined;
            seen.add(name);
            const lowered = lowerRecovered(segment, model);
            let plan = lowered.plan;
            const errors = lowered.problems.filter(p => p.severity === 'error');
            if (ast.isCompoundSegment(segment) && errors.length === 0 && segment.parts.some(p => !planOf(p.segment?.$refText ?? '', seen))) plan = undefined;
            cache.set(name, plan);
            return plan;
        };
        return {
            get: (name: string) => planOf(name, new Set()),
            has: (name: string) => planOf(name, new Set()) !== undefined
        } as ReadonlyMap<string, SegmentPlan>;
    }

    dispose(): void {
        clearTimeout(this.timer);
        for (const e of this.entries.values()) e.running?.abort.abort();
        this.queries.dispose();
    }
}

/** Today and now, UTC; `now` is cut to the minute so counts are not redone every second. */
export function currentClock(): Clock {
    const iso = new Date().toISOString();
    return { today: iso.slice(0, 10), now: `${iso.slice(0, 10)} ${iso.slice(11, 16)}:00` };
}

/** A database file's version: its modification time and size (a rewritten file is another version). */
function fileVersion(file: string): string {
    try {
        const info = statSync(file);
        return `${info.mtimeMs}:${info.size}`;
    } catch {
        return 'missing';
    }
}
