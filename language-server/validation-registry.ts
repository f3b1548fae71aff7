import { stream, ValidationRegistry, type Stream, type ValidationCategory, type ValidationCheck, type ValidationChecks } from 'langium';

/**
 * Langium's validation registry, with the checks per node type and categories kept in a list:
 * the default builds a new chain of streams for every node of every validated document.
 */
export class SegmentValidationRegistry extends ValidationRegistry {
    private readonly byType = new Map<string, readonly ValidationCheck[]>();

    override register<T>(checksRecord: ValidationChecks<T>, thisObj?: ThisParameterType<unknown>, category?: ValidationCategory): void {
        this.byType.clear();
        super.register(checksRecord, thisObj, category);
    }

    override getChecks(type: string, categories?: ValidationCategory[]): Stream<ValidationCheck> {
        const key = categories ? `${type}\u0000${categories.join('\u0000')}` : type;
        let checks = this.byType.get(key);
        if (!checks) {
            checks = super.getChecks(type, categories).toArray();
            this.byType.set(key, checks);
        }
        return stream(checks);
    }
}
