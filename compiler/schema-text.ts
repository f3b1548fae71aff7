import { isKeyword } from '../grammar/keywords.js';
import type { AttributeType } from './schema.js';

/** One column as a database describes it, with a sample of its values. */
export interface ColumnInfo {
    readonly name: string;
    readonly declaredType: string;
    /** Position in the table's primary key, from 1; 0 (or false) when not part of it. */
    readonly primaryKey: number | boolean;
    readonly sample: readonly unknown[];
}

/** A foreign key: `columns` of this table refer to `to` of `table` (null: its primary key). */
export interface ForeignKeyInfo {
    readonly columns: readonly string[];
    readonly table: string;
    readonly to: readonly (string | null)[];
    /** The referenced table lives in another schema (PostgreSQL): named here, not walkable. */
    readonly otherSchema?: string;
}

/** What a database says about one table. */
export interface TableInfo {
    readonly name: string;
    readonly columns: readonly ColumnInfo[];
    readonly foreignKeys: readonly ForeignKeyInfo[];
    /** Columns that are unique and never missing on their own (a single-column unique constraint). */
    readonly uniqueColumns?: readonly string[];
}

/** The generated text, and what the user must decide (also written as comments in the text). */
export interface GeneratedSchema {
    readonly text: string;
    readonly warnings: readonly string[];
    /** Entities written (tables the workspace did not declare yet). */
    readonly entities: number;
    /** Columns of declared tables that no attribute reads (listed in comments). */
    readonly undeclaredColumns: number;
}

/** An entity a workspace already declares: its table, key column and attributes' columns. */
export interface DeclaredEntity {
    readonly name: string;
    readonly table: string;
    readonly keyColumn: string;
    readonly attributes: readonly { readonly name: string; readonly column: string }[];
}

/** PascalCase singular entity name for a table: `purchase_items` → `PurchaseItem`. */
export function entityNameFor(table: string): string {
    const words = identifierWords(table);
    const last = words.length - 1;
    if (last >= 0) words[last] = singular(words[last]);
    return toIdentifier(words, 'Table');
}

/** PascalCase attribute name for a column: `customer_id` → `CustomerId`. */
export function attributeNameFor(column: string): string {
    return toIdentifier(identifierWords(column), 'Column');
}

function identifierWords(name: string): string[] {
    return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/([a-z0-9])([A-Z])/g, '$1 $2')
        .split(/[^A-Za-z0-9]+/).filter(Boolean).map(w => w.toLowerCase());
}

function toIdentifier(words: readonly string[], fallback: string): string {
    const id = words.map(w => w[0].toUpperCase() + w.slice(1)).join('') || fallback;
    return /^[A-Za-z_]/.test(id) ? id : `_${id}`;
}

function singular(word: string): string {
    if (/ies$/.test(word)) return word.slice(0, -3) + 'y';
    if (/(ss|us|is)$/.test(word)) return word;
    if (/(sses|ches|shes|xes)$/.test(word)) return word.slice(0, -2);
    if (/s$/.test(word)) return word.slice(0, -1);
    return word;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The attribute type for a column, from its declared type (SQLite, PostgreSQL or DuckDB) and its values. */
export function inferType(declaredType: string, sample: readonly unknown[], column: string): AttributeType {
    const t = declaredType.toUpperCase();
    const values = sample.filter(v => v !== null && v !== undefined);
    const numeric = (v: unknown): boolean => typeof v === 'number' || typeof v === 'bigint';
    // Lists, structures and maps (`integer[]`, `STRUCT(a INTEGER)`) are not one value of a type.
    if (/\[|^(STRUCT|MAP|UNION|LIST|JSON)\b/.test(t)) return 'text';
    if (/BOOL/.test(t)) return 'boolean';
    if (/DATETIME|TIMESTAMP/.test(t)) return 'datetime';
    if (/^DATE$/.test(t)) return 'date';
    if (!/INTERVAL|POINT/.test(t) && (/INT|REAL|FLOA|DOUB|NUM|DEC/.test(t) || (t === '' && values.length > 0 && values.every(numeric)))) {
        const flag = /^(is|has|do|does|can|should|opt)_|_flag$/i.test(column) || /^(is|has|do|does|can|should)[A-Z]/.test(column);
        if (flag && values.every(v => v === 0 || v === 1 || v === 0n || v === 1n)) return 'boolean';
        return 'number';
    }
    if (values.length > 0 && values.every(v => typeof v === 'string' && DATE.test(v))) return 'date';
    if (values.length > 0 && values.every(v => typeof v === 'string' && (DATETIME.test(v) || DATE.test(v)))) return 'datetime';
    return 'text';
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

/** A `.segment` string literal for any text: quotes, backslashes and line breaks escaped. */
export function segmentString(value: string): string {
    return `"${value.replace(/[\\"\n\r\t\0\b\f\v]/g, c => ESCAPES[c])}"`;
}

/** A table or column name as written after `from` or `column`: a name (keywords too) or a string. */
export function sqlNameText(name: string): string {
    return /^[_a-zA-Z]\w*$/.test(name) ? name : segmentString(name);
}

/** A name for a comment: on one line, quoted when it is not a plain name. */
function shown(name: string): string {
    return /^[_a-zA-Z]\w*$/.test(name) ? name : JSON.stringify(name);
}

/** Picks `wanted`, or the first of `alternatives` then `wanted2`, `wanted3`... not yet taken (and never a keyword). */
function uniqueName(wanted: string, alternatives: readonly string[], taken: Set<string>): string {
    for (const candidate of [wanted, ...alternatives]) {
        if (!taken.has(candidate) && !isKeyword(candidate)) {
            taken.add(candidate);
            return candidate;
        }
    }
    for (let n = 2; ; n++) {
        const candidate = `${wanted}${n}`;
        if (!taken.has(candidate)) {
            taken.add(candidate);
            return candidate;
        }
    }
}

const position = (c: ColumnInfo): number => (typeof c.primaryKey === 'number' ? c.primaryKey : c.primaryKey ? 1 : 0);

interface Planned {
    readonly table: TableInfo;
    readonly entity: string;
    readonly attributes: ReadonlyMap<string, string>;
    readonly key: ColumnInfo;
    /** Whether the key identifies one record (a one-column primary key, or a unique column). */
    readonly exact: boolean;
    readonly primaryKey: readonly ColumnInfo[];
}

/**
 * A schema in the segment language for the given tables, that `check` accepts whatever the
 * tables and columns are named: names that are not plain are written as strings; entity and
 * attribute names are unique and never keywords (a comment says when one was changed). What
 * the language cannot say is written as a comment and a warning: a composite or missing
 * primary key, a foreign key to a column other than the target's key, a self-reference.
 */
export function generateSchema(databasePath: string | undefined, tables: readonly TableInfo[], header: readonly string[] = [], declared: readonly DeclaredEntity[] = []): GeneratedSchema {
    const warnings: string[] = [];
    // A comment ends at a line break: header text (a file name, say) keeps to its line.
    const lines = [...header.map(h => `// ${h.replace(/[\r\n]+/g, ' ')}`)];
    if (databasePath !== undefined) lines.push(`database ${segmentString(databasePath)}`);
    lines.push('');
    const entityNames = new Set<string>(declared.map(d => d.name));
    const firstTableOf = new Map<string, string>();
    const planned: Planned[] = [];
    const byTable = new Map<string, Planned>();
    const renamed = new Map<TableInfo, string>();
    const known = declaredTables(tables, declared);
    let undeclaredColumns = 0;
    for (const table of tables) {
        if (table.columns.length === 0) continue;
        const already = known.get(table);
        if (already) {
            // Declared in the workspace: not written again; relationships to it use its name.
            byTable.set(table.name, already.plan);
            if (already.missing.length) {
                undeclaredColumns += already.missing.length;
                lines.push(...missingColumnsComment(already.entity, table, already.missing));
            }
            continue;
        }
        const wanted = entityNameFor(table.name);
        const entity = uniqueName(wanted, [toIdentifier(identifierWords(table.name), 'Table')], entityNames);
        if (entity !== wanted) renamed.set(table, `The table ${shown(table.name)} would be named ${wanted}${firstTableOf.has(wanted) ? `, like the table ${shown(firstTableOf.get(wanted)!)}` : ' (a keyword)'}: it is ${entity} here.`);
        else firstTableOf.set(wanted, table.name);
        const attributeNames = new Set<string>();
        const attributes = new Map<string, string>();
        for (const c of table.columns) attributes.set(c.name, uniqueName(attributeNameFor(c.name), [], attributeNames));
        const primaryKey = table.columns.filter(c => position(c) > 0).sort((a, b) => position(a) - position(b));
        const unique = table.uniqueColumns?.map(u => table.columns.find(c => c.name === u)).find((c): c is ColumnInfo => c !== undefined);
        const key = primaryKey.length === 1 ? primaryKey[0] : unique ?? primaryKey[0] ?? table.columns[0];
        const plan: Planned = { table, entity, attributes, key, exact: primaryKey.length === 1 || unique !== undefined, primaryKey };
        planned.push(plan);
        byTable.set(table.name, plan);
    }
    if (known.size > 0) {
        const names = [...known.values()].map(k => k.entity.name);
        lines.push(`// Already declared in this workspace, so not written here: ${names.join(', ')}.`);
        if (planned.length) lines.push('// The tables below are not declared yet.');
        lines.push('');
    }
    for (const plan of planned) {
        const { table, entity, attributes, key } = plan;
        const note = renamed.get(table);
        if (note) lines.push(`// ${note}`);
        const keyName = attributes.get(key.name)!;
        const pkNames = plan.primaryKey.map(c => attributes.get(c.name)!).join(', ');
        if (plan.primaryKey.length > 1 && plan.exact) {
            lines.push(`// ${shown(table.name)} has a composite primary key (${pkNames}); ${keyName} is unique on its own, so it is the key.`);
        } else if (plan.primaryKey.length > 1) {
            lines.push(
                `// ${shown(table.name)} has a composite primary key (${pkNames}), and an entity has one key attribute.`,
                `// ${keyName} is written as the key so that the entities it refers to are related through this table,`,
                `// but it does not identify one record: count(${entity}) and other aggregates over ${entity} count`,
                `// distinct ${keyName} values, not rows, and ${entity} as an audience has one member per ${keyName}.`,
                `// Decide: use ${entity} only to relate the entities it refers to, or give the table a column that`,
                '// identifies one row (a view with a row number, say) and make that the key.');
            warnings.push(`${shown(table.name)} has a composite primary key (${pkNames}): ${entity} is written with key ${keyName}, which does not identify one record; decide which key it needs (see the comment above entity ${entity}).`);
        } else if (plan.primaryKey.length === 0 && plan.exact) {
            lines.push(`// ${shown(table.name)} has no primary key; ${keyName} is unique, so it is the key.`);
        } else if (plan.primaryKey.length === 0) {
            lines.push(`// ${shown(table.name)} has no primary key: check that ${keyName} identifies one record, or pick the attribute that does.`);
            warnings.push(`${shown(table.name)} has no primary key: ${entity} is written with key ${keyName}; check that it identifies one record.`);
        }
        const from = entity === table.name ? '' : ` from ${sqlNameText(table.name)}`;
        lines.push(`entity ${entity}${from} key ${keyName} {`);
        for (const fk of table.foreignKeys.filter(f => f.columns.length > 1)) {
            lines.push(`  // The foreign key (${fk.columns.map(c => attributes.get(c) ?? shown(c)).join(', ')}) refers to ${shown(fk.table)} by more than one column: a relationship joins on one attribute, so it is not written.`);
            warnings.push(`${shown(table.name)}: the foreign key (${fk.columns.map(shown).join(', ')}) to ${shown(fk.table)} has more than one column and is not written as a relationship.`);
        }
        const names = table.columns.map(c => attributes.get(c.name)!);
        const width = Math.max(...names.map(n => n.length));
        const types = table.columns.map(c => inferType(c.declaredType, c.sample, c.name));
        const typeWidth = Math.max(...types.map(t => t.length));
        table.columns.forEach((c, i) => {
            const name = names[i];
            const wanted = attributeNameFor(c.name);
            if (name !== wanted) {
                const first = table.columns.find(o => attributes.get(o.name) === wanted);
                lines.push(`  // The column ${shown(c.name)} would be named ${wanted}${first ? `, like the column ${shown(first.name)}` : ''}: it is ${name} here.`);
            }
            const fk = table.foreignKeys.find(f => f.columns.length === 1 && sameName(f.columns[0], c.name, table.columns.map(o => o.name)));
            const target = fk ? relationshipTarget(plan, name, fk, byTable, lines, warnings) : undefined;
            const column = name === c.name ? '' : `  column ${sqlNameText(c.name)}`;
            const ref = target ? `  -> ${target}` : '';
            lines.push(`  ${name.padEnd(width)}  ${types[i].padEnd(typeWidth)}${column}${ref}`.trimEnd());
        });
        lines.push('}', '');
    }
    return { text: lines.join('\n'), warnings, entities: planned.length, undeclaredColumns };
}

interface KnownTable {
    readonly entity: DeclaredEntity;
    readonly plan: Planned;
    readonly missing: readonly ColumnInfo[];
}

/**
 * The tables a workspace's entities already read (names compared as SQLite does, ignoring
 * case), each with a plan standing for its entity (for relationships from new tables) and the
 * columns none of its attributes reads.
 */
function declaredTables(tables: readonly TableInfo[], declared: readonly DeclaredEntity[]): Map<TableInfo, KnownTable> {
    const known = new Map<TableInfo, KnownTable>();
    for (const table of tables) {
        const entity = declared.find(d => d.table.toLowerCase() === table.name.toLowerCase());
        if (!entity) continue;
        const read = new Set(entity.attributes.map(a => a.column.toLowerCase()));
        const attributes = new Map(table.columns.flatMap(c => {
            const a = entity.attributes.find(x => x.column.toLowerCase() === c.name.toLowerCase());
            return a ? [[c.name, a.name] as const] : [];
        }));
        const key = table.columns.find(c => c.name.toLowerCase() === entity.keyColumn.toLowerCase()) ?? table.columns[0];
        known.set(table, {
            entity,
            plan: { table, entity: entity.name, attributes, key, exact: true, primaryKey: [key] },
            missing: table.columns.filter(c => !read.has(c.name.toLowerCase()))
        });
    }
    return known;
}

/** Comment lines listing a declared table's columns that no attribute reads, written as attributes to paste. */
function missingColumnsComment(entity: DeclaredEntity, table: TableInfo, missing: readonly ColumnInfo[]): string[] {
    const taken = new Set(entity.attributes.map(a => a.name));
    const names = missing.map(c => uniqueName(attributeNameFor(c.name), [], taken));
    const types = missing.map(c => inferType(c.declaredType, c.sample, c.name));
    const width = Math.max(...names.map(n => n.length));
    const typeWidth = Math.max(...types.map(t => t.length));
    return [
        `// ${shown(table.name)} has ${missing.length === 1 ? 'a column' : 'columns'} that entity ${entity.name} does not read; to use ${missing.length === 1 ? 'it' : 'them'}, add to entity ${entity.name}:`,
        ...missing.map((c, i) => `//   ${names[i].padEnd(width)}  ${types[i].padEnd(typeWidth)}${names[i] === c.name ? '' : `  column ${sqlNameText(c.name)}`}`.trimEnd()),
        ''
    ];
}

/** The entity a one-column foreign key is written to with `->`, or undefined with a comment saying why not. */
function relationshipTarget(plan: Planned, name: string, fk: ForeignKeyInfo, byTable: ReadonlyMap<string, Planned>, lines: string[], warnings: string[]): string | undefined {
    const where = `${shown(plan.table.name)}.${shown(fk.columns[0])}`;
    if (fk.otherSchema !== undefined) {
        lines.push(`  // ${name} refers to ${shown(fk.otherSchema)}.${shown(fk.table)}, in another schema: not written as a relationship.`);
        return undefined;
    }
    const target = byTable.get(fk.table) ?? byTable.get(sameNameIn(fk.table, [...byTable.keys()]) ?? '');
    if (!target) {
        lines.push(`  // ${name} refers to the table ${shown(fk.table)}, which is not in this database: not written as a relationship.`);
        return undefined;
    }
    const declared = fk.to[0];
    const to = declared !== null && declared !== undefined ? sameNameIn(declared, target.table.columns.map(c => c.name)) ?? declared : target.primaryKey.length === 1 ? target.primaryKey[0].name : null;
    if (to === null) {
        lines.push(`  // ${name} refers to the primary key of ${shown(fk.table)}, which has ${target.primaryKey.length === 0 ? 'none' : 'more than one column'}: not written as a relationship.`);
        warnings.push(`${where} refers to the primary key of ${shown(fk.table)}, which is not one column: it is not written as a relationship.`);
        return undefined;
    }
    if (to === target.key.name && !target.exact) {
        lines.push(`  // ${name} refers to ${shown(fk.table)}.${shown(to)}, which does not identify one ${target.entity} (its primary key has more columns):`,
            `  // \`-> ${target.entity}\` would relate each record to every ${target.entity} with that value, so it is not written.`);
        warnings.push(`${where} refers to ${shown(fk.table)}.${shown(to)}, which does not identify one ${target.entity}: it is not written as a relationship.`);
        return undefined;
    }
    if (to !== target.key.name || !target.exact) {
        const keyName = target.attributes.get(target.key.name)!;
        lines.push(`  // ${name} refers to ${shown(fk.table)}.${shown(to)}, which is not the key of ${target.entity} (${keyName}): \`-> ${target.entity}\``,
            `  // would join on ${keyName} and give wrong members, so it is not written. Make ${target.attributes.get(to) ?? shown(to)} the key of ${target.entity} if it identifies one record.`);
        warnings.push(`${where} refers to ${shown(fk.table)}.${shown(to)}, which is not the key of ${target.entity}: it is not written as a relationship.`);
        return undefined;
    }
    if (target === plan) {
        const other = `Other${plan.entity}`;
        const keyName = plan.attributes.get(plan.key.name)!;
        lines.push(
            `  // ${name} refers to another ${plan.entity}. A relationship of an entity with itself is not walked by`,
            `  // conditions (one entity name is one record). To reach the other record, declare a second entity over`,
            `  // the same table, \`entity ${other} from ${sqlNameText(plan.table.name)} key ${keyName} { ... }\`, write \`-> ${other}\``,
            `  // here, and where two paths tie pick this one with \`via\`: \`group via ${plan.entity}.${name} { ${other}.${keyName} = 1 }\`.`);
    }
    return target.entity;
}

/**
 * `name` as spelled in `names`: the same text, or else the one name equal to it in any case
 * (SQLite and DuckDB compare names case-insensitively, and a foreign key keeps its own spelling).
 */
function sameNameIn(name: string, names: readonly string[]): string | undefined {
    if (names.includes(name)) return name;
    const folded = names.filter(n => n.toLowerCase() === name.toLowerCase());
    return folded.length === 1 ? folded[0] : undefined;
}

function sameName(a: string, b: string, names: readonly string[]): boolean {
    return sameNameIn(a, names) === b;
}

/** The schema text alone (see `generateSchema`). */
export function schemaText(databasePath: string, tables: readonly TableInfo[]): string {
    return generateSchema(databasePath, tables).text;
}
