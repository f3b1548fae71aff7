import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

/** A hold on a shared copy: `release` once, when done with it (releasing twice is harmless). */
export interface Lease<T> {
    readonly value: T;
    release(): void;
}

/** How many copies were read and closed, and how many are open now (the old one of a changed file until its last holder lets go). */
export interface CopyCounts {
    readonly reads: number;
    readonly closes: number;
    readonly open: number;
}

interface Entry<T> {
    readonly file: string;
    readonly stamp: string;
    readonly value: Promise<T>;
    refs: number;
    closed: boolean;
}

/**
 * What changes when a file is written or replaced: its size and modification time. A file that
 * cannot be looked at gets a stamp of its own, so it is tried again once it can.
 */
export async function fileStamp(file: string): Promise<string> {
    try {
        const info = await stat(file);
        return `${info.size}:${info.mtimeMs}`;
    } catch {
        return 'unreadable';
    }
}

/**
 * One copy per file in this process, shared by everyone who holds a lease on it: read when first
 * asked for, read again only when the file's size or modification time changed, and closed
 * when its last holder releases it (a changed file's old copy too, once the runs still reading
 * it are done). A copy nobody holds is never kept: memory goes back as soon as it can.
 */
export class SharedCopies<T> {
    private readonly current = new Map<string, Entry<T>>();
    private reads = 0;
    private closes = 0;
    private failed = 0;

    constructor(private readonly closeCopy: (copy: T) => void | Promise<void>) {}

    /** A lease on the copy of `file` as it is now; `read` makes one when there is none for this version. */
    async acquire(path: string, read: (file: string) => Promise<T>): Promise<Lease<T>> {
        const file = resolve(path);
        const stamp = await fileStamp(file);
        let entry = this.current.get(file);
        if (entry && entry.stamp !== stamp) {
            // The file changed: new leases get a new copy; the old one closes with its last lease.
            this.current.delete(file);
            this.closeIfUnused(entry);
            entry = undefined;
        }
        if (!entry) {
            // Read by the path as given: errors name the file as the user wrote it.
        const fresh: Entry<T> = { file, stamp, value: read(path), refs: 0, closed: false };
            this.reads++;
            this.current.set(file, fresh);
            fresh.value.catch(() => {
                // Nothing was opened: the next lease tries again.
                this.failed++;
                fresh.closed = true;
                if (this.current.get(file) === fresh) this.current.delete(file);
            });
            entry = fresh;
        }
        const held = entry;
        held.refs++;
        let value: T;
        try {
            value = await held.value;
        } catch (e) {
            held.refs--;
            throw e;
        }
        let released = false;
        return {
            value,
            release: () => {
                if (released) return;
                released = true;
                held.refs--;
                this.closeIfUnused(held);
            }
        };
    }

    counts(): CopyCounts {
        return { reads: this.reads, closes: this.closes, open: this.reads - this.closes - this.failed };
    }

    private closeIfUnused(entry: Entry<T>): void {
        if (entry.refs > 0 || entry.closed) return;
        entry.closed = true;
        if (this.current.get(entry.file) === entry) this.current.delete(entry.file);
        entry.value.then(async copy => {
            this.closes++;
            await this.closeCopy(copy);
        }, () => undefined);
    }
}
