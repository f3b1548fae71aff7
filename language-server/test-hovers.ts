import * as ast from '../grammar/generated/ast.js';
import { lowerTest } from '../compiler/lower-test.js';
import type { LowerContext } from '../compiler/lower.js';

/** Hover on `test`: what the test runs, at which instant, on which data, and how many checks it has. */
export function testHover(test: ast.Test, model: LowerContext): string {
    const segment = test.segment?.$refText ?? '?';
    const instant = test.instant?.$cstNode?.text;
    const rows = test.rows.length;
    const plan = lowerTest(test, model).plan;
    const lines = [`**Test of ${segment}**${test.title ? ` · *${test.title}*` : ''}`];
    lines.push(instant ? `Runs ${segment} as of ${instant}${plan ? ` (today ${plan.clock.today}, now ${plan.clock.now})` : ''}, on every engine \`segments test --engine\` names.` : 'Has no instant: add `as of 2027-02-11` (a test never runs as of now).');
    lines.push(rows > 0
        ? `On its own ${rows} row${rows === 1 ? '' : 's'} (\`with\`): every other table is empty; attributes a row leaves out are missing, keys left out are generated.`
        : 'On the workspace database (it has no `with` rows).');
    lines.push(`${test.checks.length} check${test.checks.length === 1 ? '' : 's'}; \`segments test\` runs it.`);
    return lines.join('\n\n');
}

/** Hover on a row's `with`: the record it adds. */
export function rowHover(row: ast.TestRow): string {
    const entity = row.entity?.ref;
    if (!entity) return 'A record of an entity for this test.';
    const named = new Set(row.values.map(v => v.attribute?.$refText));
    const missing = entity.attributes.filter(a => !named.has(a.name) && a.name !== entity.key?.$refText && a.name !== entity.time?.$refText).map(a => a.name);
    const key = named.has(entity.key?.$refText) ? '' : ` Its key ${entity.key?.$refText ?? ''} is generated (the smallest whole number from 1 that no other ${entity.name} row of this test has).`;
    const time = entity.time && !named.has(entity.time.$refText) ? ` Its time ${entity.time.$refText} is 0001-01-01: the record exists at every instant.` : '';
    return `**A ${entity.name} record** in table \`${entity.table ?? entity.name}\` of this test's data.${key}${time}${missing.length > 0 ? ` Missing: ${missing.join(', ')}.` : ''}`;
}

/** Hover on a check's keyword: what must hold. */
export function checkHover(check: ast.TestCheck): string {
    const segment = testSegmentName(check);
    if (ast.isMembersCheck(check)) return `Each of these keys is a member of ${segment} at the test's instant.`;
    if (ast.isNotMembersCheck(check)) {
        const reason = check.reason?.$cstNode?.text;
        return reason
            ? `None of these keys is a member of ${segment}, and each is out because of ${reason}, as Explain Membership says: a group, sequence or part that fails it (an \`exclude\` that holds it), or a \`top\` / \`sample\` step that leaves it out.`
            : `None of these keys is a member of ${segment} at the test's instant.`;
    }
    if (ast.isCountCheck(check)) {
        if (check.percent) return `${segment}'s members are ${check.value ?? '?'}% of ${check.segment?.$refText ?? '?'}'s, give or take ${check.tolerance ?? '?'} points (100 × members / members of ${check.segment?.$refText ?? '?'}).`;
        return check.value !== undefined ? `${segment} has exactly ${check.value} members.` : `${segment} has between ${check.low ?? '?'} and ${check.high ?? '?'} members, both included.`;
    }
    if (ast.isSubsetCheck(check)) return `Every member of ${segment} is a member of ${check.segment?.$refText ?? '?'} (a subset).`;
    return `No member of ${segment} is a member of ${check.segment?.$refText ?? '?'} (the two are disjoint).`;
}

function testSegmentName(check: ast.TestCheck): string {
    const test: import('langium').AstNode | undefined = check.$container;
    return (ast.isTest(test) ? test.segment?.$refText : undefined) ?? 'the segment';
}
