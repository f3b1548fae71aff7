import { AstUtils, type AstNode } from 'langium';
import type { SourceLocation } from './types.js';

/** Where a node starts in its document (zero-based line and character). */
export function locationOf(node: AstNode): SourceLocation {
    const doc = AstUtils.getDocument(node);
    const start = node.$cstNode?.range.start ?? { line: 0, character: 0 };
    return { uri: doc.uri.toString(), line: start.line, character: start.character };
}
