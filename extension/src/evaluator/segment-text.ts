import { keyText, type KeyValue } from '../../../compiler/keys.js';
import { generateSchema, segmentString, type DeclaredEntity } from '../../../compiler/schema-text.js';
import type { Schema } from '../../../compiler/schema.js';
import type { GeneratedSchemaText } from './protocol.js';
import type { SqlJsEngine } from '../../../engine/sqljs-engine.js';

/** A `.segment` string literal. */
export function stringLiteral(value: string): string {
    return segmentString(value);
}

/** Freeze as Static Segment: today's members as a static segment's text. */
export function staticSegmentText(name: string, title: string, audience: string, asOf: string, keys: readonly KeyValue[], show: readonly string[]): string {
    const lines = [`// Frozen from ${name} as of ${asOf}: ${keys.length} members. Static segments never change.`,
        `static segment ${name}Frozen${asOf.slice(0, 10).replace(/-/g, '')} {`,
        `  title ${stringLiteral(`${title} (frozen ${asOf.slice(0, 10)})`)}`,
        `  audience ${audience}`];
    if (show.length) lines.push(`  show ${show.join(', ')}`);
    {
        const items = keys.map(k => (typeof k === 'string' ? stringLiteral(k) : keyText(k)));
        const rows: string[] = [];
        for (let i = 0; i < items.length; i += 12) rows.push(items.slice(i, i + 12).join(', '));
        lines.push(`  members ${rows.join(',\n          ')}`);
    }
    lines.push('}', '');
    return lines.join('\n');
}

/**
 * Generate Schema from Database: the command line's generator (odd names written as strings,
 * unique names, comments on what the language cannot express), the database named by its file
 * name, as the schema is saved beside it. When the workspace already reads this database, the
 * text holds only what it does not declare yet (its tables' entities, and columns its entities
 * do not read, as comments), so that it never clashes with the workspace's own schema.
 */
export function schemaText(engine: SqlJsEngine, databasePath: string, workspace?: { readonly database?: string; readonly schema: Schema }): GeneratedSchemaText {
    const file = databasePath.split(/[\\/]/).pop() ?? databasePath;
    const same = workspace?.database !== undefined && workspace.database === databasePath;
    const declared: DeclaredEntity[] = same ? [...workspace.schema.entities.values()].map(e => ({
        name: e.name, table: e.table, keyColumn: e.key.column,
        attributes: [...e.attributes.values()].map(a => ({ name: a.name, column: a.column }))
    })) : [];
    const header = same
        ? [`Generated from ${file}: what this workspace does not declare yet. Check the types, add descriptions, and add it to the workspace's schema.`]
        : [`Generated from ${file}: check the types, add descriptions, save beside the database.`];
    const generated = generateSchema(same ? undefined : file, engine.describe(), header, declared);
    const tablesDeclared = new Set(declared.map(d => d.table.toLowerCase()));
    return {
        text: generated.text,
        entities: generated.entities,
        declared: engine.describe().filter(t => tablesDeclared.has(t.name.toLowerCase())).length,
        undeclaredColumns: generated.undeclaredColumns
    };
}
