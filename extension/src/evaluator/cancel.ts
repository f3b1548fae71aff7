/** Cooperative cancellation for a worker request: checked between queries. */
export class CancelToken {
    private cancelled = false;

    cancel(): void {
        this.cancelled = true;
    }

    get isCancelled(): boolean {
        return this.cancelled;
    }

    /** Lets queued messages (a `cancel`) in, then stops the request if it was cancelled. */
    async checkpoint(): Promise<void> {
        await new Promise<void>(resolve => setImmediate(resolve));
        if (this.cancelled) throw new CancelledError();
    }
}

export class CancelledError extends Error {
    constructor() {
        super('cancelled');
        this.name = 'CancelledError';
    }
}
