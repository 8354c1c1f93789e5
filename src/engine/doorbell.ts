/**
 * A wake-up call for whoever waits for "something may have changed".
 * Waiting costs one pending promise and no CPU: there is no timer and no polling.
 * `ring()` wakes every current waiter; an aborted signal rejects the wait with the
 * signal's reason and removes the waiter, so nothing accumulates.
 */
export class Doorbell {
  readonly #waiters = new Set<() => void>();

  /** Resolves at the next `ring()`; rejects with `signal.reason` when `signal` aborts first. */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.#waiters.delete(wake);
        reject(signal?.reason);
      };
      this.#waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of pending waits. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Wakes everyone currently waiting. */
  ring(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}

