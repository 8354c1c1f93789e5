/**
 * Who waits for a `HandOff`'s next value: given it by `give`, or failed with the signal's
 * reason when `signal` aborts first. A long-lived consumer (a listener's stream) can be its
 * own taker and enlist again after each value, which costs no promise per wait.
 */
export interface Taker<T> {
  /** Ends the wait when aborted (`fail` gets its reason). */
  readonly signal: AbortSignal;
  /** Called with the value, synchronously inside `give`. */
  give(value: T): void;
  /** Called with `signal.reason`, synchronously inside the abort. */
  fail(reason: unknown): void;
}

/**
 * Consumers waiting for the next value, oldest first: `give(value)` hands the value to the
 * oldest one. A queue uses it so that a message pushed while a stream waits on the empty
 * queue goes straight to that stream: no ring, no re-check, no second promise, which is
 * what a broadcast to a thousand waiting streams costs per stream.
 *
 * A signal gets one abort listener per hand-off, added on its first wait and kept until it
 * aborts (or is collected with its waits), rather than one added and removed per wait: a
 * stream waits once per message.
 */
export class HandOff<T> {
  /**
   * The oldest pending taker, and the others after it, oldest first. Usually there is one (a
   * listener has one stream): held in a field of its own, a give touches no array.
   */
  #first: Taker<T> | undefined;
  #others: Taker<T>[] = [];
  /** Signals that have this hand-off's abort listener. */
  readonly #listening = new WeakSet<AbortSignal>();
  /**
   * The signal of the last wait, known not to have aborted (its abort clears this at once):
   * checked first, since a stream waits with the same one each time, and `signal.aborted`
   * costs on a path taken once per message.
   */
  #lastSignal: AbortSignal | undefined;

  /** Resolves with the value of a later `give`; rejects with `signal.reason` when `signal` aborts first. */
  wait(signal: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.enlist({ signal, give: resolve, fail: reject })) reject(signal.reason);
    });
  }

  /**
   * Adds `taker` behind the pending waits; `false` (and nothing is added) when its signal
   * has aborted already.
   */
  enlist(taker: Taker<T>): boolean {
    const { signal } = taker;
    if (signal !== this.#lastSignal) {
      if (signal.aborted) return false;
      this.#lastSignal = signal;
      if (!this.#listening.has(signal)) {
        this.#listening.add(signal);
        signal.addEventListener('abort', () => this.#abort(signal), { once: true });
      }
    }
    if (this.#first === undefined) this.#first = taker;
    else this.#others.push(taker);
    return true;
  }

  /** Number of pending waits. */
  get waiting(): number {
    return this.#first === undefined ? 0 : 1 + this.#others.length;
  }

  /** Hands `value` to the oldest pending wait; `false` (and nothing happens) when none waits. */
  give(value: T): boolean {
    const taker = this.#first;
    if (taker === undefined) return false;
    this.#first = this.#others.length > 0 ? this.#others.shift() : undefined;
    taker.give(value);
    return true;
  }

  /** Ends the waits of `signal` with its reason (abort listeners run synchronously: a later `give` never reaches them). */
  #abort(signal: AbortSignal): void {
    if (this.#lastSignal === signal) this.#lastSignal = undefined;
    if (this.#first === undefined) return;
    const all = [this.#first, ...this.#others];
    const ending = all.filter((taker) => taker.signal === signal);
    if (ending.length === 0) return;
    const staying = all.filter((taker) => taker.signal !== signal);
    this.#first = staying.shift();
    this.#others = staying;
    for (const taker of ending) taker.fail(signal.reason);
  }
}
