import { copyFileSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../engine/engine.js';
import { SqlJsEngine, sqlJsCopyCounts } from '../../engine/sqljs-engine.js';
import { copySample } from '../extension/sample-workspace.js';

/** `SqlJsEngine.open`: one copy per file in a thread, shared while the file is unchanged, closed by its last holder. */
describe('one copy of a database file per thread', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segments-copies-'));
    const file = join(dir, 'data.sqlite');
    copyFileSync(join(copySample(), 'retail.sqlite'), file);
    const delta = (from: ReturnType<typeof sqlJsCopyCounts>): { reads: number; closes: number; open: number } => {
        const now = sqlJsCopyCounts();
        return { reads: now.reads - from.reads, closes: now.closes - from.closes, open: now.open - from.open };
    };
    const settle = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 10));
    const customers = async (e: SqlJsEngine): Promise<number> => Number((await e.query('SELECT count(*) FROM customers'))[0][0]);

    it('engines opened on an unchanged file share its copy; the last close frees it', async () => {
        const start = sqlJsCopyCounts();
        const a = await SqlJsEngine.open(file);
        const b = await SqlJsEngine.open(join(dir, '.', 'data.sqlite'));
        expect(delta(start)).toEqual({ reads: 1, closes: 0, open: 1 });
        await a.close();
        await a.close();
        await settle();
        expect(await customers(b)).toBe(3000);
        expect(delta(start)).toEqual({ reads: 1, closes: 0, open: 1 });
        await b.close();
        await settle();
        expect(delta(start)).toEqual({ reads: 1, closes: 1, open: 0 });
    });

    it('a changed file is read again for new engines; the old copy serves its holder until it closes', async () => {
        const start = sqlJsCopyCounts();
        const old = await SqlJsEngine.open(file);
        utimesSync(file, new Date(), new Date(Date.now() + 60_000));
        const fresh = await SqlJsEngine.open(file);
        expect(delta(start)).toEqual({ reads: 2, closes: 0, open: 2 });
        expect(await customers(old)).toBe(3000);
        await old.close();
        await settle();
        expect(delta(start)).toEqual({ reads: 2, closes: 1, open: 1 });
        expect(await customers(fresh)).toBe(3000);
        await fresh.close();
        await settle();
        expect(delta(start)).toEqual({ reads: 2, closes: 2, open: 0 });
    });

    it('a file that cannot be read holds nothing, and is read once it can be', async () => {
        const start = sqlJsCopyCounts();
        const broken = join(dir, 'broken.sqlite');
        writeFileSync(broken, 'not a database');
        await expect(SqlJsEngine.open(broken)).rejects.toBeInstanceOf(DatabaseError);
        await settle();
        expect(delta(start).open).toBe(0);
        copyFileSync(file, broken);
        const engine = await SqlJsEngine.open(broken);
        expect(await customers(engine)).toBe(3000);
        await engine.close();
        await settle();
        expect(delta(start).open).toBe(0);
    });
});
