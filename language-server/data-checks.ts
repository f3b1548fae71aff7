import { statSync } from 'node:fs';
import { AstUtils, type AstNode, type ValidationAcceptor } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import { properties } from '../compiler/lower.js';
import { readMembers, type MembersFileContent } from '../engine/members-file.js';
import type { AttributeType } from '../compiler/schema.js';
import { readingKey, type DatabaseFacts } from './data/database-facts.js';
import { IssueCodes } from './issue-codes.js';
import { itemLocation } from './diagnostic-range.js';
import { closest } from './suggestions.js';
import type { SegmentWorkspace, WorkspaceModel } from './workspace-model.js';

const TYPE_WORDS: Readonly<Record<AttributeType, string>> = {
    text: 'text', number: 'numbers', boolean: 'booleans (0, 1, true, false)', date: 'dates (YYYY-MM-DD)', datetime: 'datetimes (ISO 8601)'
};

/** How many values of one file (one parse of it) are compared with every value of their column for close values. */
const CLOSE_VALUE_SEARCHES = 200;

const searchesLeft = new WeakMap<AstNode, { left: number }>();

/** The close-value searches left for the file of `node`, counted per syntax tree (a new one each time the file is parsed). */
function closeValueSearches(node: AstNode): { left: number } {
    const root = AstUtils.findRootNode(node);
    let left = searchesLeft.get(root);
    if (!left) searchesLeft.set(root, left = { left: CLOSE_VALUE_SEARCHES });
    return left;
}

/** A text in quotes for a message, cut to its first 60 characters when longer. */
function shortQuoted(value: string): string {
    return value.length <= 60 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 60)).slice(0, -1)}…" (${value.length} characters)`;
}

/** Problems of one members file reported one by one; the rest are counted in one more diagnostic. */
const MAX_FILE_PROBLEMS = 20;

/**
 * Checks against the data in the database that `database` names: the file itself, the tables
 * and columns the schema names, static member keys and text values compared with `=`.
 * Every fact comes from `DatabaseFacts`, which queries off this thread and caches per file version.
 * `readsValues` false leaves out the checks that read every value of a column (they only warn).
 */
export class DataChecks {
    constructor(private readonly workspace: SegmentWorkspace, private readonly facts: DatabaseFacts, private readonly readsValues = true) {}

    async checkDatabase(db: ast.Database, accept: ValidationAcceptor): Promise<void> {
        const model = this.workspace.model;
        if (model.database?.node !== db) return;
        const file = model.database.uri.fsPath;
        const status = await this.facts.status(file);
        if (status.kind === 'missing') {
            accept('error', `The database file ${file} does not exist. Check the path (it is relative to this file) or build the database first.`,
                { node: db, property: 'path', code: IssueCodes.DatabaseMissing, data: { code: IssueCodes.DatabaseMissing } });
        } else if (status.kind === 'unreadable') {
            accept('error', `The database file ${file} cannot be read: ${status.message}.`,
                { node: db, property: 'path', code: IssueCodes.DatabaseUnreadable, data: { code: IssueCodes.DatabaseUnreadable } });
        }
    }

    async checkEntity(entity: ast.Entity, accept: ValidationAcceptor): Promise<void> {
        const file = await this.readableDatabase();
        if (!file || !entity.name) return;
        const tables = await this.facts.tables(file);
        const tableName = entity.table ?? entity.name;
        const table = tables.get(tableName.toLowerCase());
        if (!table) {
            const near = closest(tableName, [...tables.values()].map(t => t.name));
            accept('error', `The database has no table ${tableName}.${near.length ? ` Tables with close names: ${near.join(', ')}.` : ''} Write \`from TABLE\` with the table's name.`,
                { node: entity, property: entity.table !== undefined ? 'table' : 'name', code: IssueCodes.TableMissing, data: { code: IssueCodes.TableMissing, suggestions: near } });
            return;
        }
        const columns = new Set(table.columns.map(c => c.toLowerCase()));
        if (this.readsValues) await this.checkStoredValues(file, entity, table.name, columns, accept);
        for (const attribute of entity.attributes) {
            const column = attribute.column ?? attribute.name;
            if (!attribute.name || columns.has(column.toLowerCase())) continue;
            const near = closest(column, table.columns);
            accept('error', `Table ${table.name} has no column ${column}.${near.length ? ` Did you mean ${near.join(' or ')}?` : ''} Write \`column NAME\` with the column's name.`,
                { node: attribute, property: attribute.column !== undefined ? 'column' : 'name', code: IssueCodes.ColumnMissing, data: { code: IssueCodes.ColumnMissing, suggestions: near } });
        }
    }

    /**
     * Stored values (reference, section 2): per attribute, the values that fit no form of its
     * type (missing for every condition), as `type-mismatch` when they are most of the column;
     * and a key that more than one row holds.
     */
    private async checkStoredValues(file: string, entity: ast.Entity, table: string, columns: ReadonlySet<string>, accept: ValidationAcceptor): Promise<void> {
        const declared = entity.attributes.filter(a => a.name && a.type && columns.has((a.column ?? a.name).toLowerCase()));
        const readings = await this.facts.readings(file, table, declared.map(a => ({ column: a.column ?? a.name, type: a.type as AttributeType })));
        for (const attribute of declared) {
            const column = attribute.column ?? attribute.name;
            const r = readings.get(readingKey(column, attribute.type as AttributeType));
            if (!r || r.unreadable === 0) continue;
            const examples = r.examples.map(v => JSON.stringify(v)).join(', ');
            const kind = TYPE_WORDS[attribute.type as AttributeType];
            if (r.unreadable * 2 > r.stored) {
                accept('warning', `${r.unreadable} of the ${r.stored} values of column ${column} are not ${kind} (${examples}), so ${attribute.name} is missing in most rows. Declare the type the column holds, or fix the data.`,
                    { node: attribute, property: 'type', code: IssueCodes.TypeMismatch, data: { code: IssueCodes.TypeMismatch } });
            } else {
                accept('warning', `${r.unreadable} ${r.unreadable === 1 ? 'value' : 'values'} of column ${column} ${r.unreadable === 1 ? 'is' : 'are'} not ${kind} (${examples}) and ${r.unreadable === 1 ? 'counts' : 'count'} as missing for every condition. Fix ${r.unreadable === 1 ? 'it' : 'them'} in the data to count ${r.unreadable === 1 ? 'it' : 'them'}.`,
                    { node: attribute, property: 'type', code: IssueCodes.UnreadableValues, data: { code: IssueCodes.UnreadableValues } });
            }
        }
        await this.checkEventTimes(file, entity, table, declared, accept);
        const key = entity.key?.ref;
        if (key && declared.includes(key)) {
            const dup = await this.facts.duplicateKeys(file, table, key.column ?? key.name, key.type === 'number' ? 'number' : 'text');
            if (dup.keys > 0) {
                accept('warning', `${entity.name}.${key.name} is not unique in the data: ${dup.keys} ${dup.keys === 1 ? 'key is' : 'keys are'} held by ${dup.rows} rows. Each such key is one member; conditions on ${entity.name} may read any of its rows. Pick a key that identifies one record.`,
                    { node: entity, property: 'key', code: IssueCodes.DuplicateKeys, data: { code: IssueCodes.DuplicateKeys } });
            }
        }
    }

    /**
     * Event entities (reference 6.1): records whose time is missing or unreadable exist at no
     * instant, so no segment counts them; how many, of how many, with a few keys.
     */
    private async checkEventTimes(file: string, entity: ast.Entity, table: string, declared: readonly ast.Attribute[], accept: ValidationAcceptor): Promise<void> {
        const time = entity.time?.ref;
        if (!time || (time.type !== 'date' && time.type !== 'datetime') || !declared.includes(time)) return;
        const key = entity.key?.ref;
        const found = await this.facts.timelessRecords(file, table, time.column ?? time.name, time.type, key ? key.column ?? key.name : '');
        const without = found ? found.missing + found.unreadable : 0;
        if (!found || without === 0) return;
        const how = [found.missing > 0 ? `${found.missing} missing` : '', found.unreadable > 0 ? `${found.unreadable} unreadable` : ''].filter(Boolean).join(', ');
        const examples = found.examples.length > 0 && key ? `; ${without > found.examples.length ? 'for example ' : ''}${key.name} ${found.examples.join(', ')}` : '';
        const one = without === 1;
        accept('warning', `${without} of the ${found.rows} ${entity.name} records ${one ? 'has' : 'have'} no readable ${time.name} (${how}${examples}): ${one ? 'it exists' : 'they exist'} at no instant, so no segment counts ${one ? 'it' : 'them'}. Fill in ${time.name} in the data to count ${one ? 'it' : 'them'}.`,
            { node: entity, property: 'time', code: IssueCodes.MissingTime, data: { code: IssueCodes.MissingTime } });
    }

    async checkMembers(segment: ast.StaticSegment, accept: ValidationAcceptor): Promise<void> {
        const members = segment.members;
        const audience = properties(segment).audience?.entity?.ref;
        const entity = audience && this.workspace.model.schema.entity(audience.name);
        if (members?.file !== undefined && entity) return this.checkMembersFile(segment, members, entity.key.type === 'number' ? 'number' : 'text', accept);
        if (!members || members.keys.length === 0 || !entity) return;
        const file = await this.readableDatabase();
        if (!file) return;
        const keys = members.keys.map(k => (ast.isNumberLiteral(k) ? (k.negative ? -k.value : k.value) : k.value));
        if (keys.some(k => typeof k !== (entity.key.type === 'number' ? 'number' : 'string'))) return;
        const missing = await this.facts.missingKeys(file, entity.table, entity.key.column, keys);
        keys.forEach((k, index) => {
            if (!missing.has(k)) return;
            accept('warning', `No ${entity.name} has ${entity.key.name} ${JSON.stringify(k)} in the data: this key adds no member.`,
                { node: members, ...itemLocation(members, 'keys', index), code: IssueCodes.MemberNotFound, data: { code: IssueCodes.MemberNotFound } });
        });
    }

    /**
     * `members from "FILE"`: the file is read as a run reads it (inside the workspace folder, UTF-8,
     * every key parsed), and each problem is reported on the file name, with its line.
     */
    private async checkMembersFile(segment: ast.StaticSegment, members: ast.Members, keyType: 'number' | 'text', accept: ValidationAcceptor): Promise<void> {
        const model = this.workspace.model;
        const path = model.resolveFile ? model.resolveFile(segment, members.file!) : members.file!;
        const { problems } = await this.membersFile(path, keyType, model.workspaceFolder?.(segment));
        const shown = problems.slice(0, MAX_FILE_PROBLEMS);
        for (const p of shown) accept(p.severity, p.line === undefined ? p.message : `${members.file}, ${p.message.charAt(0).toLowerCase()}${p.message.slice(1)}`, { node: members, property: 'file', code: p.code, data: { code: p.code } });
        const more = problems.length - shown.length;
        if (more > 0) {
            const code = problems[shown.length].code;
            accept('error', `${members.file}: ${more} more ${more === 1 ? 'line has a problem' : 'lines have problems'} like those above.`, { node: members, property: 'file', code, data: { code } });
        }
    }

    private readonly membersFiles = new Map<string, { readonly stamp: string; readonly read: Promise<MembersFileContent> }>();

    /** A members file read once per version (modification time and size): validation runs on every edit. */
    private membersFile(path: string, keyType: 'number' | 'text', within: string | undefined): Promise<MembersFileContent> {
        const key = `${path}\u0000${keyType}\u0000${within ?? ''}`;
        let stamp: string;
        try {
            const info = statSync(path);
            stamp = `${info.mtimeMs}:${info.size}:${info.ino}`;
        } catch {
            stamp = 'missing';
        }
        const known = this.membersFiles.get(key);
        if (known && known.stamp === stamp && stamp !== 'missing') return known.read;
        const read = readMembers(path, keyType, within);
        this.membersFiles.set(key, { stamp, read });
        return read;
    }

    async checkValues(condition: ast.CompareCondition | ast.InCondition, accept: ValidationAcceptor): Promise<void> {
        if (!this.readsValues) return;
        if (ast.isCompareCondition(condition) && condition.operator !== '=') return;
        if (ast.isInCondition(condition) && condition.negated) return;
        const left = condition.left;
        const target = ast.isAttributeRef(left) && ast.isAttribute(left.attribute?.ref) ? left.attribute.ref : undefined;
        if (!target || target.type !== 'text') return;
        const values = ast.isCompareCondition(condition) ? [condition.right] : condition.values;
        if (!values.some(ast.isStringLiteral)) return;
        const attribute = this.workspace.model.schema.attribute((target.$container as ast.Entity).name, target.name);
        const entity = attribute && this.workspace.model.schema.entity(attribute.entity);
        const file = entity && await this.readableDatabase();
        if (!file || !entity || !attribute) return;
        const known = await this.facts.columnValues(file, entity.table, attribute.column);
        if (!known?.all) return;
        const searches = closeValueSearches(condition);
        values.forEach((value, index) => {
            if (!ast.isStringLiteral(value) || known.all!.has(value.value)) return;
            // Close values are looked for a bounded number of times per file: each search reads every known value.
            const near = searches.left-- > 0 ? closest(value.value, known.all!, 5) : [];
            const list = near.length > 0 ? near : known.top.slice(0, 5).map(t => t.value);
            const message = `${shortQuoted(value.value)} never occurs in ${attribute.entity}.${attribute.name} (column ${attribute.column}); \`=\` and \`in\` compare exactly. ${near.length > 0 ? 'Close values' : 'Frequent values'}: ${list.map(shortQuoted).join(', ')}.`;
            const data = { code: IssueCodes.ValueNotFound, suggestions: near.map(v => JSON.stringify(v)) };
            if (ast.isCompareCondition(condition)) accept('hint', message, { node: condition, ...(value.$cstNode ? { range: value.$cstNode.range } : { property: 'right' }), code: IssueCodes.ValueNotFound, data });
            else accept('hint', message, { node: condition, ...itemLocation(condition, 'values', index), code: IssueCodes.ValueNotFound, data });
        });
    }

    /** The database file when it can be read; the `database` line reports it otherwise. */
    private async readableDatabase(model: WorkspaceModel = this.workspace.model): Promise<string | undefined> {
        if (!model.database) return undefined;
        const file = model.database.uri.fsPath;
        return (await this.facts.status(file)).kind === 'ok' ? file : undefined;
    }
}
