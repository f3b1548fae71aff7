import { AstUtils, CstUtils, type AstNode, type CstNode } from 'langium';
import * as ast from '../grammar/generated/ast.js';

/** The whitespace wanted before a token: its text, and the indentation of its line. */
export interface Gap {
    readonly text: string;
    readonly indent: number;
}

export interface Layout {
    before(leaf: CstNode, previous: CstNode | undefined): Gap;
}

/**
 * The canonical layout: declarations separated by a blank line, except consecutive measures and
 * consecutive destinations (one per line, as a list); attributes, properties, members, groups,
 * sequences, their steps (`then` at the start of a line) and `top` / `sample` steps one per line,
 * indented one level per block; a test's rows (each on one line) and checks one per line; a destination on one line, or as a block when written as one;
 * attribute names, types and descriptions aligned in columns; the `and` / `or` of a group's
 * top-level condition at the start of a line; no space around `.`, before `,`, `)` and `%`,
 * after `(` and a minus sign; one space elsewhere.
 */
export function layout(model: ast.Model, tabSize: number): Layout {
    const starts = new Map<number, AstNode[]>();
    for (const node of AstUtils.streamAst(model)) {
        const first = node.$cstNode && CstUtils.flattenCst(node.$cstNode).find(l => !l.hidden);
        if (first) starts.set(first.offset, [...(starts.get(first.offset) ?? []), node]);
    }
    const columns = attributeColumns(model);
    const blocks = destinationBlocks(model);
    const depth = (leaf: CstNode): number => {
        let d = 0;
        for (let n: AstNode | undefined = leaf.astNode; n; n = n.$container) {
            if (ast.isEntity(n) || ast.isSegment(n) || ast.isGroup(n) || ast.isSequence(n) || ast.isDestination(n) || ast.isTest(n)) {
                const open = n.$cstNode && CstUtils.flattenCst(n.$cstNode).find(l => l.text === '{' && !l.hidden);
                if (open && leaf.offset > open.offset && !(leaf.text === '}' && leaf.astNode === n)) d++;
            }
        }
        return d;
    };
    return {
        before(leaf, previous) {
            const indent = depth(leaf) * tabSize;
            const line = (count: number): Gap => ({ text: '\n'.repeat(count) + ' '.repeat(indent), indent });
            const space = (n: number): Gap => ({ text: ' '.repeat(n), indent });
            const nodes = starts.get(leaf.offset) ?? [];
            if (!previous) return { text: '', indent: 0 };
            const declaration = nodes.find(n => n.$container && ast.isModel(n.$container));
            if (declaration) return line(listed(declaration) && declarationOf(previous)?.$type === declaration.$type ? 1 : 2);
            if (ast.isDestination(leaf.astNode) && blocks.has(leaf.astNode) && (leaf.text === '}' || previous.text === '{')) return line(1);
            if (leaf.text === '}' && (ast.isEntity(leaf.astNode) || ast.isSegment(leaf.astNode) || ast.isGroup(leaf.astNode) || ast.isSequence(leaf.astNode) || ast.isTest(leaf.astNode))) return line(1);
            const block = nodes.find(n => ast.isGroup(n) || ast.isSequence(n));
            if (block) {
                const segment = block.$container as ast.DynamicSegment;
                return line(segment.groups[0] === block && segment.properties.length > 0 ? 2 : 1);
            }
            if (nodes.some(n => ast.isAttribute(n) || ast.isSegmentPart(n) || ast.isMembers(n) || isProperty(n) || ast.isEvent(n) || ast.isTopStep(n) || ast.isSampleStep(n) || ast.isTestRow(n) || ast.isTestCheck(n))) return line(1);
            if (nodes.some(n => n.$container && ast.isGroup(n.$container) && n.$containerProperty === 'condition')) return line(1);
            if ((leaf.text === 'and' || leaf.text === 'or') && (ast.isAndCondition(leaf.astNode) || ast.isOrCondition(leaf.astNode)) && isTopLevel(leaf.astNode)) return line(1);
            const padding = columns.get(leaf.offset);
            if (padding !== undefined) return space(padding);
            if (leaf.text === '.' || previous.text === '.') return space(0);
            if (leaf.text === ',' || leaf.text === ')' || leaf.text === '%' || previous.text === '(') return space(0);
            if (leaf.text === '(' && (ast.isCountAggregate(leaf.astNode) || ast.isValueAggregate(leaf.astNode))) return space(0);
            if (previous.text === '-' && ast.isNumberLiteral(previous.astNode)) return space(0);
            return space(1);
        }
    };
}

function isProperty(node: AstNode): boolean {
    return ast.isTitleProperty(node) || ast.isDescriptionProperty(node) || ast.isAudienceProperty(node) || ast.isStatusProperty(node) || ast.isShowProperty(node) || ast.isActivateProperty(node);
}

/** Measures and destinations are lists: one after another of the same kind, one per line. */
function listed(declaration: AstNode): boolean {
    return ast.isMeasure(declaration) || ast.isDestination(declaration);
}

/** The top-level declaration a token belongs to. */
function declarationOf(leaf: CstNode): AstNode | undefined {
    let node: AstNode | undefined = leaf.astNode;
    while (node?.$container && !ast.isModel(node.$container)) node = node.$container;
    return node?.$container ? node : undefined;
}

/** Destinations written as a block (a line break after `{`): kept as blocks; others stay on one line. */
function destinationBlocks(model: ast.Model): Set<ast.Destination> {
    const blocks = new Set<ast.Destination>();
    const text = model.$cstNode?.text ?? '';
    for (const destination of model.destinations) {
        const leaves = destination.$cstNode ? CstUtils.flattenCst(destination.$cstNode).filter(l => !l.hidden).toArray() : [];
        const open = leaves.findIndex(l => l.text === '{');
        const next = leaves[open + 1];
        if (open >= 0 && next && text.slice(leaves[open].end, next.offset).includes('\n')) blocks.add(destination);
    }
    return blocks;
}

/** Spaces before the type and what follows it, so an entity's attributes line up in columns. */
function attributeColumns(model: ast.Model): Map<number, number> {
    const padding = new Map<number, number>();
    for (const entity of model.entities) {
        const rows = entity.attributes.map(a => {
            const leaves = a.$cstNode ? CstUtils.flattenCst(a.$cstNode).filter(l => !l.hidden).toArray() : [];
            return { a, leaves };
        }).filter(r => r.leaves.length >= 2);
        const nameWidth = Math.max(0, ...rows.map(r => r.leaves[0].text.length));
        const typeWidth = Math.max(0, ...rows.map(r => r.leaves[1].text.length));
        const described = rows.filter(r => r.a.description !== undefined && r.leaves.length > 3);
        const descriptionWidth = Math.max(0, ...described.map(r => r.leaves[2].text.length));
        for (const { a, leaves } of rows) {
            padding.set(leaves[1].offset, nameWidth - leaves[0].text.length + 2);
            if (leaves.length > 2) padding.set(leaves[2].offset, typeWidth - leaves[1].text.length + 2);
            if (a.description !== undefined && leaves.length > 3) padding.set(leaves[3].offset, descriptionWidth - leaves[2].text.length + 2);
        }
    }
    return padding;
}

/** An `and` / `or` directly in a group's condition, not inside parentheses or an aggregate. */
function isTopLevel(node: ast.AndCondition | ast.OrCondition): boolean {
    let current: AstNode = node;
    for (;;) {
        if (parenthesized(current)) return false;
        const container: AstNode | undefined = current.$container;
        if (!container) return false;
        if (ast.isGroup(container)) return true;
        if (!ast.isAndCondition(container) && !ast.isOrCondition(container)) return false;
        current = container;
    }
}

function parenthesized(node: AstNode): boolean {
    const cst = node.$cstNode;
    if (!cst) return false;
    const before = CstUtils.getPreviousNode(cst, false);
    const first = CstUtils.flattenCst(cst).find(l => !l.hidden);
    return (before?.text === '(' && ast.isCondition(before.astNode)) || first?.text === '(';
}
