import type { MessageContract } from '../message.js';

/**
 * The messages of one submitted batch, with which of them the consumer has taken: what a run
 * hands back to the queue when it ends early is every message not yet taken, in pop order.
 */
export class BatchRecord {
  /** Sequence number of `messages[0]` (0, 1, 2… in pop order across the run). */
  readonly base: number;
  readonly messages: readonly MessageContract[];
  /** 1 at each index the consumer has taken. */
  readonly #taken: Uint8Array;
  /** Messages not yet taken. */
  left: number;

  constructor(base: number, messages: readonly MessageContract[]) {
    this.base = base;
    this.messages = messages;
    this.#taken = new Uint8Array(messages.length);
    this.left = messages.length;
  }

  /** Marks `count` messages from `index` as taken. */
  markTaken(index: number, count: number): void {
    if (count === 1) this.#taken[index] = 1;
    else this.#taken.fill(1, index, index + count);
    this.left -= count;
  }

  /** The messages not taken yet, in pop order. */
  untaken(): MessageContract[] {
    const out: MessageContract[] = [];
    for (let i = 0; i < this.messages.length; i += 1) if (this.#taken[i] === 0) out.push(this.messages[i]!);
    return out;
  }
}

/**
 * Results of consecutive messages of one batch, ready for the consumer: a worker batch is one
 * chunk (its events made in one go), a main-thread result a chunk of one. `pos` moves as the
 * consumer takes them.
 */
export class Chunk<T> {
  readonly record: BatchRecord;
  /** Index in `record.messages` of `events[0]`. */
  readonly offset: number;
  readonly events: T[];
  pos = 0;

  constructor(record: BatchRecord, offset: number, events: T[]) {
    this.record = record;
    this.offset = offset;
    this.events = events;
  }

  /** Sequence number of `events[0]`. */
  get seq(): number {
    return this.record.base + this.offset;
  }
}

/**
 * Chunks waiting for the consumer. Two orders: `CompletionBuffer` hands chunks out as they
 * arrive; `OrderedBuffer` holds each until every result popped before it is out. Both cost
 * per chunk, not per result.
 */
export interface ChunkBuffer<T> {
  put(chunk: Chunk<T>): void;
  /** The chunk to take from next (not exhausted), or `undefined` when none is ready. */
  current(): Chunk<T> | undefined;
  /** Drops `current()`, which the consumer has exhausted. */
  shift(): void;
}

/** Completion order: first in, first out. */
export class CompletionBuffer<T> implements ChunkBuffer<T> {
  #chunks: Chunk<T>[] = [];
  #head = 0;

  put(chunk: Chunk<T>): void {
    this.#chunks.push(chunk);
  }

  current(): Chunk<T> | undefined {
    return this.#chunks[this.#head];
  }

  shift(): void {
    this.#chunks[this.#head] = undefined as never;
    this.#head += 1;
    // Compact once the consumed prefix dominates, so the array never grows without bound.
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** Dispatch (pop) order: a reorder buffer keyed by the sequence number of each chunk's first result. */
export class OrderedBuffer<T> implements ChunkBuffer<T> {
  readonly #waiting = new Map<number, Chunk<T>>();
  #next = 0;

  put(chunk: Chunk<T>): void {
    this.#waiting.set(chunk.seq, chunk);
  }

  current(): Chunk<T> | undefined {
    return this.#waiting.get(this.#next);
  }

  shift(): void {
    const chunk = this.#waiting.get(this.#next)!;
    this.#waiting.delete(this.#next);
    this.#next += chunk.events.length;
  }
}
