/** The result of every ended `next()`. */
const kDone: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * An async iterator over a generator that can be stopped at any moment: `return()` (or the
 * caller's `signal`) aborts the signal the generator waits on, so a stream blocked in a wait
 * ends at once instead of at its next item, as a bare async generator would. A `cleanup`
 * runs exactly once however the stream ends: exhausted, failed, returned — also when
 * `return()` comes before the first `next()`, where a generator's `finally` never runs.
 */
export class StoppableStream<T> implements AsyncIterableIterator<T> {
  readonly #stop = new AbortController();
  readonly #generator: AsyncGenerator<T, void, undefined>;
  readonly #cleanup: (() => Promise<void>) | undefined;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort = (): void => this.#stop.abort();
  #cleanedUp: Promise<void> | undefined;

  /**
   * @param produce - makes the generator; it must end soon after `stop` aborts.
   * @param options - `signal` also stops the stream; `cleanup` runs once at the end.
   */
  constructor(
    produce: (stop: AbortSignal) => AsyncGenerator<T, void, undefined>,
    options: { signal?: AbortSignal | undefined; cleanup?: () => Promise<void> } = {},
  ) {
    this.#callerSignal = options.signal;
    this.#cleanup = options.cleanup;
    if (this.#callerSignal?.aborted) this.#stop.abort();
    else this.#callerSignal?.addEventListener('abort', this.#onCallerAbort, { once: true });
    this.#generator = produce(this.#stop.signal);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Whether the stream was told to stop (by `return()` or the caller's signal). */
  get stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    // Not `async`: one reaction on the generator's promise, no promise of an async function's own.
    return this.#generator.next().then(this.#onResult, this.#onFailure);
  }

  readonly #onResult = (result: IteratorResult<T, void>): IteratorResult<T, undefined> | Promise<IteratorResult<T, undefined>> =>
    result.done ? this.#finish().then(() => kDone) : result;

  readonly #onFailure = (error: unknown): Promise<never> =>
    this.#finish().then(() => {
      throw error;
    });

  /** Stops the stream at once, even while a `next()` waits; resolves once it has ended. */
  async return(): Promise<IteratorResult<T, undefined>> {
    this.#stop.abort();
    try {
      await this.#generator.return();
    } finally {
      await this.#finish();
    }
    return { done: true, value: undefined };
  }

  /** Ends the stream with `error` (after stopping it, as `return()` does). */
  async throw(error?: unknown): Promise<IteratorResult<T, undefined>> {
    await this.return();
    throw error;
  }

  #finish(): Promise<void> {
    this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
    this.#cleanedUp ??= this.#cleanup?.() ?? Promise.resolve();
    return this.#cleanedUp;
  }
}
