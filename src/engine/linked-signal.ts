/**
 * A signal that aborts, with the source's reason, as soon as any of its sources aborts, and
 * that can be unlinked from them with `dispose()`.
 *
 * Why not `AbortSignal.any`: on Node 20 (and up to at least 24) a composite made from a
 * long-lived source stays referenced by that source until the source aborts
 * (nodejs/node#55351, #64476), so one composite per stream or per wait on a listener's
 * signal grows the heap for as long as the listener lives. Here the only link is an event
 * listener, which `dispose()` removes.
 */
export class LinkedSignal {
  readonly #controller = new AbortController();
  /** `#controller.signal`, read once: AbortController's getter costs on a per-message path. */
  readonly #signal = this.#controller.signal;
  readonly #sources: readonly AbortSignal[];
  #aborted = false;
  readonly #onAbort = (event: Event): void => {
    this.#aborted = true;
    this.#controller.abort((event.target as AbortSignal).reason);
    this.dispose();
  };

  constructor(sources: readonly AbortSignal[]) {
    this.#sources = sources;
    const aborted = sources.find((source) => source.aborted);
    if (aborted) {
      this.#aborted = true;
      this.#controller.abort(aborted.reason);
      return;
    }
    for (const source of sources) source.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Aborted when a source aborts or `abort()` is called. */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** Whether `signal` is aborted (a plain field: cheaper than `signal.aborted`). */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Aborts this signal only (the sources are untouched) and unlinks it. */
  abort(reason?: unknown): void {
    this.#aborted = true;
    this.#controller.abort(reason);
    this.dispose();
  }

  /** Unlinks from the sources: nothing of this signal stays referenced by them. */
  dispose(): void {
    for (const source of this.#sources) source.removeEventListener('abort', this.#onAbort);
  }
}
