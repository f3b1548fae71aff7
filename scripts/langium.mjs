// Runs langium-cli on Node 20: langium-cli 4.4 calls Object.groupBy, which arrived in Node 21.
if (typeof Object.groupBy !== 'function') {
    Object.defineProperty(Object, 'groupBy', {
        value(items, keyOf) {
            const groups = Object.create(null);
            let index = 0;
            for (const item of items) {
                const key = keyOf(item, index++);
                (groups[key] ??= []).push(item);
            }
            return groups;
        }
    });
}
await import(new URL('../node_modules/langium-cli/bin/langium.js', import.meta.url).href);
