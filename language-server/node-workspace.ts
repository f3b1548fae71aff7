import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LangiumDocument } from 'langium';
import { NodeFileSystem } from 'langium/node';
import type { Diagnostic } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import { createSegmentServices, type SegmentServices } from './segment-module.js';
import type { WorkspaceModel } from './workspace-model.js';

/** A workspace folder of `.segment` files, parsed, linked and validated, outside any editor. */
export interface LoadedWorkspace {
    readonly root: string;
    readonly documents: readonly LangiumDocument[];
    readonly model: WorkspaceModel;
    readonly services: SegmentServices;
    diagnostics(doc: LangiumDocument): readonly Diagnostic[];
}

const SKIP = new Set(['node_modules', '.git', 'out']);

/** Every `.segment` file under `dir`, sorted. */
export function segmentFiles(dir: string): string[] {
    const found: string[] = [];
    const walk = (d: string): void => {
        for (const entry of readdirSync(d, { withFileTypes: true })) {
            if (entry.isDirectory()) {
                if (!SKIP.has(entry.name) && !entry.name.startsWith('.')) walk(join(d, entry.name));
            } else if (entry.name.endsWith('.segment') && isRegularFile(join(d, entry.name))) {
                // A FIFO or a device named *.segment would be read forever, or never.
                found.push(join(d, entry.name));
            }
        }
    };
    walk(dir);
    return found.sort();
}

/** A regular file, or a symbolic link to one. */
function isRegularFile(path: string): boolean {
    try {
        return statSync(path).isFile();
    } catch {
        return false;
    }
}

/**
 * The workspace folder a path belongs to: the nearest folder, from the path upwards, holding a
 * `.segment` file that declares the `database`; else the path's own folder.
 */
export function findWorkspaceRoot(path: string): string {
    const start = resolve(path);
    const first = statSync(start).isDirectory() ? start : dirname(start);
    for (let dir = first; ; dir = dirname(dir)) {
        if (existsSync(dir) && declaresDatabase(dir)) return dir;
        if (dirname(dir) === dir) return first;
    }
}

function declaresDatabase(dir: string): boolean {
    try {
        // Only regular files are read: a FIFO named *.segment would block here.
        return readdirSync(dir).some(f => f.endsWith('.segment') && statSync(join(dir, f), { throwIfNoEntry: false })?.isFile() === true && /^\s*database\s+"/m.test(readFileSync(join(dir, f), 'utf8')));
    } catch {
        return false;
    }
}

/**
 * Loads `files` (default: every `.segment` file under `root`) through the services' file system,
 * so a workspace can be loaded from texts held in memory (`overlay-fs.ts`).
 */
export async function loadWorkspace(root: string, services = createSegmentServices({ ...NodeFileSystem }).Segment, files: readonly string[] = segmentFiles(root)): Promise<LoadedWorkspace> {
    const shared = services.shared;
    const documents: LangiumDocument[] = [];
    for (const file of files) {
        documents.push(await shared.workspace.LangiumDocuments.getOrCreateDocument(URI.file(file)));
    }
    await shared.workspace.DocumentBuilder.build(documents, { validation: true });
    return {
        root,
        documents,
        model: services.workspace.SegmentWorkspace.model,
        services,
        diagnostics: doc => doc.diagnostics ?? []
    };
}
