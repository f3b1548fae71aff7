import type { RowCosts } from './sql/semi-join-shape.js';
import type { AttributeType, SchemaAttribute, SchemaEntity } from './schema.js';

/**
 * How the values of one column are stored, as far as the engine knows (reference, section 2:
 * stored values are read as a person reads them). The compiler reads a plain column as it is,
 * so indexes serve it; any other column through the dialect's reading of every accepted form.
 */
export interface ColumnStorage {
    /**
     * Every stored value is in its type's plain form: numbers as numbers, booleans as 0 or 1,
     * text as text, dates and datetimes as ISO text without fraction or offset (or the engine's
     * own date and timestamp types).
     */
    readonly plain: boolean;
    /** Some date or datetime carries an offset, so its stored day may be a day off its UTC day. */
    readonly offsets: boolean;
    /** Some value fits none of its type's forms (it is read as missing). */
    readonly unreadable: boolean;
}

/** What is assumed of a column the engine has not looked at: anything may be stored in it. */
export const UNKNOWN_STORAGE: ColumnStorage = { plain: false, offsets: true, unreadable: true };
export const PLAIN_STORAGE: ColumnStorage = { plain: true, offsets: false, unreadable: false };

/** A column a plan reads, with the type it is read as. */
export interface ColumnRequest {
    readonly entity: string;
    readonly table: string;
    readonly column: string;
    readonly type: AttributeType;
    /**
     * A key column whose records the plan must count once per key (a `top` step): also asks
     * whether its keys are distinct, no key held by two records (reference, section 2).
     */
    readonly distinct?: boolean;
    /**
     * An event entity's time (reference 6.1): also asks for the latest time stored, when every
     * record has a readable one, so a query as of an instant no record is after need not hide any.
     */
    readonly latest?: boolean;
}

export const storageKey = (entity: string, column: string, type: AttributeType): string => `${entity}\u0000${column}\u0000${type}`;

/** The storage of the columns a set of plans reads; a column not listed is `UNKNOWN_STORAGE`. */
export class StorageFacts {
    constructor(
        private readonly facts: ReadonlyMap<string, ColumnStorage> = new Map(),
        private readonly distinct: ReadonlyMap<string, boolean> = new Map(),
        private readonly latest: ReadonlyMap<string, string | undefined> = new Map(),
        private readonly quantities: ReadonlyMap<string, number | undefined> = new Map(),
        /** The engine's relative costs of reading rows in order and through an index (semi-join-shape.ts), when it has its own. */
        readonly rowCosts?: RowCosts
    ) {}

    /** The figures the compiler asked for (`quantity`) that these facts do not hold: the engine measures them next. */
    readonly unmeasured = new Set<string>();

    of(attribute: SchemaAttribute): ColumnStorage {
        return this.facts.get(storageKey(attribute.entity, attribute.column, attribute.type)) ?? UNKNOWN_STORAGE;
    }

    /** Whether no key of the entity is held by two of its records (false when not looked at). */
    keysDistinct(entity: SchemaEntity): boolean {
        return this.distinct.get(storageKey(entity.name, entity.key.column, entity.key.type)) ?? false;
    }

    /**
     * The latest value of a time column as the dialect reads it (`columnAsDate` for a date,
     * `columnAsDateTime` for a datetime: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.fraction]`), when
     * every record has a readable one; undefined when some record has none (missing or
     * unreadable), when the table is empty, or when not looked at.
     */
    latestTime(attribute: SchemaAttribute): string | undefined {
        return this.latest.get(storageKey(attribute.entity, attribute.column, attribute.type));
    }

    /**
     * A figure of the data the compiler chooses a query's shape by (a table's size, how many
     * records a condition keeps, whether an index serves a column): the one number `sql`
     * returns, as the engine measured it on this copy. Undefined when not measured (the
     * question is then noted in `unmeasured`) or when the query failed or returned no number.
     */
    quantity(sql: string): number | undefined {
        if (!this.quantities.has(sql)) this.unmeasured.add(sql);
        return this.quantities.get(sql);
    }
}
