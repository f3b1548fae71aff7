import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { describe, expect, test } from 'vitest';
import { checkDatabasePath, readDatabaseFile } from '../../engine/database-file.js';
import { DatabaseError } from '../../engine/engine.js';
import { MembersFileError, readMembers, readMembersFile } from '../../engine/members-file.js';
import { SqlJsEngine } from '../../engine/sqljs-engine.js';

function folder(): string {
    return mkdtempSync(join(tmpdir(), 'segments-files-'));
}

async function sqliteBytes(): Promise<Uint8Array> {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, \'a\'), (2, \'b\');');
    const bytes = db.export();
    db.close();
    return bytes;
}

async function openError(file: string): Promise<string> {
    try {
        await (await SqlJsEngine.open(file)).close();
    } catch (e) {
        expect(e).toBeInstanceOf(DatabaseError);
        return (e as Error).message;
    }
    throw new Error(`${file} opened`);
}

describe('database files an engine is given', () => {
    test('a 0-byte file, a folder, /dev/zero and a FIFO are each one clear DatabaseError, read in bounded memory', async () => {
        const dir = folder();
        writeFileSync(join(dir, 'empty.sqlite'), '');
        mkdirSync(join(dir, 'folder.sqlite'));
        execFileSync('mkfifo', [join(dir, 'pipe.sqlite')]);
        const rss = process.memoryUsage().rss;
        expect(await openError(join(dir, 'empty.sqlite'))).toMatch(/empty \(0 bytes\)/);
        expect(await openError(join(dir, 'folder.sqlite'))).toMatch(/is a folder, not a database file/);
        expect(await openError('/dev/zero')).toBe('/dev/zero: is a device, not a database file');
        // A FIFO with no writer: opening it for reading must not wait for one.
        expect(await openError(join(dir, 'pipe.sqlite'))).toMatch(/is a named pipe \(FIFO\), not a database file/);
        expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20);
        await expect(checkDatabasePath('/dev/zero')).rejects.toThrow(/is a device/);
        await expect(checkDatabasePath(join(dir, 'pipe.sqlite'))).rejects.toThrow(/FIFO/);
        await expect(checkDatabasePath(join(dir, 'empty.sqlite'))).rejects.toThrow(/empty/);
        await expect(checkDatabasePath(join(dir, 'folder.sqlite'), { folder: true })).resolves.toBeUndefined();
    });

    test('a file cut short (being written, or copied in part) and a file without the SQLite header are refused before sql.js reads them', async () => {
        const dir = folder();
        const bytes = await sqliteBytes();
        expect(bytes.length).toBeGreaterThan(4096);
        writeFileSync(join(dir, 'half.sqlite'), bytes.subarray(0, bytes.length - 1024));
        expect(await openError(join(dir, 'half.sqlite'))).toMatch(/incomplete \(\d+ of the \d+ bytes its header announces\)/);
        writeFileSync(join(dir, 'text.sqlite'), 'not a database'.repeat(20));
        expect(await openError(join(dir, 'text.sqlite'))).toMatch(/not a readable SQLite database \(it does not start with the SQLite header\)/);
        writeFileSync(join(dir, 'whole.sqlite'), bytes);
        const engine = await SqlJsEngine.open(join(dir, 'whole.sqlite'));
        expect(await engine.query('SELECT count(*) FROM t')).toEqual([[2]]);
        await engine.close();
    });

    test('a file that keeps changing while it is read is refused, not read as a mix of versions', async () => {
        const dir = folder();
        const file = join(dir, 'busy.sqlite');
        const bytes = await sqliteBytes();
        writeFileSync(file, bytes);
        let stop = false;
        let turn = 0;
        // Rewritten in place all the time, as an export in progress would.
        const writer = (async () => {
            while (!stop) {
                const next = new Uint8Array(bytes.length + (++turn % 2) * 4096);
                next.set(bytes);
                writeFileSync(file, next);
                await new Promise(resolve => setImmediate(resolve));
            }
        })();
        const outcomes = [];
        for (let i = 0; i < 20; i++) outcomes.push(await readDatabaseFile(file).then(read => read, (e: Error) => e.message));
        stop = true;
        await writer;
        // Each read is one whole version, or the file is refused in one sentence: never a mix.
        for (const outcome of outcomes) {
            if (typeof outcome === 'string') expect(outcome).toMatch(/changed while it was being read|incomplete/);
            else {
                expect([bytes.length, bytes.length + 4096]).toContain(outcome.length);
                expect(Buffer.from(outcome.subarray(0, bytes.length)).equals(Buffer.from(bytes))).toBe(true);
            }
        }
    });

    test('queries on data that changed under the run are a DatabaseError, not a crash', async () => {
        const engine = await SqlJsEngine.fromBytes(await sqliteBytes(), 'data.sqlite');
        await expect(engine.query('SELECT nope FROM t')).rejects.toBeInstanceOf(DatabaseError);
        await expect(engine.query('SELECT * FROM gone')).rejects.toThrow(/data\.sqlite: the database does not have what the schema names \(no such table: gone\)/);
        await engine.close();
    });
});

describe('members files', () => {
    test('a file outside the workspace folder is refused, also through a symbolic link, and never read', async () => {
        const root = folder();
        const outside = folder();
        writeFileSync(join(outside, 'keys.csv'), 'id\n1\n2\n');
        symlinkSync(join(outside, 'keys.csv'), join(root, 'link.csv'));
        for (const file of [join(root, '../../../../etc/passwd'), join(outside, 'keys.csv'), join(root, 'link.csv'), join(root, '..', 'missing.csv')]) {
            const read = await readMembers(file, 'text', root);
            expect(read.keys).toEqual([]);
            expect(read.problems.map(p => p.code)).toEqual(['members-file-outside']);
        }
        writeFileSync(join(root, 'inside.csv'), 'id\n7\n');
        expect(await readMembersFile(join(root, 'inside.csv'), 'number', root)).toEqual([7]);
    });

    test('keys that do not parse are reported with their line numbers; 64-bit keys are exact', async () => {
        const dir = folder();
        writeFileSync(join(dir, 'keys.csv'), 'CustomerId\n1028\n\n1028x\n  9007199254740993 \n0x3F6\n,Ann\n1e3\n7.0\n');
        const read = await readMembers(join(dir, 'keys.csv'), 'number', dir);
        expect(read.problems.map(p => [p.line, p.code])).toEqual([[4, 'members-file-key'], [6, 'members-file-key'], [7, 'members-file-key'], [8, 'members-file-key']]);
        expect(read.problems[0].message).toBe('Line 4: "1028x" is not a number key (write the key in decimal digits, such as 1028).');
        expect(read.keys).toEqual([]);
        await expect(readMembersFile(join(dir, 'keys.csv'), 'number', dir)).rejects.toThrow(MembersFileError);
        writeFileSync(join(dir, 'good.csv'), 'CustomerId\n1028\n9007199254740993\n7.0\n-5\n');
        expect(await readMembersFile(join(dir, 'good.csv'), 'number', dir)).toEqual([1028, 9007199254740993n, 7, -5]);
    });

    test('an unbalanced quote, UTF-16, NUL bytes and invalid UTF-8 are errors naming the problem, not 0 members', async () => {
        const dir = folder();
        const cases: [string, Uint8Array | string, RegExp][] = [
            ['quote.csv', 'id\n1\n"2\n3\n', /^Line 3: a quote is opened and never closed\.$/],
            ['utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\n1\n', 'utf16le')]), /is UTF-16 text \(it starts with a UTF-16 byte order mark\), not UTF-8: save it as UTF-8 CSV\.$/],
            ['utf16-no-bom.csv', Buffer.from('id\n1\n', 'utf16le'), /contains NUL bytes \(the first on line 1\): it looks like UTF-16 text or a binary file/],
            ['latin1.csv', Buffer.from('id\nJos\xe9\nAnn\n', 'latin1'), /is not UTF-8 text \(line 2 has a byte sequence that is not UTF-8/]
        ];
        for (const [name, content, message] of cases) {
            writeFileSync(join(dir, name), content);
            const read = await readMembers(join(dir, name), 'text', dir);
            expect(read.keys).toEqual([]);
            expect(read.problems).toHaveLength(1);
            expect(read.problems[0].severity).toBe('error');
            expect(read.problems[0].message).toMatch(message);
        }
        writeFileSync(join(dir, 'bom.csv'), '\uFEFFid\nC-1\n"C,2"\n');
        expect(await readMembersFile(join(dir, 'bom.csv'), 'text', dir)).toEqual(['C-1', 'C,2']);
    });

    test('a missing file, a folder and a device are one problem each; a header that reads as a key is a warning', async () => {
        const dir = folder();
        mkdirSync(join(dir, 'sub.csv'));
        expect((await readMembers(join(dir, 'none.csv'), 'number', dir)).problems.map(p => p.code)).toEqual(['members-file-missing']);
        expect((await readMembers(join(dir, 'sub.csv'), 'number', dir)).problems.map(p => [p.code, p.message])).toEqual([['members-file-unreadable', `The members file ${join(dir, 'sub.csv')} is a folder, not a file.`]]);
        expect((await readMembers('/dev/zero', 'number')).problems.map(p => p.code)).toEqual(['members-file-unreadable']);
        writeFileSync(join(dir, 'no-header.csv'), '1010\n1028\n');
        const read = await readMembers(join(dir, 'no-header.csv'), 'number', dir);
        expect(read.problems.map(p => [p.line, p.code, p.severity])).toEqual([[1, 'members-file-header', 'warning']]);
        expect(read.keys).toEqual([1028]);
    });
});
