/**
 * The keywords of the language (reference, section 1), version 2's reserved ones included. The
 * grammar's `Name` rule lists the same words (a test keeps the two equal), so that each one is
 * reserved everywhere else and a plain name where no keyword can stand: a table after `from`, a
 * column after `column`, an attribute in its declaration, after `key` and after `Entity.`.
 * Plain data, so that any stage (the compiler included) may use it without the parser.
 */
const KEYWORDS: ReadonlySet<string> = new Set(`
    database entity from key column text number boolean date datetime static dynamic compound
    segment title description audience status active inactive show group via union intersect
    exclude members not and or in between contains starts ends with is empty last next before
    after count sum avg min max where true false today now day days week weeks month months year
    years hour hours minute minutes
    time measure sequence then no within top by asc desc sample seed destination file webhook
    table activate
    test as of`.trim().split(/\s+/));

export function keywords(): ReadonlySet<string> {
    return KEYWORDS;
}

/** Whether `name` is a keyword, so it cannot name an entity, a segment, a group or a bare attribute. */
export function isKeyword(name: string): boolean {
    return KEYWORDS.has(name);
}
