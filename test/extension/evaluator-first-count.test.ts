import { describe, expect, it } from 'vitest';
import { loadWorkspace } from '../../language-server/node-workspace.js';
import { smallWorkspace } from './sample-workspace.js';

const SETUP = `CREATE TABLE people (id INTEGER PRIMARY KEY, city TEXT, balance REAL);
INSERT INTO people VALUES (1, 'Cork', 10), (2, 'Cork', 'lots'), (3, 'Galway', 500), (4, 'Galway', 700);`;
const TEXT = `entity Person from people key Id {
  Id number column id
  City text column city
  Balance number column balance
}

dynamic segment RichInGalway {
  audience Person
  group { Person.City = "Galway" and Person.Balance > 100 }
}

dynamic segment InNowhere {
  audience Person
  group { Person.City = "Nowhere" }
}
`;

/**
 * The first preview of a large database waited minutes for the data checks that read every
 * value of a column (stored values, event times, duplicate keys, values compared with `=`).
 * They only warn, and the views show errors only: the evaluator leaves them to the language
 * server, so a count waits only for the checks that can stop a segment from running.
 */
describe('evaluator: the first count does not wait for the checks that read every value', () => {
    it('counts without the value warnings the language server gives for the same folder', async () => {
        const evaluator = await smallWorkspace(SETUP, TEXT);
        try {
            const server = await loadWorkspace(evaluator.root);
            const serverCodes = server.documents.flatMap(d => server.diagnostics(d).map(x => String(x.code)));
            expect(serverCodes.sort()).toEqual(['unreadable-values', 'value-not-found']);

            const preview = await evaluator.request({ op: 'preview', segment: 'RichInGalway', pageOffset: 0, pageSize: 10 });
            expect(preview).toMatchObject({ state: 'result', report: { count: 2 } });
            if (preview.state === 'result') expect(preview.report.page.rows.map(r => r[0])).toEqual([3, 4]);
            const nowhere = await evaluator.request({ op: 'preview', segment: 'InNowhere', pageOffset: 0, pageSize: 10 });
            expect(nowhere).toMatchObject({ state: 'result', report: { count: 0 } });

            const model = await evaluator.session.loaded();
            const evaluatorCodes = model.workspace.documents.flatMap(d => model.workspace.diagnostics(d).map(x => String(x.code)));
            expect(evaluatorCodes).toEqual([]);
        } finally {
            await evaluator.session.close();
        }
    });
});
