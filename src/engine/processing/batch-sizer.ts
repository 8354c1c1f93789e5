/**
 * Chooses how many messages to send in the next pool task.
 *
 * Every task costs a fixed round trip between threads (tens of microseconds), so tiny
 * messages need many per task; slow messages need few, or one task would hold back the
 * others. The sizer starts at 1, so the first result never waits for a batch to fill,
 * and then aims at `targetMilliseconds` of handler time per task, from the per-message
 * time measured inside the threads. It at most doubles from one task to the next (a
 * burst of slow messages right after fast ones costs little) and shrinks at once.
 */
export class BatchSizer {
  readonly #targetMilliseconds: number;
  readonly #max: number;
  #size = 1;
  /** Smoothed handler time per message, in milliseconds; NaN until measured. */
  #perMessage = Number.NaN;

  constructor(targetMilliseconds: number, max: number) {
    this.#targetMilliseconds = targetMilliseconds;
    this.#max = max;
  }

  /** Messages to send in the next task. */
  get size(): number {
    return this.#size;
  }

  /** Smoothed handler time per message in milliseconds (NaN before the first measure). */
  get perMessageMilliseconds(): number {
    return this.#perMessage;
  }

  /** Expected handler time of the next task in milliseconds (`size` × per-message time; NaN before the first measure). */
  get taskMilliseconds(): number {
    return this.#size * this.#perMessage;
  }

  /** Records that `count` messages took `elapsedMilliseconds` of handler time. */
  record(count: number, elapsedMilliseconds: number): void {
    if (count <= 0) return;
    const sample = elapsedMilliseconds / count;
    // Weighted by batch size: one message measured alone says less than a hundred.
    const weight = Math.min(0.5, count / 64);
    this.#perMessage = Number.isNaN(this.#perMessage) ? sample : this.#perMessage + weight * (sample - this.#perMessage);
    const ideal = Math.floor(this.#targetMilliseconds / Math.max(this.#perMessage, 1e-4));
    this.#size = Math.max(1, Math.min(this.#max, ideal, this.#size * 2));
  }
}
