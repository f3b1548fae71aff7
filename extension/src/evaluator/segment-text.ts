import { keyText, type KeyValue } from '../../../compiler/keys.js';
import { generateSchema, segmentString } from '../../../compiler/schema-text.js';
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
 * name, as the schema is saved beside it.
 */
export function schemaText(engine: SqlJsEngine, databasePath: string): string {
    const file = databasePath.split(/[\\/]/).pop() ?? databasePath;
    const { text } = generateSchema(file, engine.describe(), [`Generated from ${file}: check the types, add descriptions, save beside the database.`]);
    return text;
}
