import type { Io } from '../../cli/commands.js';

/** The command line's output channels, kept for a test to read. */
export interface Captured extends Io {
    readonly stdout: string[];
    readonly stderr: string[];
}

export function capture(): Captured {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return { stdout, stderr, out: t => void stdout.push(t), err: t => void stderr.push(t) };
}
