import type { ValidationAcceptor } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import { properties } from '../compiler/lower.js';
import { readMembers } from '../engine/members-file.js';
import type { DatabaseFacts } from './data/database-facts.js';
import { IssueCodes } from './issue-codes.js';
import { closest } from './suggestions.js';
import type { SegmentWorkspace, WorkspaceModel } from './workspace-model.js';

/** Problems of one members file reported one by one; the rest are counted in one more diagnostic. */
const MAX_FILE_PROBLEMS = 20;

/**
 * Checks against the data in the database that `database` names: the file itself, the tables
 * and columns the schema names, static member keys and text values compared with `=`.
 * Every fact comes from `DatabaseFacts`, which queries off this thread and caches per file version.
 */
export class DataChecks {
    constructor(private readonly workspace: SegmentWorkspace, private readonly facts: DatabaseFacts) {}

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
        for (const attribute of entity.attributes) {
            const column = attribute.column ?? attribute.name;
            if (!attribute.name || columns.has(column.toLowerCase())) continue;
            const near = closest(column, table.columns);
            accept('error', `Table ${table.name} has no column ${column}.${near.length ? ` Did you mean ${near.join(' or ')}?` : ''} Write \`column NAME\` with the column's name.`,
                { node: attribute, property: attribute.column !== undefined ? 'column' : 'name', code: IssueCodes.ColumnMissing, data: { code: IssueCodes.ColumnMissing, suggestions: near } });
        }
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
                { node: members, property: 'keys', index, code: IssueCodes.MemberNotFound, data: { code: IssueCodes.MemberNotFound } });
        });
    }

    /**
     * `members from "FILE"`: the file is read as a run reads it (inside the workspace folder, UTF-8,
     * every key parsed), and each problem is reported on the file name, with its line.
     */
    private async checkMembersFile(segment: ast.StaticSegment, members: ast.Members, keyType: 'number' | 'text', accept: ValidationAcceptor): Promise<void> {
        const model = this.workspace.model;
        const path = model.resolveFile ? model.resolveFile(segment, members.file!) : members.file!;
        const { problems } = await readMembers(path, keyType, model.workspaceFolder?.(segment));
        const shown = problems.slice(0, MAX_FILE_PROBLEMS);
        for (const p of shown) accept(p.severity, p.line === undefined ? p.message : `${members.file}, ${p.message.charAt(0).toLowerCase()}${p.message.slice(1)}`, { node: members, property: 'file', code: p.code, data: { code: p.code } });
        const more = problems.length - shown.length;
        if (more > 0) {
            const code = problems[shown.length].code;
            accept('error', `${members.file}: ${more} more ${more === 1 ? 'line has a problem' : 'lines have problems'} like those above.`, { node: members, property: 'file', code, data: { code } });
        }
    }

    async checkValues(condition: ast.CompareCondition | ast.InCondition, accept: ValidationAcceptor): Promise<void> {
        if (ast.isCompareCondition(condition) && condition.operator !== '=') return;
        if (ast.isInCondition(condition) && condition.negated) return;
        const left = condition.left;
        const target = ast.isAttributeRef(left) ? left.attribute?.ref : undefined;
        if (!target || target.type !== 'text') return;
        const values = ast.isCompareCondition(condition) ? [condition.right] : condition.values;
        if (!values.some(ast.isStringLiteral)) return;
        const attribute = this.workspace.model.schema.attribute((target.$container as ast.Entity).name, target.name);
        const entity = attribute && this.workspace.model.schema.entity(attribute.entity);
        const file = entity && await this.readableDatabase();
        if (!file || !entity || !attribute) return;
        const known = await this.facts.columnValues(file, entity.table, attribute.column);
        if (!known?.all) return;
        values.forEach((value, index) => {
            if (!ast.isStringLiteral(value) || known.all!.has(value.value)) return;
            const near = closest(value.value, known.all!, 5);
            const list = near.length > 0 ? near : known.top.slice(0, 5).map(t => t.value);
            const message = `${JSON.stringify(value.value)} never occurs in ${attribute.entity}.${attribute.name} (column ${attribute.column}); \`=\` and \`in\` compare exactly. ${near.length > 0 ? 'Close values' : 'Frequent values'}: ${list.map(v => JSON.stringify(v)).join(', ')}.`;
            const data = { code: IssueCodes.ValueNotFound, suggestions: near.map(v => JSON.stringify(v)) };
            if (ast.isCompareCondition(condition)) accept('hint', message, { node: condition, property: 'right', code: IssueCodes.ValueNotFound, data });
            else accept('hint', message, { node: condition, property: 'values', index, code: IssueCodes.ValueNotFound, data });
        });
    }

    /** The database file when it can be read; the `database` line reports it otherwise. */
    private async readableDatabase(model: WorkspaceModel = this.workspace.model): Promise<string | undefined> {
        if (!model.database) return undefined;
        const file = model.database.uri.fsPath;
        return (await this.facts.status(file)).kind === 'ok' ? file : undefined;
    }
}
