import type { Key } from '../shared/data.js';
import type { SqlJsEngine } from '../../../engine/sqljs-engine.js';

/** A `.segment` string literal. */
export function stringLiteral(value: string): string {
    return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Freeze as Static Segment: today's members as a static segment's text. */
export function staticSegmentText(name: string, title: string, audience: string, asOf: string, keys: readonly Key[], show: readonly string[]): string {
    const lines = [`// Frozen from ${name} as of ${asOf}: ${keys.length} members. Static segments never change.`,
        `static segment ${name}Frozen${asOf.slice(0, 10).replace(/-/g, '')} {`,
        `  title ${stringLiteral(`${title} (frozen ${asOf.slice(0, 10)})`)}`,
        `  audience ${audience}`];
    if (show.length) lines.push(`  show ${show.join(', ')}`);
    {
        const items = keys.map(k => (typeof k === 'number' ? String(k) : stringLiteral(k)));
        const rows: string[] = [];
        for (let i = 0; i < items.length; i += 12) rows.push(items.slice(i, i + 12).join(', '));
        lines.push(`  members ${rows.join(',\n          ')}`);
    }
    lines.push('}', '');
    return lines.join('\n');
}

const pascal = (s: string): string => s.split(/[^A-Za-z0-9]+/).filter(Boolean).map(w => w[0].toUpperCase() + w.slice(1)).join('') || 'Field';
const singular = (s: string): string => (/ies$/i.test(s) ? s.replace(/ies$/i, 'y') : /(ss|us)$/i.test(s) ? s : s.replace(/s$/i, ''));
const identifier = (s: string): string => (/^[A-Za-z_]/.test(s) ? s : `_${s}`);

function attributeType(column: string, declared: string): string {
    const t = declared.toUpperCase();
    if (/BOOL/.test(t) || /^(is|has|do_not)_/i.test(column)) return 'boolean';
    if (/DATETIME|TIMESTAMP/.test(t) || /(_at|At)$/.test(column)) return 'datetime';
    if (/DATE/.test(t) || /(^|_)(date|birthday)$/i.test(column)) return 'date';
    if (/INT|REAL|FLOA|DOUB|NUM|DEC/.test(t)) return 'number';
    return 'text';
}

/** Generate Schema from Database: an `entity` per table with types and foreign keys, to edit. */
export function schemaText(engine: SqlJsEngine, databasePath: string): string {
    const tables = engine.tables();
    const entityOf = new Map(tables.map(t => [t.name, identifier(pascal(singular(t.name)))]));
    const file = databasePath.split(/[\\/]/).pop() ?? databasePath;
    const out = [`// Generated from ${file}: check the types, add descriptions, save beside the database.`, `database ${stringLiteral(file)}`, ''];
    for (const table of tables) {
        const entity = entityOf.get(table.name)!;
        const key = table.columns.find(c => c.pk) ?? table.columns[0];
        if (!key) continue;
        const attrName = (c: string): string => identifier(pascal(c));
        out.push(`entity ${entity} from ${/^[A-Za-z_][A-Za-z0-9_]*$/.test(table.name) ? table.name : stringLiteral(table.name)} key ${attrName(key.name)} {`);
        for (const c of table.columns) {
            const name = attrName(c.name);
            const fk = table.foreignKeys.find(f => f.column === c.name);
            const column = name === c.name ? '' : ` column ${/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.name) ? c.name : stringLiteral(c.name)}`;
            const target = fk && entityOf.has(fk.table) ? ` -> ${entityOf.get(fk.table)}` : '';
            out.push(`  ${name} ${attributeType(c.name, c.type)}${column}${target}`);
        }
        out.push('}', '');
    }
    return out.join('\n');
}
