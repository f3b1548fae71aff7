import type { AstNode } from 'langium';
import * as ast from '../grammar/generated/ast.js';
import { exactNumberKey } from './exact-number.js';
import type { Literal } from './ir.js';
import { keyText, type KeyValue } from './keys.js';
import { lowerValue } from './lower-condition.js';
import { audienceNameOf, type LowerContext } from './lower.js';
import { ProblemCodes, ProblemSink, type Problem } from './problems.js';
import { eventTime, type SchemaAttribute, type SchemaEntity } from './schema.js';
import { resolveTime } from './sql/to-sql.js';
import type { CheckPlan, TestCell, TestColumn, TestPlan, TestReason, TestTable } from './test-plan.js';
import { clockAsOf, isValidDate, isValidDateTime, type Clock } from './time.js';

/** The time of an event entity's record whose time a test leaves out: the first instant a stored time can say. */
export const ALWAYS = '0001-01-01 00:00:00';

export interface TestLowerResult {
    /** Absent when the test has errors, or names a segment the linker could not resolve. */
    readonly plan?: TestPlan;
    readonly problems: readonly Problem[];
}

/** A test as written to a plan: its instant, its rows as tables of the schema, its checks; every problem with a code. */
export function lowerTest(test: ast.Test, ctx: LowerContext): TestLowerResult {
    const sink = new ProblemSink();
    const segment = test.segment?.ref;
    const instant = lowerInstant(test, sink);
    const audience = segment ? audienceNameOf(segment, ctx) : undefined;
    // Without a valid instant the rows are still checked (on any clock: the test gets no plan).
    const data = test.rows.length > 0 ? lowerRows(test.rows, ctx, instant?.clock ?? clockAsOf('1970-01-01'), sink) : undefined;
    const checks: CheckPlan[] = [];
    for (const check of test.checks) {
        const plan = segment ? lowerCheck(check, segment, audience, ctx, sink) : undefined;
        if (plan) checks.push(plan);
    }
    if (test.checks.length === 0) sink.warning(ProblemCodes.TestNoChecks, 'This test checks nothing: add `members K`, `not members K`, `count N` or another check.', test, 'segment');
    if (!segment || !instant || sink.hasErrors) return { problems: sink.problems };
    return {
        problems: sink.problems,
        plan: {
            segment: segment.name, asOf: instant.asOf, clock: instant.clock, checks, line: lineOf(test),
            ...(test.title !== undefined ? { title: test.title } : {}),
            ...(data ? { data } : {})
        }
    };
}

/** `as of D`: a date or datetime written out; never missing, never `today` or `now`. */
function lowerInstant(test: ast.Test, sink: ProblemSink): { asOf: string; clock: Clock } | undefined {
    const instant = test.instant;
    if (!instant) {
        sink.error(ProblemCodes.TestInstantMissing, 'A test pins its instant, so that it gives the same result on any day: add `as of 2027-02-11` (a date, or a datetime 2027-02-11T09:30:00) after the segment\'s name.', test, 'segment');
        return undefined;
    }
    const base = instant.base;
    if (ast.isTodayLiteral(base) || ast.isNowLiteral(base) || instant.offsets.length > 0) {
        sink.error(ProblemCodes.TestInstantRelative, 'A test pins its instant: write a date or a datetime (`as of 2027-02-11`), not `today`, `now` or an offset, so that it gives the same result on any day.', test, 'instant');
        return undefined;
    }
    const value = base.value;
    if (ast.isDateLiteral(base) ? !isValidDate(value) : !isValidDateTime(value)) {
        sink.error(ProblemCodes.InvalidDate, `${value} is not a calendar ${ast.isDateLiteral(base) ? 'date' : 'datetime'}.`, test, 'instant');
        return undefined;
    }
    return { asOf: value, clock: clockAsOf(value) };
}

/**
 * Every table of the schema, with the rows written for its entities. A row names some
 * attributes; the others are missing (null), but a key left out is the smallest whole number
 * from 1 up that no row of that table gives (as text for a text key), and an event entity's
 * `time` left out is `ALWAYS`, so that the record exists at every instant (and relates to the
 * records that exist then: a purchase made before its customer signed up relates to no one).
 */
function lowerRows(rows: readonly ast.TestRow[], ctx: LowerContext, clock: Clock, sink: ProblemSink): TestTable[] {
    const tables = new Map<string, { columns: TestColumn[]; index: Map<string, number>; rows: TestCell[][]; keyed: { key: number; row: TestCell[]; entity: SchemaEntity }[] }>();
    for (const entity of ctx.schema.entities.values()) {
        let table = tables.get(entity.table);
        if (!table) tables.set(entity.table, table = { columns: [], index: new Map(), rows: [], keyed: [] });
        for (const a of entity.attributes.values()) {
            if (table.index.has(a.column)) continue;
            table.index.set(a.column, table.columns.length);
            table.columns.push({ name: a.column, type: a.type });
        }
    }
    const given = new Map<string, Set<string>>();
    for (const row of rows) {
        const entity = row.entity?.ref ? ctx.schema.entity(row.entity.ref.name) : undefined;
        if (!entity) continue;
        const table = tables.get(entity.table)!;
        const cells: TestCell[] = table.columns.map(() => null);
        const named = new Set<string>();
        let failed = false;
        for (const v of row.values) {
            const target = v.attribute?.ref;
            const attribute = target ? entity.attributes.get(target.name) : undefined;
            if (!attribute) { failed = true; continue; }
            if (named.has(attribute.name)) {
                sink.error(ProblemCodes.TestDuplicateAttribute, `${attribute.name} is given twice in this row: keep one.`, v, 'attribute');
                failed = true;
                continue;
            }
            named.add(attribute.name);
            const cell = cellOf(v, attribute, clock, sink);
            if (cell === undefined) failed = true;
            else cells[table.index.get(attribute.column)!] = cell;
        }
        if (failed) continue;
        // An event entity's record without its time has always existed: at every instant, before every record with a time.
        const time = eventTime(entity);
        if (time && cells[table.index.get(time.column)!] === null) cells[table.index.get(time.column)!] = time.type === 'date' ? ALWAYS.slice(0, 10) : ALWAYS;
        const keyIndex = table.index.get(entity.key.column)!;
        const keys = given.get(entity.table) ?? new Set<string>();
        given.set(entity.table, keys);
        if (cells[keyIndex] === null) {
            table.keyed.push({ key: keyIndex, row: cells, entity });
        } else {
            const id = keyText(cells[keyIndex] as KeyValue);
            if (keys.has(id)) sink.error(ProblemCodes.TestDuplicateKey, `Another row of ${entity.table} already has the key ${id}: a key identifies one record, so give this row another key (or none, and one is generated).`, row, 'values');
            keys.add(id);
        }
        table.rows.push(cells);
    }
    for (const [name, table] of tables) {
        const keys = given.get(name) ?? new Set<string>();
        let next = 1;
        for (const { key, row, entity } of table.keyed) {
            while (keys.has(String(next))) next++;
            row[key] = entity.key.type === 'number' ? next : String(next);
            keys.add(String(next));
        }
    }
    return [...tables].map(([name, t]) => ({ name, columns: t.columns, rows: t.rows }));
}

/** The stored value of `A = V` in a row, or undefined (with a problem) when V does not fit A's type. */
function cellOf(v: ast.RowValue, attribute: SchemaAttribute, clock: Clock, sink: ProblemSink): TestCell | undefined {
    const literal = lowerValue(v.value, { sink });
    if (!literal) return undefined;
    const cell = fit(literal, v.value, attribute, clock);
    if (cell === undefined) {
        sink.error(ProblemCodes.TestValueType, `${attribute.entity}.${attribute.name} is ${typeText(attribute)}, so its value is ${examples(attribute)}, not ${literalText(literal)}.`, v, 'value');
    }
    return cell;
}

function fit(literal: Literal, node: ast.Value, attribute: SchemaAttribute, clock: Clock): TestCell | undefined {
    switch (attribute.type) {
        case 'text': return literal.node === 'text' ? literal.value : undefined;
        case 'number': return literal.node === 'number' && ast.isNumberLiteral(node) ? exactNumberKey(node) : undefined;
        case 'boolean': return literal.node === 'boolean' ? (literal.value ? 1 : 0) : undefined;
        case 'date': return literal.node === 'time' && literal.type === 'date' ? resolveTime(literal, clock) : undefined;
        case 'datetime':
            if (literal.node !== 'time') return undefined;
            return literal.type === 'date' ? `${resolveTime(literal, clock)} 00:00:00` : resolveTime(literal, clock);
    }
}

function typeText(a: SchemaAttribute): string {
    return a.type === 'text' ? 'a text' : `a ${a.type}`;
}

function examples(a: SchemaAttribute): string {
    switch (a.type) {
        case 'text': return 'text in quotes ("Dublin")';
        case 'number': return 'a number (42, -3, 12.5)';
        case 'boolean': return '`true` or `false`';
        case 'date': return 'a date (2027-02-14, or `today - 3 days`: today is the test\'s instant)';
        case 'datetime': return 'a datetime (2027-02-14T09:30:00, a date, or `now - 2 hours`: now is the test\'s instant)';
    }
}

function literalText(l: Literal): string {
    switch (l.node) {
        case 'text': return `the text ${JSON.stringify(l.value)}`;
        case 'number': return `the number ${String(l.integer ?? l.value)}`;
        case 'boolean': return `\`${String(l.value)}\``;
        case 'time': return `a ${l.type}`;
    }
}

function lowerCheck(check: ast.TestCheck, segment: ast.Segment, audience: string | undefined, ctx: LowerContext, sink: ProblemSink): CheckPlan | undefined {
    const base = { line: lineOf(check), text: (check.$cstNode?.text ?? '').replace(/\s+/g, ' ').trim() };
    if (ast.isMembersCheck(check) || ast.isNotMembersCheck(check)) {
        const keys = lowerKeys(check, audience, ctx, sink);
        if (ast.isMembersCheck(check)) return keys ? { ...base, node: 'members', keys } : undefined;
        const reason = check.reason ? lowerReason(check.reason, segment, sink) : undefined;
        if (!keys || (check.reason && !reason)) return undefined;
        return { ...base, node: 'not-members', keys, ...(reason ? { reason } : {}) };
    }
    if (ast.isCountCheck(check) && !check.percent) {
        const low = check.value ?? check.low;
        const high = check.value ?? check.high;
        if (low === undefined || high === undefined) return undefined;
        if (!Number.isInteger(low) || !Number.isInteger(high)) {
            sink.error(ProblemCodes.TestCount, 'A count is a whole number of members.', check);
            return undefined;
        }
        if (low > high) {
            sink.error(ProblemCodes.TestCount, `\`between ${low} and ${high}\` holds no count: write the smaller number first.`, check);
            return undefined;
        }
        return { ...base, node: 'count', low, high };
    }
    const other = check.segment?.ref;
    if (!other) return undefined;
    const otherAudience = audienceNameOf(other, ctx);
    if (audience && otherAudience && audience !== otherAudience) {
        sink.error(ProblemCodes.TestAudience, `${other.name}'s audience is ${otherAudience} and ${segment.name}'s is ${audience}: only segments of one audience share members.`, check, 'segment');
        return undefined;
    }
    if (ast.isCountCheck(check)) {
        const share = check.value ?? 0;
        const tolerance = check.tolerance ?? 0;
        if (share > 100 || tolerance > 100) {
            sink.error(ProblemCodes.TestShare, 'A share and its tolerance are at most 100%.', check, share > 100 ? 'value' : 'tolerance');
            return undefined;
        }
        return { ...base, node: 'share', of: other.name, percent: share, tolerance };
    }
    return { ...base, node: ast.isSubsetCheck(check) ? 'subset' : 'disjoint', of: other.name };
}

function lowerKeys(check: ast.MembersCheck | ast.NotMembersCheck, audience: string | undefined, ctx: LowerContext, sink: ProblemSink): KeyValue[] | undefined {
    const entity = audience ? ctx.schema.entity(audience) : undefined;
    const keys: KeyValue[] = [];
    let failed = false;
    check.keys.forEach((k, index) => {
        const value: KeyValue = ast.isNumberLiteral(k) ? exactNumberKey(k) : k.value;
        if (entity && (typeof value === 'string') !== (entity.key.type !== 'number')) {
            sink.problems.push({
                severity: 'error', code: ProblemCodes.KeyType, node: check, property: 'keys', index,
                message: `${entity.name}.${entity.key.name} is ${entity.key.type === 'number' ? 'a number' : 'text'}, so keys here are ${entity.key.type === 'number' ? 'numbers' : 'texts in quotes'}.`
            });
            failed = true;
        }
        keys.push(value);
    });
    return failed ? undefined : keys;
}

/** `by NAME`, `by group N`, `by sequence N`, `by top`, `by sample`: something of the segment that can keep a profile out. */
function lowerReason(reason: ast.TestReason, segment: ast.Segment, sink: ProblemSink): TestReason | undefined {
    const fail = (message: string): undefined => {
        sink.error(ProblemCodes.TestReason, message, reason);
        return undefined;
    };
    if (ast.isStaticSegment(segment)) return fail(`${segment.name} is static: a profile is out of it only because it is not listed, so write \`not members\` without \`by\`.`);
    if (reason.step) {
        if (segment.steps.some(s => (reason.step === 'top' ? ast.isTopStep(s) : ast.isSampleStep(s)))) return { kind: 'step', step: reason.step };
        return fail(`${segment.name} has no \`${reason.step}\` step.`);
    }
    if (ast.isCompoundSegment(segment)) {
        const index = segment.parts.findIndex(p => p.segment?.$refText === reason.label);
        if (reason.label !== undefined && index >= 0) return { kind: 'part', index, segment: reason.label };
        return fail(`${reason.label ?? `${reason.block} ${reason.index}`} is not a part of ${segment.name}: name one of its parts (${segment.parts.map(p => p.segment?.$refText).join(', ')})${segment.steps.length > 0 ? ' or its step' : ''}.`);
    }
    const blocks = segment.groups;
    const label = (b: ast.Block, i: number): string => b.name ?? `${ast.isSequence(b) ? 'sequence' : 'group'} ${i + 1}`;
    if (reason.label !== undefined) {
        const index = blocks.findIndex(b => b.name === reason.label);
        if (index >= 0) return { kind: 'block', index, label: reason.label };
        const named = blocks.filter(b => b.name).map(b => b.name);
        return fail(`${segment.name} has no group or sequence named ${reason.label}${named.length > 0 ? ` (named: ${named.join(', ')})` : ': name one, or write `group N` for the Nth block'}.`);
    }
    const n = reason.index ?? 0;
    const index = n - 1;
    const block = blocks[index];
    if (!Number.isInteger(n) || !block || (reason.block === 'sequence') !== ast.isSequence(block)) {
        return fail(`${segment.name} has no ${reason.block} ${n}: its blocks are ${blocks.map(label).join(', ')} (counted from 1, groups and sequences together).`);
    }
    return { kind: 'block', index, label: label(block, index) };
}

function lineOf(node: AstNode): number {
    return (node.$cstNode?.range.start.line ?? 0) + 1;
}
