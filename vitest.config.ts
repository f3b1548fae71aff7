import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['test/**/*.test.ts'],
        testTimeout: 60_000,
        hookTimeout: 120_000,
        // One file at a time: the editor and browser tests time real UIs, and these machines
        // have two cores.
        fileParallelism: false
    }
});
