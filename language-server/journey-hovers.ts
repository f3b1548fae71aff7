import * as ast from '../grammar/generated/ast.js';
import { resolveRelative, type WorkspaceModel } from './workspace-model.js';

/** Hover texts for sequence steps (reference, 6.3), top and sample steps (6.6) and destinations (7). */

/** A step: which one, what it asks for, and the time its records are ordered by. */
export function stepHover(step: ast.Event): string {
    const sequence = step.$container;
    const index = sequence.steps.indexOf(step);
    const entity = step.entity?.ref;
    const name = entity?.name ?? step.entity?.$refText ?? '?';
    const of = `step ${index + 1} of ${sequence.steps.length} of ${sequence.name ? `sequence ${sequence.name}` : 'the sequence'}`;
    const lines = [`**${step.none ? `no ${name}` : name}** · ${of}`];
    const previous = index > 0 ? `step ${index}'s ${sequence.steps[index - 1].entity?.$refText ?? '?'}` : undefined;
    const window = step.amount !== undefined && step.unit ? ` within ${step.amount} ${step.unit}` : '';
    if (previous && step.none) lines.push(`No ${name}${step.where ? ' that fits its `where`' : ''} after ${previous}${window}.`);
    else if (previous) lines.push(`A ${name}${step.where ? ' that fits its `where`' : ''}, strictly later than ${previous}${window}.`);
    const time = entity?.time?.ref;
    if (entity && time) {
        lines.push(`Ordered by \`${entity.name}.${time.name}\` · ${time.type}, column \`${time.column ?? time.name}\` of table \`${entity.table ?? entity.name}\`${time.type === 'date' ? ' (a date counts as that day at 00:00:00)' : ''}`);
    } else if (entity) {
        lines.push(`${entity.name} has no \`time\`: a step's entity is an event entity, declared \`entity ${entity.name} ... key ${entity.key?.$refText ?? 'Id'} time ATTRIBUTE { ... }\`.`);
    }
    return lines.join('\n\n');
}

/** A `top` or `sample` step: what it keeps, applied to the result of everything before it. */
export function finalStepHover(step: ast.TopStep | ast.SampleStep): string {
    const segment = step.$container;
    const index = segment.steps.indexOf(step);
    const of = index > 0 ? 'the result of the steps before it' : 'the segment\'s members';
    if (ast.isTopStep(step)) {
        const by = step.attribute?.$cstNode?.text ?? '?';
        const order = step.order === 'asc' ? 'smallest' : 'largest';
        const count = step.percent ? `the first ${step.amount}% (rounded down)` : `the ${step.amount}`;
        return `**top** · keeps ${count} of ${of} with the ${order} ${by}\n\nMembers with no ${by} come last; ties are broken by key, ascending.`;
    }
    const seed = step.seed !== undefined ? `seed ${JSON.stringify(step.seed)}` : `no seed, so the segment's name \`${segment.name}\` (renaming it reshuffles the sample: give a seed to keep a split)`;
    return `**sample** · keeps about ${step.amount}% of ${of}, each member in or out by a hash of its key and the seed\n\nThe same members on every engine and every run while they stay in the segment; ${seed}.`;
}

const FORMATS: Readonly<Record<string, string>> = { '.csv': 'CSV with a header row', '.jsonl': 'one JSON object per line' };

/**
 * A destination: its kind and target; for a file, the file it resolves to (for `segment`, the
 * file that segment's members go to); the segments that activate it.
 */
export function destinationHover(destination: ast.Destination, model: WorkspaceModel, segment?: ast.Segment): string {
    const lines = [`**${destination.name}** · ${destination.kind ?? '?'} destination`];
    const target = destination.target ?? '';
    if (destination.kind === 'file') {
        const written = segment ? target.split('{segment}').join(segment.name) : target;
        const format = FORMATS[/\.[^./\\]*$/.exec(written)?.[0].toLowerCase() ?? ''] ?? 'CSV (`.csv`) or JSON lines (`.jsonl`), by the file\'s extension';
        lines.push(`The whole membership after each refresh, key then \`show\` columns, as ${format}, replaced at once: \`${resolveRelative(destination, written).fsPath}\``);
        if (!segment && target.includes('{segment}')) lines.push('`{segment}` is the name of each segment that activates it.');
    } else if (destination.kind === 'webhook') {
        lines.push(`After each refresh in which members entered or left: POST to \`${target}\` with the keys that entered and exited (at most 10,000 a request), retried until a 2xx answer.`);
    } else if (destination.kind === 'table') {
        lines.push(`Rows (segment, key, entered_at) of the current members in table \`${target}\`, replaced after each refresh: in the engine's database (PostgreSQL, DuckDB), or for sql.js in the history store's file.`);
    }
    const users = [...model.segments.values()].filter(s => s.properties.some(p => ast.isActivateProperty(p) && p.destinations.some(d => d.$refText === destination.name))).map(s => s.name).sort();
    lines.push(users.length > 0 ? `Activated by ${users.join(', ')}.` : 'No segment activates it yet.');
    return lines.join('\n\n');
}
