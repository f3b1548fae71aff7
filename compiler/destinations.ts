import * as ast from '../grammar/generated/ast.js';
import type { DestinationPlan } from './ir.js';
import { ProblemCodes, type Problem } from './problems.js';

/**
 * Destinations (reference, section 7), checked and resolved for the segments that activate them.
 * Nothing here sends anything: a refresher reads `SegmentPlan.destinations`.
 *
 * The project's choices where the reference is terse:
 * - `file`: a relative path (absolute paths are refused), resolved against the declaring file's
 *   folder, that stays inside the workspace folder (`..` may be used as long as it does), ends
 *   in `.csv` or `.jsonl` (any case), and holds no placeholder but `{segment}`. No two segments
 *   (nor two destinations of one segment) may write one file: paths are compared after
 *   `{segment}` is replaced, ignoring case (the file systems of macOS and Windows do).
 * - `webhook`: an absolute `http://` or `https://` URL with a host.
 * - `table`: a plain SQL name, letters, digits and `_`, not starting with a digit, at most 63
 *   characters (PostgreSQL's limit), written to the engine's current schema.
 */
export interface DestinationContext {
    /** Resolves a path written in a file against that file's folder (absolute, normalized). */
    readonly resolveFile?: (node: ast.Segment | ast.Destination, relative: string) => string;
    /** The workspace folder of a declaration: files it names stay inside it. */
    readonly workspaceFolder?: (node: ast.Segment | ast.Destination) => string;
}

export const SEGMENT_PLACEHOLDER = '{segment}';
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** What is wrong with a destination's declaration, on the declaration (its `target`). */
export function destinationProblems(destination: ast.Destination, ctx: DestinationContext): Problem[] {
    const target = destination.target ?? '';
    const problem = (code: Problem['code'], message: string): Problem => ({ severity: 'error', code, message, node: destination, property: 'target' });
    switch (destination.kind) {
        case 'file': return fileProblems(destination, target, ctx).map(([code, message]) => problem(code, message));
        case 'webhook':
            return isHttpUrl(target) ? [] : [problem(ProblemCodes.DestinationUrl,
                `${JSON.stringify(target)} is not an http(s) URL: a webhook is an address such as "https://crm.example.com/segments".`)];
        case 'table':
            return PLAIN_NAME.test(target) ? [] : [problem(ProblemCodes.DestinationTable,
                `${JSON.stringify(target)} is not a plain SQL name: write letters, digits and _, starting with a letter or _, at most 63 characters (for example "segment_members").`)];
        default:
            return [];
    }
}

function fileProblems(destination: ast.Destination, path: string, ctx: DestinationContext): [Problem['code'], string][] {
    const problems: [Problem['code'], string][] = [];
    if (/^([a-zA-Z]:)?[\\/]/.test(path)) {
        problems.push([ProblemCodes.DestinationOutside,
            `${JSON.stringify(path)} is an absolute path: a file destination is written relative to this file and stays inside the workspace folder (for example "exports/{segment}.csv").`]);
    } else if (ctx.resolveFile && ctx.workspaceFolder && !inside(ctx.resolveFile(destination, path), ctx.workspaceFolder(destination))) {
        problems.push([ProblemCodes.DestinationOutside,
            `${JSON.stringify(path)} leaves the workspace folder ${ctx.workspaceFolder(destination)}: members are written only inside it; remove the ".." that lead out.`]);
    }
    const other = [...path.matchAll(/\{[^}]*\}/g)].map(m => m[0]).find(p => p !== SEGMENT_PLACEHOLDER);
    if (other !== undefined) {
        problems.push([ProblemCodes.DestinationPlaceholder,
            `${other} is not a placeholder: only ${SEGMENT_PLACEHOLDER} (the segment's name) is replaced in a file path.`]);
    }
    if (fileFormat(path) === undefined) {
        problems.push([ProblemCodes.DestinationFormat,
            `${JSON.stringify(path)} must end in .csv (a header row, then one row per member) or .jsonl (one JSON object per member, a line each).`]);
    }
    return problems;
}

/** `.csv` or `.jsonl`, from the path's extension. */
export function fileFormat(path: string): 'csv' | 'jsonl' | undefined {
    const lower = path.toLowerCase();
    const name = lower.slice(lower.lastIndexOf('/') + 1);
    if (name.length > 4 && name.endsWith('.csv')) return 'csv';
    if (name.length > 6 && name.endsWith('.jsonl')) return 'jsonl';
    return undefined;
}

function isHttpUrl(text: string): boolean {
    try {
        const url = new URL(text);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && /^https?:\/\//i.test(text);
    } catch {
        return false;
    }
}

/** `path` is `folder` or below it (both absolute and normalized). */
function inside(path: string, folder: string): boolean {
    const trimmed = folder.replace(/[\\/]+$/, '');
    return path === trimmed || path.startsWith(`${trimmed}/`) || path.startsWith(`${trimmed}\\`);
}

/** A destination as one segment sends to it; `undefined` when the declaration has problems. */
export function resolveDestination(destination: ast.Destination, segment: string, ctx: DestinationContext): DestinationPlan | undefined {
    if (destinationProblems(destination, ctx).length > 0) return undefined;
    const name = destination.name;
    switch (destination.kind) {
        case 'file': {
            const relative = destination.target.split(SEGMENT_PLACEHOLDER).join(segment);
            const path = ctx.resolveFile ? ctx.resolveFile(destination, relative) : relative;
            return { name, kind: 'file', path, format: fileFormat(relative)! };
        }
        case 'webhook': return { name, kind: 'webhook', url: destination.target };
        case 'table': return { name, kind: 'table', table: destination.target };
        default: return undefined;
    }
}

/** Every file some segment writes, by path (lower case): the segments and destinations that write it. */
export type FileWriters = ReadonlyMap<string, readonly { readonly segment: string; readonly destination: string }[]>;

const writersByModel = new WeakMap<object, FileWriters>();

/**
 * The files the segments of a model write, computed once per model object (a new one after
 * each change), so that checking every segment stays linear in the number of activations.
 */
export function fileWriters(model: { readonly segments: ReadonlyMap<string, ast.Segment> } & DestinationContext): FileWriters {
    let known = writersByModel.get(model);
    if (known) return known;
    const writers = new Map<string, { segment: string; destination: string }[]>();
    for (const segment of model.segments.values()) {
        const seen = new Set<ast.Destination>();
        for (const property of segment.properties) {
            if (!ast.isActivateProperty(property)) continue;
            for (const ref of property.destinations) {
                const destination = ref.ref;
                if (!destination || destination.kind !== 'file' || seen.has(destination)) continue;
                seen.add(destination);
                const plan = resolveDestination(destination, segment.name, model);
                if (plan?.kind !== 'file') continue;
                const id = plan.path.toLowerCase();
                const list = writers.get(id);
                const writer = { segment: segment.name, destination: destination.name };
                if (list) list.push(writer); else writers.set(id, [writer]);
            }
        }
    }
    known = writers;
    writersByModel.set(model, known);
    return known;
}
