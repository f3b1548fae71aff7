/**
 * Chevrotain 13 (Langium's parser) calls `Object.groupBy`, which Node.js has only from 21 on.
 * VS Code 1.99's extension host and the machines we support run Node.js 20.
 */
type GroupBy = <T, K extends PropertyKey>(items: Iterable<T>, keyOf: (item: T, index: number) => K) => Partial<Record<K, T[]>>;

const objectWithGroupBy = Object as unknown as { groupBy?: GroupBy };
if (typeof objectWithGroupBy.groupBy !== 'function') {
    const groupBy: GroupBy = <T, K extends PropertyKey>(items: Iterable<T>, keyOf: (item: T, index: number) => K) => {
        const groups = Object.create(null) as Partial<Record<K, T[]>>;
        let index = 0;
        for (const item of items) {
            const key = keyOf(item, index++);
            (groups[key] ??= []).push(item);
        }
        return groups;
    };
    Object.defineProperty(Object, 'groupBy', { value: groupBy, configurable: true, writable: true });
}

export {};
