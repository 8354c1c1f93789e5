/** One pending `Doorbell.wait`. */
interface Waiter {
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
}

/**
 * A wake-up call for whoever waits for "something may have changed".
 * Waiting costs one pending promise and no CPU: there is no timer and no polling.
 * `ring()` wakes every current waiter; an aborted signal rejects its waits with the
 * signal's reason and removes them, so nothing accumulates.
 *
 * A signal gets one abort listener per doorbell, added on its first wait and kept until it
 * aborts (or is collected with its waits), rather than one added and removed per wait: a
 * stream waits once per message, and listener bookkeeping on the signal cost more than the
 * rest of the wait.
 */
export class Doorbell {
  readonly #waiters = new Set<Waiter>();
  /** The pending waits of each signal that has an abort listener from this doorbell. */
  readonly #bySignal = new WeakMap<AbortSignal, Set<Waiter>>();

  /** Resolves at the next `ring()`; rejects with `signal.reason` when `signal` aborts first. */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      this.#waiters.add(waiter);
      if (signal === undefined) return;
      let pending = this.#bySignal.get(signal);
      if (pending === undefined) {
        pending = new Set();
        this.#bySignal.set(signal, pending);
        signal.addEventListener('abort', () => this.#abort(signal), { once: true });
      }
      pending.add(waiter);
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
    for (const waiter of waiters) {
      if (waiter.signal !== undefined) this.#bySignal.get(waiter.signal)?.delete(waiter);
      waiter.resolve();
    }
  }

  #abort(signal: AbortSignal): void {
    const pending = this.#bySignal.get(signal);
    this.#bySignal.delete(signal);
    if (pending === undefined) return;
    for (const waiter of pending) {
      this.#waiters.delete(waiter);
      waiter.reject(signal.reason);
    }
  }
}
