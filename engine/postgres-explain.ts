/**
 * What a coordinator's plan sends to the shards and what it does itself, read from
 * `EXPLAIN (VERBOSE, COSTS OFF, FORMAT JSON)`: each postgres_fdw Foreign Scan is work done on a
 * shard (its relations: a table, a join of tables, an aggregate over them; its remote SQL), every
 * other node is done on the coordinator with the rows the scans fetched.
 */
export interface RemoteScan {
    /** `Foreign Scan` as postgres_fdw names what it ships: `(schema.t_1 t0)`, `(a) INNER JOIN (b)`, `Aggregate on (...)`. */
    readonly relations: string;
    /** The foreign tables it reads, `schema.name`. */
    readonly tables: readonly string[];
    readonly sql: string;
}

/** A join the coordinator does itself, with the foreign tables its inputs read. */
export interface LocalJoin {
    readonly node: string;
    readonly tables: readonly string[];
}

export interface Pushdown {
    readonly remote: readonly RemoteScan[];
    /** The coordinator's own nodes, outermost first (`Hash Join`, `Append`, `HashAggregate` ...). */
    readonly local: readonly string[];
    readonly joins: readonly LocalJoin[];
}

interface PlanNode {
    readonly 'Node Type': string;
    readonly Strategy?: string;
    readonly 'Join Type'?: string;
    readonly Operation?: string;
    readonly 'Relation Name'?: string;
    readonly Schema?: string;
    readonly Alias?: string;
    readonly Relations?: string;
    readonly 'Remote SQL'?: string;
    readonly Plans?: readonly PlanNode[];
}

/** Reads the JSON plan (the one cell EXPLAIN (FORMAT JSON) returns). */
export function readPushdown(explained: unknown): Pushdown {
    const parsed = (typeof explained === 'string' ? JSON.parse(explained) : explained) as readonly { readonly Plan: PlanNode }[];
    const remote: RemoteScan[] = [];
    const local: string[] = [];
    const joins: LocalJoin[] = [];
    /** Returns the foreign tables read under `node`. */
    const walk = (node: PlanNode): string[] => {
        if (node['Node Type'] === 'Foreign Scan') {
            const relations = node.Relations ?? `(${node.Schema ? `${node.Schema}.` : ''}${node['Relation Name'] ?? '?'} ${node.Alias ?? ''})`.replace(' )', ')');
            const tables = [...relations.matchAll(/\(([^()\s]+) [^()\s]+\)/g)].map(m => m[1]);
            remote.push({ relations, tables, sql: node['Remote SQL'] ?? '' });
            return [...tables, ...(node.Plans ?? []).flatMap(walk)];
        }
        const detail = [node.Strategy && node.Strategy !== 'Plain' ? node.Strategy : '', node['Join Type'] ?? '', node.Operation ?? ''].filter(Boolean).join(' ');
        const name = detail ? `${node['Node Type']} (${detail})` : node['Node Type'];
        local.push(name);
        const join: { node: string; tables: string[] } | undefined = /Join|Nested Loop/.test(node['Node Type']) ? { node: name, tables: [] } : undefined;
        if (join) joins.push(join);
        const below = (node.Plans ?? []).flatMap(walk);
        join?.tables.push(...below);
        return below;
    };
    for (const p of parsed) walk(p.Plan);
    return { remote, local, joins };
}

/** The plan as lines for a person: the coordinator's nodes, then each shard query. */
export function formatPushdown(p: Pushdown): string {
    const counts = new Map<string, number>();
    for (const n of p.local) counts.set(n, (counts.get(n) ?? 0) + 1);
    return [
        `  coordinator: ${[...counts].map(([n, c]) => (c > 1 ? `${n} x${c}` : n)).join(', ') || 'nothing'}`,
        ...p.remote.map(r => `  shard: ${r.relations}\n         ${r.sql}`)
    ].join('\n');
}
