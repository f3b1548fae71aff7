import { stepsOf, type KeyValue, type SegmentPlan } from '../compiler/ir.js';
import { compareKeys } from '../compiler/keys.js';
import { sampleFilter } from '../compiler/sample.js';
import { segmentReferences } from '../compiler/plan-walk.js';
import { lastSample, type SampleKeys } from '../compiler/sql/step-sql.js';

/**
 * The `sample` steps a query needs, drawn once per run (reference, 6.6): the members before a
 * sample are fetched (`before`, the keys of the plan cut just before the step), filtered by the
 * FNV-1a hash in TypeScript (`compiler/sample.ts`; why not in SQL: `compiler/sql/step-sql.ts`),
 * and handed to the SQL writer as `lookup`. A segment's query reads its own last sample's keys,
 * or those of the segments it refers to (compound parts, `in segment`) that have a sample.
 */
export class SampleDraws {
    private readonly drawn = new Map<string, Promise<readonly KeyValue[]>>();
    private readonly done = new Map<string, readonly KeyValue[]>();

    constructor(
        private readonly plans: ReadonlyMap<string, SegmentPlan>,
        /** The members of a plan (whose own samples, and its parts', are drawn), in any order. */
        private readonly before: (plan: SegmentPlan) => Promise<readonly KeyValue[]>
    ) {}

    readonly lookup: SampleKeys = (segment, step) => this.done.get(drawId(segment, step));

    /** Draws every sample the query of `plan` reads. */
    async prepare(plan: SegmentPlan, seen: Set<string> = new Set()): Promise<void> {
        const from = lastSample(plan);
        if (from >= 0) {
            await this.draw(plan, from);
            return;
        }
        for (const name of segmentReferences(plan)) {
            if (seen.has(name)) continue;
            seen.add(name);
            const inner = this.plans.get(name);
            if (!inner) throw new Error(`no plan for segment ${name}`);
            await this.prepare(inner, seen);
        }
    }

    /** The members kept by the plan's sample step `step`, in ascending order. */
    async draw(plan: SegmentPlan, step: number): Promise<readonly KeyValue[]> {
        const id = drawId(plan.name, step);
        let keys = this.drawn.get(id);
        if (!keys) {
            keys = this.drawOnce(plan, step);
            this.drawn.set(id, keys);
        }
        return keys;
    }

    private async drawOnce(plan: SegmentPlan, step: number): Promise<readonly KeyValue[]> {
        const sample = stepsOf(plan)[step];
        if (sample?.node !== 'sample') throw new Error(`step ${step + 1} of ${plan.name} is not a sample`);
        const cut = cutAt(plan, step);
        await this.prepare(cut);
        const keeps = sampleFilter(sample.seed, sample.hundredths);
        const kept = (await this.before(cut)).filter(keeps).sort(compareKeys);
        this.done.set(drawId(plan.name, step), kept);
        return kept;
    }
}

const drawId = (segment: string, step: number): string => `${segment}\u0000${step}`;

/** The segments whose drawn keys the query of `plan` lists: its own, or those of the segments it refers to. */
export function sampledSegments(plan: SegmentPlan, plans: ReadonlyMap<string, SegmentPlan>): string[] {
    const found: string[] = [];
    const seen = new Set<string>();
    const visit = (p: SegmentPlan): void => {
        if (seen.has(p.name)) return;
        seen.add(p.name);
        if (lastSample(p) >= 0) found.push(p.name);
        else {
            for (const name of segmentReferences(p)) {
                const inner = plans.get(name);
                if (inner) visit(inner);
            }
        }
    };
    visit(plan);
    return found;
}

/** A plan with only its first `n` steps: the members before step `n`. */
export function cutAt(plan: SegmentPlan, n: number): SegmentPlan {
    return plan.kind === 'static' ? plan : { ...plan, steps: plan.steps.slice(0, n) };
}
