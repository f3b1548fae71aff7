import type { AttributeType } from './schema.js';

/** What a database says about one table, with a sample of each column's values. */
export interface TableInfo {
    readonly name: string;
    readonly columns: readonly { readonly name: string; readonly declaredType: string; readonly primaryKey: boolean; readonly sample: readonly unknown[] }[];
    readonly foreignKeys: readonly { readonly column: string; readonly table: string }[];
}

/** PascalCase singular entity name for a table: `purchase_items` → `PurchaseItem`. */
export function entityNameFor(table: string): string {
    const words = identifierWords(table);
    const last = words.length - 1;
    if (last >= 0) words[last] = singular(words[last]);
    return toIdentifier(words);
}

/** PascalCase attribute name for a column: `customer_id` → `CustomerId`. */
export function attributeNameFor(column: string): string {
    return toIdentifier(identifierWords(column));
}

function identifierWords(name: string): string[] {
    return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[^A-Za-z0-9]+/).filter(Boolean).map(w => w.toLowerCase());
}

function toIdentifier(words: string[]): string {
    const id = words.map(w => w[0].toUpperCase() + w.slice(1)).join('');
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
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/;

/** The attribute type for a column, from its declared type and its values. */
export function inferType(declaredType: string, sample: readonly unknown[], column: string): AttributeType {
    const t = declaredType.toUpperCase();
    const values = sample.filter(v => v !== null && v !== undefined);
    if (/BOOL/.test(t)) return 'boolean';
    if (/DATETIME|TIMESTAMP/.test(t)) return 'datetime';
    if (/^DATE$/.test(t)) return 'date';
    if (/INT|REAL|FLOA|DOUB|NUM|DEC/.test(t) || (t === '' && values.length > 0 && values.every(v => typeof v === 'number'))) {
        const flag = /^(is|has|do|does|can|should|opt)_|_flag$/i.test(column) || /^(is|has|do|does|can|should)[A-Z]/.test(column);
        if (flag && values.every(v => v === 0 || v === 1)) return 'boolean';
        return 'number';
    }
    if (values.length > 0 && values.every(v => typeof v === 'string' && DATE.test(v))) return 'date';
    if (values.length > 0 && values.every(v => typeof v === 'string' && (DATETIME.test(v) || DATE.test(v)))) return 'datetime';
    return 'text';
}

const quoteIfNeeded = (name: string): string => (/^[_a-zA-Z]\w*$/.test(name) ? name : JSON.stringify(name));

/** A schema in the segment language for the given tables: edit it, then write segments over it. */
export function schemaText(databasePath: string, tables: readonly TableInfo[]): string {
    const entityOf = new Map(tables.map(t => [t.name, entityNameFor(t.name)]));
    const lines = [`database ${JSON.stringify(databasePath)}`, ''];
    for (const table of tables) {
        const entity = entityOf.get(table.name)!;
        const key = table.columns.find(c => c.primaryKey) ?? table.columns[0];
        if (!key) continue;
        const from = entity === table.name ? '' : ` from ${quoteIfNeeded(table.name)}`;
        if (!table.columns.some(c => c.primaryKey)) lines.push(`// ${table.name} has no primary key: check that ${key.name} identifies one record.`);
        lines.push(`entity ${entity}${from} key ${attributeNameFor(key.name)} {`);
        const names = table.columns.map(c => attributeNameFor(c.name));
        const width = Math.max(...names.map(n => n.length));
        const types = table.columns.map(c => inferType(c.declaredType, c.sample, c.name));
        const typeWidth = Math.max(...types.map(t => t.length));
        table.columns.forEach((c, i) => {
            const fk = table.foreignKeys.find(f => f.column === c.name);
            const target = fk ? entityOf.get(fk.table) : undefined;
            const column = names[i] === c.name ? '' : `  column ${quoteIfNeeded(c.name)}`;
            const ref = target ? `  -> ${target}` : '';
            lines.push(`  ${names[i].padEnd(width)}  ${types[i].padEnd(typeWidth)}${column}${ref}`.trimEnd());
        });
        lines.push('}', '');
    }
    return lines.join('\n');
}
