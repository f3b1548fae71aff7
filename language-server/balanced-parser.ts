import type { IToken } from 'chevrotain';
import { AstUtils, CompositeCstNodeImpl, createParser, GrammarAST, isAstNode, LangiumParser, LeafCstNodeImpl, type AstNode, type CstNode, type LangiumCoreServices, type LexerResult, type ParseResult, type ParserOptions } from 'langium';
import * as ast from '../grammar/generated/ast.js';

/** Chains of `and` (or of `or`) with more operands than this are rebalanced after parsing. */
export const BALANCE_FROM = 32;

type Chain = ast.AndCondition | ast.OrCondition;

/** Langium's CST builder, as far as the parser below uses it. */
interface CstBuilder {
    readonly nodeStack: CompositeCstNodeImpl[];
    readonly current: CompositeCstNodeImpl;
    buildRootNode(input: string): unknown;
    addHiddenNodes(tokens: IToken[]): void;
}

/** The private parts of Langium 4.4's `LangiumParser` that `parse` uses (it is written again below, with one step added). */
interface ParserInternals {
    readonly stack: unknown[];
    readonly nodeBuilder: CstBuilder;
    lexerResult: LexerResult | undefined;
    doParse(rule: unknown): AstNode;
}

/**
 * A link of an `and` / `or` chain in the CST while the file is parsed, with its offset kept: the
 * offset of a composite node is its first child's, so in a chain of N links (each the first
 * child of the next) asking the outermost for its offset, as the parser does when the rule
 * returns, recurses N deep.
 */
class ChainLinkCstNode extends CompositeCstNodeImpl {
    constructor(private readonly start: number) {
        super();
    }

    override get offset(): number {
        return this.start;
    }
}

/**
 * Langium's parser, for inputs of any length:
 *
 * - The grammar reads `a and b and c` as a loop, but builds a left-deep tree,
 *   `((a and b) and c)`: a chain of 100,000 conditions is a tree 100,000 levels deep, and
 *   everything that walks it recursively (Langium's own linking of containers, CST ranges,
 *   validators, the compiler) overflows the stack, while walking up to the root from each
 *   operand is quadratic. While parsing, each link's CST node keeps its offset
 *   (`ChainLinkCstNode`); right after parsing, before anything walks the tree, each long chain of
 *   one operator is rebuilt as a balanced tree of the same nodes (syntax tree and CST alike):
 *   `and` and `or` are associative, so the meaning is the same, and the depth is logarithmic.
 * - Each file is parsed from a clean stack, so a failure in one file can never leave state that
 *   breaks the next one.
 */
export class SegmentParser extends LangiumParser {
    private get internals(): ParserInternals {
        return this as unknown as ParserInternals;
    }

    /** As Langium's, with the chains rebalanced between parsing and linking each node to its container. */
    override parse<T extends AstNode = AstNode>(input: string, options: ParserOptions = {}): ParseResult<T> {
        const self = this.internals;
        self.stack.length = 0;
        self.nodeBuilder.buildRootNode(input);
        const lexerResult = self.lexerResult = this.lexer.tokenize(input);
        this.wrapper.input = lexerResult.tokens;
        const ruleMethod = options.rule ? this.allRules.get(options.rule) : this.mainRule;
        if (!ruleMethod) throw new Error(options.rule ? `No rule found with name '${options.rule}'` : 'No main rule available.');
        const result = self.doParse(ruleMethod);
        balanceChains(result);
        self.nodeBuilder.addHiddenNodes(lexerResult.hidden);
        this.unorderedGroups.clear();
        self.lexerResult = undefined;
        AstUtils.linkContentToContainer(result, { deep: true });
        return { value: result as T, lexerErrors: lexerResult.errors, lexerReport: lexerResult.report, parserErrors: this.wrapper.errors };
    }

    /** As Langium's; a link of an `and` / `or` chain gets a CST node that keeps its offset. */
    override action($type: string, action: GrammarAST.Action): void {
        super.action($type, action);
        if (this.isRecording() || action.feature !== 'left' || ($type !== ast.AndCondition.$type && $type !== ast.OrCondition.$type)) return;
        const builder = this.internals.nodeBuilder;
        const link = builder.current;
        const parent = link.container;
        const first = link.content[0];
        if (link.content.length !== 1 || !first || !(parent instanceof CompositeCstNodeImpl) || parent.content[parent.content.length - 1] !== link) return;
        const kept = new ChainLinkCstNode(first.offset);
        kept.grammarSource = link.grammarSource;
        kept.content = link.content;
        if (first instanceof CompositeCstNodeImpl || first instanceof LeafCstNodeImpl) first.container = kept;
        kept.container = parent;
        parent.content[parent.content.length - 1] = kept;
        builder.nodeStack[builder.nodeStack.length - 1] = kept;
    }
}

/** A parser made as Langium makes its own, with `SegmentParser`. */
export function createSegmentParser(services: LangiumCoreServices): LangiumParser {
    const parser = new SegmentParser(services);
    createParser(services.Grammar, parser, services.parser.Lexer.definition);
    parser.finalize();
    return parser;
}

/** Rebalances every long `and` / `or` chain in the tree, walking it with a stack of its own (no recursion). */
export function balanceChains(root: AstNode): void {
    const pending: AstNode[] = [root];
    while (pending.length > 0) {
        const node = pending.pop()!;
        if (ast.isAndCondition(node) || ast.isOrCondition(node)) {
            const operands = balanceChain(node);
            for (const operand of operands) pending.push(operand);
            continue;
        }
        for (const [name, value] of Object.entries(node)) {
            if (name.startsWith('$')) continue;
            if (Array.isArray(value)) {
                for (const item of value) if (isAstNode(item)) pending.push(item);
            } else if (isAstNode(value)) {
                pending.push(value);
            }
        }
    }
}

/** The action (`{infer AndCondition.left=current}`) that made a chain link's CST node. */
function isLinkOf(cst: CstNode | undefined, type: Chain['$type']): boolean {
    if (!(cst instanceof CompositeCstNodeImpl)) return false;
    const source = cst.grammarSource;
    return GrammarAST.isAction(source) && source.feature === 'left' && (source.inferredType?.name ?? source.type?.$refText) === type;
}

/** The CST node the chain's action made, under the wrappers of the rules that returned it unchanged. */
function linkNode(node: Chain): CompositeCstNodeImpl | undefined {
    let cst: CstNode | undefined = node.$cstNode;
    while (cst instanceof CompositeCstNodeImpl && !isLinkOf(cst, node.$type)) {
        const visible = cst.content.filter(c => !c.hidden);
        if (visible.length !== 1) return undefined;
        cst = visible[0];
    }
    return cst instanceof CompositeCstNodeImpl && isLinkOf(cst, node.$type) ? cst : undefined;
}

interface Link {
    readonly node: Chain;
    readonly cst: CompositeCstNodeImpl;
}

/**
 * Rebuilds the chain headed by `head` as a balanced tree when it is long, reusing its nodes; returns
 * the chain's operands, left to right. Only links whose syntax tree and CST have the shape the parser
 * gives them are taken (a chain cut short by a syntax error ends where the shape does not fit).
 */
function balanceChain(head: Chain): AstNode[] {
    const top = linkNode(head);
    const links: Link[] = [];
    /** Operands from the right end, and the tokens (keyword, comments) before each. */
    const rights: { operand: AstNode; before: CstNode[] }[] = [];
    const walkAsAnyNode = (): AstNode[] => [head.left, head.right].filter((n): n is ast.Condition => !!n);
    if (!top) return walkAsAnyNode();
    let first: AstNode;
    let node: Chain = head;
    let cst: CompositeCstNodeImpl = top;
    for (;;) {
        const content = cst.content;
        const right: AstNode | undefined = node.right;
        const left: AstNode | undefined = node.left;
        const middle = content.slice(1, -1);
        if (!right || !left || content.length < 3 || content[content.length - 1] !== right.$cstNode || content[0] !== left.$cstNode || middle.some(c => c instanceof CompositeCstNodeImpl)) {
            // Not a link this function can read (a syntax error): the chain above it ends here, and
            // the node is walked as any other.
            if (node === head) return walkAsAnyNode();
            first = node;
            break;
        }
        links.push({ node, cst });
        rights.push({ operand: right, before: middle });
        const next = left.$cstNode;
        if ((ast.isAndCondition(left) || ast.isOrCondition(left)) && left.$type === node.$type && next instanceof CompositeCstNodeImpl && isLinkOf(next, node.$type)) {
            node = left;
            cst = next;
        } else {
            first = left;
            break;
        }
    }
    const operands: AstNode[] = [first, ...rights.reverse().map(r => r.operand)];
    /** `separators[i]`: the tokens between operand i - 1 and operand i. */
    const separators: CstNode[][] = [[], ...rights.map(r => r.before)];
    if (operands.length <= BALANCE_FROM) return operands;
    // The head keeps its place and its CST node (its container refers to it, and its first
    // operand stays first); the other links' nodes become the balanced tree's inner nodes.
    const spare = links.slice(1);
    const build = (lo: number, hi: number, link: Link): void => {
        const mid = (lo + hi) >> 1;
        const part = (from: number, to: number): { node: AstNode; cst: CstNode } => {
            if (from === to) return { node: operands[from], cst: operands[from].$cstNode! };
            // A fresh CST node: a chain link's keeps the offset of its first child, which changes here.
            const reused = spare.pop()!;
            const cst = new CompositeCstNodeImpl();
            cst.grammarSource = reused.cst.grammarSource;
            const inner = { node: reused.node, cst };
            build(from, to, inner);
            return inner;
        };
        const left = part(lo, mid);
        const right = part(mid + 1, hi);
        const mutable = link.node as { left: AstNode; right: AstNode };
        mutable.left = left.node;
        mutable.right = right.node;
        const content = [left.cst, ...separators[mid + 1], right.cst];
        for (const child of content) if (child instanceof CompositeCstNodeImpl || child instanceof LeafCstNodeImpl) child.container = link.cst;
        link.cst.content = content;
        if (link.node !== head) {
            (link.node as { $cstNode: CstNode }).$cstNode = link.cst;
            link.cst.astNode = link.node;
        }
    };
    build(0, operands.length - 1, links[0]);
    return operands;
}
