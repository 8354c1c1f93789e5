/** One pending `HandOff.wait`. */
interface Taker<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal;
}

/**
 * Consumers waiting for the next value, oldest first: `give(value)` resolves the oldest wait
 * with the value itself. A queue uses it so that a message pushed while a stream waits on the
 * empty queue goes straight to that stream: no ring, no re-check, no second promise, which is
 * what a broadcast to a thousand waiting streams costs per stream.
 *
 * A wait ends with `signal.reason` when its signal aborts. A signal gets one abort listener
 * per hand-off, added on its first wait and kept until it aborts (or is collected with its
 * waits), rather than one added and removed per wait: a stream waits once per message.
 */
export class HandOff<T> {
  /** Oldest first; usually one (a listener has one stream), so an array's `shift` is cheap. */
  #takers: Taker<T>[] = [];
  /** Signals that have this hand-off's abort listener. */
  readonly #listening = new WeakSet<AbortSignal>();
  /** The signal of the last wait: checked first, since a stream waits with the same one each time. */
  #lastSignal: AbortSignal | undefined;

  /** Resolves with the value of a later `give`; rejects with `signal.reason` when `signal` aborts first. */
  wait(signal: AbortSignal): Promise<T> {
    // The last signal is known not to have aborted (its abort clears `#lastSignal` at once):
    // no `signal.aborted` read, which costs on a path taken once per message.
    if (signal !== this.#lastSignal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      this.#lastSignal = signal;
      if (!this.#listening.has(signal)) {
        this.#listening.add(signal);
        signal.addEventListener('abort', () => this.#abort(signal), { once: true });
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.#takers.push({ resolve, reject, signal });
    });
  }

  /** Number of pending waits. */
  get waiting(): number {
    return this.#takers.length;
  }

  /** Hands `value` to the oldest pending wait; `false` (and nothing happens) when none waits. */
  give(value: T): boolean {
    const taker = this.#takers.shift();
    if (taker === undefined) return false;
    taker.resolve(value);
    return true;
  }

  /** Ends the waits of `signal` with its reason (abort listeners run synchronously: a later `give` never reaches them). */
  #abort(signal: AbortSignal): void {
    if (this.#lastSignal === signal) this.#lastSignal = undefined;
    const ending = this.#takers.filter((taker) => taker.signal === signal);
    if (ending.length === 0) return;
    this.#takers = this.#takers.filter((taker) => taker.signal !== signal);
    for (const taker of ending) taker.reject(signal.reason);
  }
}
