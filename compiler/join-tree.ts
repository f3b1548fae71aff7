import type { AstNode } from 'langium';
import type { JoinNode, MeasurePlan } from './ir.js';
import { describePath, findPath } from './paths.js';
import { ProblemCodes, type ProblemSink } from './problems.js';
import type { Schema, SchemaEntity } from './schema.js';

/** Hands out SQL aliases unique within one segment's query. */
export class AliasSource {
    private count = 0;
    constructor(private readonly prefix = 't') {}
    next(prefix = this.prefix): string {
        return `${prefix}${this.count++}`;
    }
}

/**
 * The records of one group (or one aggregate's `where`): a tree rooted at one entity, each other
 * entity joined by its shortest relationship path, paths sharing their common prefix, one record
 * per entity name.
 */
export class JoinTreeBuilder {
    readonly root: JoinNode;
    private readonly nodes = new Map<string, JoinNode>();

    constructor(
        private readonly schema: Schema,
        rootEntity: SchemaEntity,
        private readonly aliases: AliasSource,
        private readonly via: ReadonlySet<string>,
        private readonly sink: ProblemSink,
        /** Where `via` is written, for messages: on the group, the sequence, or the measure. */
        private readonly viaOwner: 'group' | 'sequence' | 'measure' = 'group'
    ) {
        this.root = { alias: aliases.next(), entity: rootEntity, children: [], measures: [] };
        this.nodes.set(rootEntity.name, this.root);
    }

    /** The record standing for `entityName`, joining it in on first use; reports a missing or ambiguous path at `node`. */
    attach(entityName: string, node: AstNode, property?: string): JoinNode | undefined {
        const existing = this.nodes.get(entityName);
        if (existing) return existing;
        const target = this.schema.entity(entityName);
        if (!target) return undefined;
        const from = this.root.entity.name;
        const result = findPath(this.schema, from, entityName, this.via);
        if (result.kind === 'none') {
            this.sink.error(ProblemCodes.NoPath,
                `No relationship path connects ${entityName} to ${from}. Declare a foreign key (\`-> ${from}\` or \`-> ${entityName}\`) on an entity between them.`,
                node, property);
            return undefined;
        }
        if (result.kind === 'conflicting-via') {
            this.sink.error(ProblemCodes.AmbiguousPath,
                `\`via ${result.via.join(', ')}\` names alternative ways to reach ${entityName} from ${from}; no path uses them all. Keep one of them.`,
                node, property, { entity: entityName, relationships: result.via });
            return undefined;
        }
        if (result.kind === 'ambiguous') {
            const described = result.paths.map(p => describePath(from, p));
            // The relationships that tell the paths apart (one on every path picks none).
            const all = [...new Set(result.paths.flatMap(p => p.map(s => s.relationship.id)))];
            const telling = all.filter(c => !result.paths.every(p => p.some(s => s.relationship.id === c)));
            const choices = telling.length > 0 ? telling : all;
            this.sink.error(ProblemCodes.AmbiguousPath,
                `${entityName} is connected to ${from} by ${result.paths.length} equally short paths: ${described.join('; ')}. Pick one with \`via\` on the ${this.viaOwner}, for example \`${this.viaOwner === 'measure' ? '' : `${this.viaOwner} `}via ${choices[0]}\`.`,
                node, property, { entity: entityName, paths: described, relationships: choices });
            return undefined;
        }
        let parent = this.root;
        for (const step of result.steps) {
            let child = this.nodes.get(step.to);
            if (child) {
                if (child.step?.relationship.id !== step.relationship.id || child.step.from !== step.from) {
                    this.sink.error(ProblemCodes.AmbiguousPath,
                        `${step.to} is reached by two different paths in this ${this.viaOwner}. Name the relationship to use with \`via\`.`, node, property);
                    return undefined;
                }
            } else {
                const entity = this.schema.entity(step.to)!;
                child = { alias: this.aliases.next(), entity, step, children: [], measures: [] };
                parent.children.push(child);
                this.nodes.set(step.to, child);
            }
            parent = child;
        }
        return parent;
    }

    /** Notes that the group reads the value of `measure` on the record `alias` (so it is joined to it). */
    useMeasure(alias: string, measure: MeasurePlan): void {
        for (const node of this.nodes.values()) {
            if (node.alias === alias && !node.measures.includes(measure)) node.measures.push(measure);
        }
    }
}
