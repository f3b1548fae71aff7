import * as vscode from 'vscode';
import { ENGINE_NAMES, type EngineName } from '../../../engine/open-engine.js';

/** The extension's settings (`segments.*`), read fresh each time. */
export interface SegmentSettings {
    readonly debounceMs: number;
    readonly pageSize: number;
    readonly asOf?: string;
    readonly historyFile?: string;
    readonly refreshOnDatabaseChange: boolean;
    readonly engine: EngineName;
    readonly postgresUrl?: string;
    readonly postgresSchema?: string;
}

export function readSettings(scope?: vscode.Uri): SegmentSettings {
    const c = vscode.workspace.getConfiguration('segments', scope);
    const asOf = c.get<string>('asOf', '').trim();
    const history = c.get<string>('history.file', '').trim();
    const engine = c.get<string>('engine', 'sqljs');
    const postgresUrl = c.get<string>('postgres.url', '').trim();
    const postgresSchema = c.get<string>('postgres.schema', '').trim();
    return {
        debounceMs: Math.max(0, c.get<number>('preview.debounceMs', 300)),
        pageSize: Math.min(1000, Math.max(10, c.get<number>('preview.pageSize', 100))),
        ...(asOf ? { asOf } : {}),
        ...(history ? { historyFile: history } : {}),
        refreshOnDatabaseChange: c.get<boolean>('refreshOnDatabaseChange', true),
        engine: ENGINE_NAMES.find(e => e === engine) ?? 'sqljs',
        ...(postgresUrl ? { postgresUrl } : {}),
        ...(postgresSchema ? { postgresSchema } : {})
    };
}
