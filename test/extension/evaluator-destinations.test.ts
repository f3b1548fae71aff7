import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copySample, InProcessEvaluator, REPO, SAMPLE_AS_OF } from './sample-workspace.js';

// The sample's file destinations (activation.segment): each segment gets its own file.
const FILES = ['exports/call-center/HighBalanceFollowUp.jsonl', 'exports/TopSpenders.csv', 'exports/ValentinesControl.csv', 'exports/ValentinesTreatment.csv'];

describe('the extension\'s automatic refresh sends file destinations (reference, section 7)', () => {
    it('a preview writes nothing; a refresh writes each file destination, the same bytes as `segments refresh` writes', async () => {
        const root = copySample();
        const evaluator = new InProcessEvaluator(root);
        try {
            await evaluator.request({ op: 'dashboard', record: false });
            await evaluator.request({ op: 'preview', segment: 'TopSpenders', pageOffset: 0, pageSize: 5 });
            expect(FILES.filter(f => existsSync(join(root, f)))).toEqual([]);
            const dashboard = await evaluator.request({ op: 'dashboard', record: true });
            expect(dashboard.history?.note).toBeUndefined();
            expect(FILES.filter(f => existsSync(join(root, f)))).toEqual(FILES);
        } finally {
            await evaluator.session.close();
        }
        const cli = copySample();
        const r = spawnSync(process.execPath, [join(REPO, 'out/cli.cjs'), 'refresh', '.', '--as-of', SAMPLE_AS_OF], { cwd: cli, encoding: 'utf8' });
        expect(r.status).toBe(0);
        for (const f of FILES) expect(readFileSync(join(root, f), 'utf8'), f).toBe(readFileSync(join(cli, f), 'utf8'));
        const top = readFileSync(join(root, 'exports/TopSpenders.csv'), 'utf8').split('\r\n');
        expect(top[0]).toBe('CustomerId,Name,City,LifetimeValue');
        expect(top.filter(line => /^\d+,/.test(line))).toHaveLength(100);
    }, 120_000);
});
