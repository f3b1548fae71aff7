import { readSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

/**
 * Table versions read from a SQLite file's pages, without SQL (file format:
 * https://www.sqlite.org/fileformat2.html). The file is read once, in large chunks, and each
 * page hashed (two 32-bit multiply-xor lanes over its words); each table's b-tree is then
 * walked from its root page (interior pages, leaves, and the overflow pages of its large
 * values), and its version is its row count, its largest rowid and the hash of its pages in
 * tree order. Any change to a table's rows (an insert, a delete, an update in place, a change
 * that keeps the row count and the largest rowid) changes a byte of one of its pages, so its
 * version; a change to another table, to an index or to free pages leaves it. Costs a read of
 * the file and a pass over its bytes in memory, in place of a SQL scan of every column.
 */
export interface PageVersions {
    /** The file's stamp (`fileStamp`) when it was read. */
    readonly stamp: string;
    readonly versions: ReadonlyMap<string, string>;
}

const MAGIC = 'SQLite format 3\0';
const CHUNK = 32 << 20;

/**
 * What tells a SQLite file changed without reading it: size, modification and change times,
 * inode, the header's file change counter, and the same of a `-wal` file beside it. Equal
 * stamps mean the same bytes (a writer changes the inode, the times or the counter).
 */
export async function fileStamp(file: string): Promise<string> {
    const info = await stat(file);
    const wal = await stat(`${file}-wal`).catch(() => undefined);
    const handle = await open(file, 'r');
    let counter = 0;
    try {
        const header = Buffer.alloc(28);
        const { bytesRead } = await handle.read(header, 0, 28, 0);
        if (bytesRead === 28) counter = header.readUInt32BE(24);
    } finally {
        await handle.close();
    }
    return JSON.stringify([info.size, info.mtimeMs, info.ctimeMs, info.ino, counter, wal ? [wal.size, wal.mtimeMs, wal.ctimeMs, wal.ino] : null]);
}

/** True when `file` starts like a SQLite database (a folder or another format does not). */
export async function isSqliteFile(file: string): Promise<boolean> {
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) return false;
    try {
        const header = Buffer.alloc(16);
        const { bytesRead } = await handle.read(header, 0, 16, 0).catch(() => ({ bytesRead: 0 }));
        return bytesRead === 16 && header.toString('latin1') === MAGIC;
    } finally {
        await handle.close();
    }
}

/**
 * The versions of `tables` (names as the schema writes them, any case) in a SQLite file. A name
 * that is not a table with a b-tree (a view, a virtual table, a missing table) gets the hash of
 * every page of the file: it changes when anything does.
 */
export async function sqlitePageVersions(file: string, tables: Iterable<string>): Promise<PageVersions> {
    const stamp = await fileStamp(file);
    const handle = await open(file, 'r');
    try {
        const pages = await readPages(handle);
        const roots = readSchema(pages);
        const versions = new Map<string, string>();
        let whole: string | undefined;
        for (const table of tables) {
            const root = roots.get(table.toLowerCase());
            if (root) versions.set(table, treeVersion(pages, root.page, root.rowid));
            else versions.set(table, (whole ??= fileVersion(pages)));
        }
        // Read again if the file changed while it was read: the versions are of the stamp's bytes.
        if (await fileStamp(file) !== stamp) return sqlitePageVersions(file, versions.keys());
        return { stamp, versions };
    } finally {
        await handle.close();
    }
}

/** What the first pass keeps of each page: its hash, its first word, and what a b-tree page points to. */
interface Pages {
    readonly count: number;
    readonly size: number;
    readonly usable: number;
    readonly textEncoding: number;
    readonly hashA: Uint32Array;
    readonly hashB: Uint32Array;
    /** The first 4 bytes, big-endian (an overflow page's next page). */
    readonly first: Uint32Array;
    /** The page's type byte read as a b-tree page (2, 5, 10, 13), else 0. */
    readonly kind: Uint8Array;
    readonly cells: Uint16Array;
    /** The rowid of a table leaf's last cell. */
    readonly lastRowid: BigInt64Array;
    /** Child pages of interior pages, in order (the right-most last). */
    readonly children: Map<number, number[]>;
    /** The first overflow page of each cell that has one. */
    readonly overflow: Map<number, number[]>;
    /** The bytes of the first pages (the schema's b-tree usually lives there), for `readSchema`. */
    readonly head: Map<number, Buffer>;
    readonly handle: FileHandle;
}

async function readPages(handle: FileHandle): Promise<Pages> {
    const header = Buffer.alloc(100);
    await handle.read(header, 0, 100, 0);
    if (header.toString('latin1', 0, 16) !== MAGIC) throw new Error('not a SQLite file');
    const raw = header.readUInt16BE(16);
    const size = raw === 1 ? 65536 : raw;
    const usable = size - header[20];
    const fileSize = (await handle.stat()).size;
    const count = Math.floor(fileSize / size);
    const pages: Pages = {
        count, size, usable, textEncoding: header.readUInt32BE(56) || 1,
        hashA: new Uint32Array(count + 1), hashB: new Uint32Array(count + 1), first: new Uint32Array(count + 1),
        kind: new Uint8Array(count + 1), cells: new Uint16Array(count + 1), lastRowid: new BigInt64Array(count + 1),
        children: new Map(), overflow: new Map(), head: new Map(), handle
    };
    const perChunk = Math.max(1, Math.floor(CHUNK / size));
    const buffer = Buffer.alloc(perChunk * size);
    for (let start = 1; start <= count; start += perChunk) {
        const n = Math.min(perChunk, count - start + 1);
        const { bytesRead } = await handle.read(buffer, 0, n * size, (start - 1) * size);
        if (bytesRead < n * size) throw new Error('the file is shorter than its pages');
        const words = new Uint32Array(buffer.buffer, buffer.byteOffset, (n * size) >> 2);
        for (let i = 0; i < n; i++) {
            const page = start + i;
            const bytes = buffer.subarray(i * size, (i + 1) * size);
            hashPage(pages, page, words, (i * size) >> 2, size >> 2);
            pages.first[page] = bytes.readUInt32BE(0);
            parseBtreePage(pages, page, bytes);
            if (page <= 8) pages.head.set(page, Buffer.from(bytes));
        }
    }
    return pages;
}

/**
 * Two lanes, even and odd words, each a multiply-xor chain that is one-to-one in every word:
 * a page that differs in one word always hashes differently; more differences collide with a
 * chance of about 2^-32 per lane.
 */
function hashPage(pages: Pages, page: number, words: Uint32Array, from: number, n: number): void {
    let a = 0x811c9dc5 ^ page;
    let b = 0x9e3779b9;
    for (let i = from, end = from + n; i < end; i += 2) {
        a = Math.imul(a ^ words[i], 0x01000193);
        b = Math.imul(b ^ words[i + 1], 0x85ebca6b);
    }
    pages.hashA[page] = a >>> 0;
    pages.hashB[page] = b >>> 0;
}

/** Reads a page as a b-tree page; a page that turns out to be an overflow or free page is never walked as one. */
function parseBtreePage(pages: Pages, page: number, bytes: Buffer): void {
    const at = page === 1 ? 100 : 0;
    const kind = bytes[at];
    if (kind !== 2 && kind !== 5 && kind !== 10 && kind !== 13) return;
    const interior = kind === 2 || kind === 5;
    const cells = bytes.readUInt16BE(at + 3);
    const pointers = at + (interior ? 12 : 8);
    if (pointers + 2 * cells > bytes.length) return;
    pages.kind[page] = kind;
    pages.cells[page] = cells;
    const children: number[] = [];
    const overflow: number[] = [];
    const U = pages.usable;
    const tableMax = U - 35;
    const indexMax = Math.floor(((U - 12) * 64) / 255) - 23;
    const min = Math.floor(((U - 12) * 32) / 255) - 23;
    for (let c = 0; c < cells; c++) {
        let p = bytes.readUInt16BE(pointers + 2 * c);
        if (p >= bytes.length) return;
        if (interior) {
            children.push(bytes.readUInt32BE(p));
            p += 4;
            if (kind === 5) continue;
        }
        const size = varintNumber(bytes, p);
        p = varintEnd(bytes, p);
        if (kind === 13) {
            if (c === cells - 1) pages.lastRowid[page] = BigInt.asIntN(64, varint(bytes, p)[0]);
            p = varintEnd(bytes, p);
        }
        const max = kind === 13 ? tableMax : indexMax;
        if (size > max) {
            const k = min + ((size - min) % (U - 4));
            const local = k <= max ? k : min;
            if (p + local + 4 <= bytes.length) overflow.push(bytes.readUInt32BE(p + local));
        }
    }
    if (interior) children.push(bytes.readUInt32BE(at + 8));
    if (children.length) pages.children.set(page, children);
    if (overflow.length) pages.overflow.set(page, overflow);
}

function varint(bytes: Buffer, at: number): [bigint, number] {
    let value = 0n;
    for (let i = 0; i < 9; i++) {
        const b = bytes[at + i] ?? 0;
        if (i === 8) return [(value << 8n) | BigInt(b), at + 9];
        value = (value << 7n) | BigInt(b & 0x7f);
        if (b < 0x80) return [value, at + i + 1];
    }
    return [value, at + 9];
}

/** A varint's value as a number (exact below 2^53: payload sizes). */
function varintNumber(bytes: Buffer, at: number): number {
    let value = 0;
    for (let i = 0; i < 8; i++) {
        const b = bytes[at + i] ?? 0;
        value = value * 128 + (b & 0x7f);
        if (b < 0x80) return value;
    }
    return value * 256 + (bytes[at + 8] ?? 0);
}

/** Where the varint at `at` ends. */
function varintEnd(bytes: Buffer, at: number): number {
    for (let i = 0; i < 8; i++) if ((bytes[at + i] ?? 0) < 0x80) return at + i + 1;
    return at + 9;
}

/** The pages of the b-tree at `root` in tree order, its overflow pages after each page that points to them. */
function treePages(pages: Pages, root: number): number[] {
    const order: number[] = [];
    const seen = new Set<number>();
    const visit = (page: number): void => {
        if (page < 1 || page > pages.count || seen.has(page) || pages.kind[page] === 0) throw new Error(`a b-tree points to page ${page}, which is not one of its pages`);
        seen.add(page);
        order.push(page);
        for (let next of pages.overflow.get(page) ?? []) {
            while (next !== 0) {
                if (next > pages.count || seen.has(next)) throw new Error(`an overflow chain points to page ${next}`);
                seen.add(next);
                order.push(next);
                next = pages.first[next];
            }
        }
        for (const child of pages.children.get(page) ?? []) visit(child);
    };
    visit(root);
    return order;
}

function treeVersion(pages: Pages, root: number, rowid: boolean): string {
    let order: number[];
    try {
        order = treePages(pages, root);
    } catch {
        // A damaged tree: a version that equals no other, so the segments reading it run again.
        return `unreadable ${Date.now()} ${Math.random()}`;
    }
    let rows = 0;
    let last = -1;
    for (const page of order) {
        const kind = pages.kind[page];
        if (kind === 13 || kind === 10) {
            rows += pages.cells[page];
            last = page;
        } else if (kind === 2) rows += pages.cells[page];
    }
    const maxRowid = rowid && last > 0 && pages.cells[last] > 0 ? pages.lastRowid[last].toString() : '0';
    return `${rows} rows, rowid ${maxRowid}, ${order.length} pages, ${combine(pages, order)}`;
}

function fileVersion(pages: Pages): string {
    return `file of ${pages.count} pages, ${combine(pages, Array.from({ length: pages.count }, (_, i) => i + 1))}`;
}

/** One hash of pages in order (each page's two lanes, and its number). */
function combine(pages: Pages, order: readonly number[]): string {
    let a = 0x2545f491;
    let b = 0x6c8e9cf5;
    for (const page of order) {
        a = Math.imul(a ^ pages.hashA[page], 0x01000193) ^ page;
        b = Math.imul(b ^ pages.hashB[page], 0x85ebca6b);
    }
    return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

/** Root pages of the tables, by lower-case name, from the schema table (its b-tree at page 1). */
function readSchema(pages: Pages): Map<string, { page: number; rowid: boolean }> {
    const roots = new Map<string, { page: number; rowid: boolean }>();
    const order = treePages(pages, 1);
    for (const page of order) {
        if (pages.kind[page] !== 13) continue;
        const bytes = pageBytes(pages, page);
        const at = page === 1 ? 100 : 0;
        for (let c = 0; c < pages.cells[page]; c++) {
            const record = payloadOf(pages, bytes, bytes.readUInt16BE(at + 8 + 2 * c));
            const [type, name, , rootpage, sql] = decodeRecord(record, pages.textEncoding);
            if (type !== 'table' || typeof name !== 'string' || typeof rootpage !== 'number' || rootpage <= 0) continue;
            roots.set(name.toLowerCase(), { page: rootpage, rowid: !/\bwithout\s+rowid\b/i.test(String(sql ?? '')) });
        }
    }
    return roots;
}

/** A page's bytes: kept from the first pass for the first pages, else read again (the schema only). */
function pageBytes(pages: Pages, page: number): Buffer {
    const kept = pages.head.get(page);
    if (kept) return kept;
    // The schema rarely reaches past the first pages: a synchronous read keeps the walk simple.
    const bytes = Buffer.alloc(pages.size);
    readSync(pages.handle.fd, bytes, 0, pages.size, (page - 1) * pages.size);
    return bytes;
}

/** A table leaf cell's whole payload, its overflow pages included. */
function payloadOf(pages: Pages, bytes: Buffer, at: number): Buffer {
    const [size, afterSize] = varint(bytes, at);
    const [, start] = varint(bytes, afterSize);
    const total = Number(size);
    const U = pages.usable;
    const max = U - 35;
    const min = Math.floor(((U - 12) * 32) / 255) - 23;
    if (total <= max) return bytes.subarray(start, start + total);
    const k = min + ((total - min) % (U - 4));
    const local = k <= max ? k : min;
    const parts = [bytes.subarray(start, start + local)];
    let got = local;
    let next = bytes.readUInt32BE(start + local);
    while (next !== 0 && got < total) {
        const page = pageBytes(pages, next);
        const take = Math.min(U - 4, total - got);
        parts.push(page.subarray(4, 4 + take));
        got += take;
        next = page.readUInt32BE(0);
    }
    return Buffer.concat(parts);
}

type RecordValue = string | number | null;

/** The values of a record (https://www.sqlite.org/fileformat2.html#record_format); blobs as null. */
function decodeRecord(record: Buffer, encoding: number): RecordValue[] {
    const [headerSize, afterHeaderSize] = varint(record, 0);
    const types: number[] = [];
    let at = afterHeaderSize;
    while (at < Number(headerSize)) {
        const [type, next] = varint(record, at);
        types.push(Number(type));
        at = next;
    }
    const values: RecordValue[] = [];
    let body = Number(headerSize);
    for (const type of types) {
        if (type === 0) values.push(null);
        else if (type >= 1 && type <= 6) {
            const width = [0, 1, 2, 3, 4, 6, 8][type];
            values.push(Number(record.readIntBE(body, Math.min(width, 6))));
            body += width;
        } else if (type === 7) {
            values.push(record.readDoubleBE(body));
            body += 8;
        } else if (type === 8 || type === 9) values.push(type - 8);
        else {
            const length = Math.floor((type - 12) / 2);
            const chunk = record.subarray(body, body + length);
            values.push(type % 2 === 1 ? text(chunk, encoding) : null);
            body += length;
        }
    }
    return values;
}

function text(bytes: Buffer, encoding: number): string {
    if (encoding === 2) return bytes.toString('utf16le');
    if (encoding === 3) return Buffer.from(bytes).swap16().toString('utf16le');
    return bytes.toString('utf8');
}
