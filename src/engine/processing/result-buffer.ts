/**
 * Results waiting for the consumer. Two orders: `CompletionBuffer` hands results out as
 * they arrive; `OrderedBuffer` holds each until every result dispatched before it is out.
 * Both are plain arrays with a moving head: no allocation per item beyond the slot.
 */
export interface ResultBuffer<T> {
  /** Adds the result of the message with sequence number `seq` (0, 1, 2… in pop order). */
  put(seq: number, value: T): void;
  /** Whether `take()` has something to return. */
  readonly hasReady: boolean;
  /** Removes and returns the next result; call only when `hasReady`. */
  take(): T;
  /** Sequence number of the result `take()` returned last. */
  readonly takenSeq: number;
  /** Results held (ready or waiting for earlier ones). */
  readonly size: number;
}

/** Completion order: first in, first out. */
export class CompletionBuffer<T> implements ResultBuffer<T> {
  #items: T[] = [];
  #seqs: number[] = [];
  #head = 0;
  takenSeq = -1;

  put(seq: number, value: T): void {
    this.#items.push(value);
    this.#seqs.push(seq);
  }

  get hasReady(): boolean {
    return this.#head < this.#items.length;
  }

  take(): T {
    const value = this.#items[this.#head]!;
    this.takenSeq = this.#seqs[this.#head]!;
    this.#head += 1;
    // Compact once the consumed prefix dominates, so the arrays never grow without bound.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#seqs = this.#seqs.slice(this.#head);
      this.#head = 0;
    }
    return value;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }
}

/** Dispatch order: a reorder buffer keyed by sequence number. */
export class OrderedBuffer<T> implements ResultBuffer<T> {
  readonly #waiting = new Map<number, T>();
  #next = 0;
  takenSeq = -1;

  put(seq: number, value: T): void {
    this.#waiting.set(seq, value);
  }

  get hasReady(): boolean {
    return this.#waiting.has(this.#next);
  }

  take(): T {
    const value = this.#waiting.get(this.#next)!;
    this.#waiting.delete(this.#next);
    this.takenSeq = this.#next;
    this.#next += 1;
    return value;
  }

  get size(): number {
    return this.#waiting.size;
  }
}
