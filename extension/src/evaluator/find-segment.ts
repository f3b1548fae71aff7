import { URI } from 'langium';
import * as ast from '../../../grammar/generated/ast.js';
import type { LoadedModel } from './session.js';

/** The segment whose text holds `offset` in the file `uri`, else the file's only or first segment. */
export function segmentAt(model: LoadedModel, uri: string, offset: number): ast.Segment | undefined {
    const wanted = URI.parse(uri).fsPath;
    const doc = model.workspace.documents.find(d => d.uri.fsPath === wanted);
    const root = doc?.parseResult.value;
    if (!root || !ast.isModel(root)) return undefined;
    const inside = root.segments.find(s => s.$cstNode && s.$cstNode.offset <= offset && offset <= s.$cstNode.end);
    if (inside) return inside;
    // After the last segment or between two: the one just before the cursor.
    const before = root.segments.filter(s => s.$cstNode && s.$cstNode.end < offset);
    return before[before.length - 1] ?? root.segments[0];
}

export function kindOf(segment: ast.Segment): 'static' | 'dynamic' | 'compound' {
    return ast.isStaticSegment(segment) ? 'static' : ast.isDynamicSegment(segment) ? 'dynamic' : 'compound';
}
