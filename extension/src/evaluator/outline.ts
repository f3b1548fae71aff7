import type { LoadedModel } from './session.js';
import { kindOf } from './find-segment.js';
import { locationOf } from '../../../explain/location.js';
import { properties } from '../../../compiler/lower.js';
import type { WorkspaceOutline } from './protocol.js';

/**
 * The workspace as the Segments side bar lists it: every segment (file, kind, audience, title)
 * and the schema (entities with their attributes, relationships and measures), from the parsed
 * model alone: nothing is run here (counts come from the dashboard's evaluation).
 */
export function workspaceOutline(model: LoadedModel): WorkspaceOutline {
    const m = model.workspace.model;
    const segments = [...m.segments.values()].map(s => {
        const plan = model.plans.plans.get(s.name);
        const props = properties(s);
        return {
            name: s.name, kind: kindOf(s), location: locationOf(s),
            title: plan?.title ?? props.title ?? s.name,
            ...(plan ? { audience: plan.audience.name } : {})
        };
    });
    const entities = [...m.entities.values()].map(e => {
        const schema = m.schema.entities.get(e.name);
        const measures = [...(m.measures.get(e.name)?.values() ?? [])];
        return {
            name: e.name, location: locationOf(e),
            ...(schema ? { table: schema.table, key: schema.key.name } : {}),
            ...(schema?.time ? { time: schema.time.name } : {}),
            attributes: e.attributes.map(a => ({
                name: a.name, type: a.type, location: locationOf(a),
                ...(a.description !== undefined ? { description: a.description } : {}),
                ...(a.target?.ref ? { target: a.target.ref.name } : {})
            })),
            measures: measures.map(x => ({ name: x.name, location: locationOf(x), ...(x.description !== undefined ? { description: x.description } : {}) }))
        };
    });
    return { segments, entities };
}
