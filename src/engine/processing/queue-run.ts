import { MESSAGE_TYPE_CLOSED, type MessageContract } from '../message.js';
import type { Executor } from './executors.js';
import { CompletionBuffer, OrderedBuffer, type ResultBuffer } from './result-buffer.js';

/** Where a run pops messages from (a listener's queue, seen through its channel). */
export interface MessageSource {
  /** Pops up to `max` messages without waiting. */
  take(max: number): Promise<MessageContract[]>;
  /** Pops one message, waiting without polling while none is queued; rejects with `signal.reason` on abort. */
  wait(signal: AbortSignal): Promise<MessageContract>;
  /**
   * Hands back messages that were popped but whose results will not be yielded, to the head
   * of the queue in the given order, for whoever pops next.
   */
  putBack(messages: MessageContract[]): Promise<void>;
  /** Confirms delivery of yielded messages to the queue; `undefined` when the queue does not want it. */
  readonly ack: ((messages: MessageContract[]) => Promise<void>) | undefined;
}

/** Options of `QueueRun`. */
export interface QueueRunOptions<T> {
  /** Yield in dispatch order instead of completion order. */
  ordered: boolean;
  /** End at the closed message, or when the queue runs dry. */
  until: 'closed' | 'empty';
  /** Stops the run; pending `next()` rejects with its reason. */
  signal: AbortSignal | undefined;
  /** Most messages popped but not yet yielded. */
  highWaterMark: number;
  /** Turns a result (or a failure) into what the run yields. */
  toEvent(msg: MessageContract, result: MessageContract | undefined, error: unknown): T;
  /** Called when the run starts (first `next()`); a throw fails the run before anything is popped. */
  onStart(): void;
  /** Called once when the run ends, however it ends. */
  onEnd(): void;
}

type Waiter<T> = { resolve(result: IteratorResult<T>): void; reject(error: unknown): void };

const kDone: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/** Waits for `promise`, or only until `signal` aborts (then resolves, leaving `promise` to settle unobserved). */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve();
  }
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * One `processQueue` run: a pump that pops messages and submits them to an executor, and
 * an async iterator over the results.
 *
 * Bounded: the pump pops only while fewer than `highWaterMark` messages are popped but not
 * yet yielded and the executor wants more, so a slow consumer slows popping. The iterator
 * hands out buffered results without an async generator's per-item machinery.
 */
export class QueueRun<T> implements AsyncIterableIterator<T> {
  readonly #source: MessageSource;
  readonly #executor: Executor;
  readonly #options: QueueRunOptions<T>;
  readonly #buffer: ResultBuffer<T>;
  /** Aborted when popping must stop (end, break, signal, failure). */
  readonly #stop = new AbortController();
  /**
   * Wakes the pump when capacity may have freed (a result arrived, the consumer took one, a
   * batch ended) or the run stopped. A bare resolver, not a Doorbell with an AbortSignal:
   * the pump parks here once per batch, and signal listeners cost more than the work.
   */
  #wakePump: (() => void) | undefined;
  #started = false;
  #popping = false;
  #ended = false;
  #failure: { error: unknown } | undefined;
  /**
   * Consumers waiting in `next()`, oldest first: the async iterator protocol lets several
   * `next()` calls be pending at once, and they settle in call order.
   */
  readonly #waiters: Waiter<T>[] = [];
  /** Sequence number of the next popped message. */
  #seq = 0;
  /** Messages popped and submitted but not yet taken by the consumer. */
  #outstanding = 0;
  /**
   * Those same messages by sequence number (in pop order): handed back to the queue when the
   * run ends early (`break`, signal, `close()`), so that nothing popped is lost. A message
   * whose handler was already running may so run twice: at-least-once, as documented.
   */
  readonly #unyielded = new Map<number, MessageContract>();
  /** The closed message and whatever was popped after it: not this run's to process. */
  #closedAndAfter: MessageContract[] = [];
  /** Messages to hand back, in queue order, once the pump has stopped popping. */
  #handingBack: MessageContract[] = [];
  /** Settles when the pump has stopped (at once if it never started). */
  #pumpStopped: Promise<void> = Promise.resolve();
  /** Settles when everything queued for handing back is back in the queue. */
  #handedBack: Promise<void> = Promise.resolve();
  /** Settles when every yielded message has been acknowledged (in yield order). */
  #acknowledged: Promise<void> = Promise.resolve();
  /** Messages waiting for the next acknowledgement round trip (one batch while another is in flight). */
  #toAcknowledge: MessageContract[] = [];
  /** The message of the result last handed to the consumer: acknowledged once it asks for the next. */
  #lastYielded: MessageContract | undefined;
  /** The first acknowledgement failure: it fails the run, even one that has just completed. */
  #ackFailure: { error: unknown } | undefined;
  /** Batches submitted and not yet fully emitted. */
  #batches = 0;
  readonly #onAbort = (): void => this.#fail(this.#options.signal?.reason);

  constructor(source: MessageSource, executor: Executor, options: QueueRunOptions<T>) {
    this.#source = source;
    this.#executor = executor;
    this.#options = options;
    this.#buffer = options.ordered ? new OrderedBuffer<T>() : new CompletionBuffer<T>();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (!this.#started) this.#start();
    // Behind earlier calls still pending: wait in line, whatever is ready now is theirs.
    if (this.#waiters.length > 0) return this.#wait();
    if (this.#failure) {
      const { error } = this.#failure;
      this.#failure = undefined;
      return Promise.reject(error);
    }
    if (this.#ended) return Promise.resolve(kDone);
    if (this.#buffer.hasReady) return Promise.resolve({ done: false, value: this.#take() });
    if (this.#isComplete()) return this.#complete();
    return this.#wait();
  }

  #wait(): Promise<IteratorResult<T>> {
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  /**
   * Called by `break` (and `return` in a `for await` body): stops popping; messages popped
   * but not yet yielded go back to the head of the queue.
   */
  async return(): Promise<IteratorResult<T>> {
    this.#end(false);
    // `for await` awaits this: once the loop is left, every message popped and not yielded
    // is back in the queue, even with a networked backend.
    await this.#pumpStopped;
    await this.#handedBack;
    await this.#acknowledged;
    return kDone;
  }

  #start(): void {
    this.#started = true;
    const { signal } = this.#options;
    if (signal?.aborted) {
      this.#fail(signal.reason);
      return;
    }
    try {
      this.#options.onStart();
    } catch (error) {
      this.#fail(error);
      return;
    }
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#popping = true;
    this.#pumpStopped = this.#pump();
  }

  async #pump(): Promise<void> {
    const stop = this.#stop.signal;
    /** Popped but not yet submitted: handed back if popping more fails. */
    let inHand: MessageContract[] = [];
    try {
      // Loading a handler may take long (or, bounded by its load timeout, never finish): a
      // stop (break, signal, close) must not wait for it.
      await untilAborted(this.#executor.prepare(), stop);
      const { until, highWaterMark } = this.#options;
      while (!stop.aborted) {
        const room = Math.min(this.#executor.wanted(), highWaterMark - this.#outstanding);
        if (room <= 0) {
          await new Promise<void>((resolve) => (this.#wakePump = resolve));
          continue;
        }
        let batch = await this.#source.take(room);
        if (batch.length === 0) {
          if (until === 'empty') return;
          const first = await this.#source.wait(stop);
          inHand = [first];
          batch = room > 1 ? [first, ...(await this.#source.take(room - 1))] : [first];
          inHand = [];
        }
        if (stop.aborted) {
          // Stopped while popping: these were never processed; they go back after the
          // messages popped before them (which `#end` queued for handing back).
          this.#handBack(batch);
          return;
        }
        let closedAt = -1;
        for (let i = 0; i < batch.length; i += 1) {
          if (batch[i]!.type === MESSAGE_TYPE_CLOSED) {
            closedAt = i;
            break;
          }
        }
        if (closedAt >= 0) {
          // Messages popped after the closed message belong to a later run; the closed message
          // itself too if this run ends early. Handed back when the run ends (see `#end`).
          this.#closedAndAfter = batch.slice(closedAt);
          if (closedAt > 0) this.#submit(batch.slice(0, closedAt));
          return;
        }
        this.#submit(batch);
      }
    } catch (error) {
      // Fail before `finally` settles: a waiting consumer must see the error, not the end.
      if (!stop.aborted) this.#fail(error);
      // After what `#fail` queued (popped earlier), so the queue keeps its order.
      this.#handBack(inHand);
    } finally {
      this.#popping = false;
      this.#handBack([]);
      this.#settle();
    }
  }

  #submit(batch: MessageContract[]): void {
    const base = this.#seq;
    this.#seq += batch.length;
    this.#outstanding += batch.length;
    for (let i = 0; i < batch.length; i += 1) this.#unyielded.set(base + i, batch[i]!);
    this.#batches += 1;
    const { toEvent } = this.#options;
    this.#executor
      .submit(batch, (index, result, error) => {
        if (this.#ended) return;
        this.#buffer.put(base + index, toEvent(batch[index]!, result, error));
        this.#ringPump();
        this.#settle();
      })
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        this.#batches -= 1;
        this.#ringPump();
        this.#settle();
      });
  }

  /** Queues messages for handing back; hands everything back once the pump has stopped popping. */
  #handBack(messages: MessageContract[]): void {
    this.#handingBack.push(...messages);
    if (this.#popping || this.#handingBack.length === 0) return;
    const back = this.#handingBack;
    this.#handingBack = [];
    this.#handedBack = this.#handedBack.then(() => this.#source.putBack(back));
  }

  #ringPump(): void {
    const wake = this.#wakePump;
    if (wake !== undefined) {
      this.#wakePump = undefined;
      wake();
    }
  }

  #take(): T {
    this.#outstanding -= 1;
    const value = this.#buffer.take();
    const seq = this.#buffer.takenSeq;
    if (this.#source.ack !== undefined) {
      // The consumer asked for this result, so it has moved past the previous one.
      if (this.#lastYielded !== undefined) this.#acknowledge(this.#lastYielded);
      this.#lastYielded = this.#unyielded.get(seq)!;
    }
    this.#unyielded.delete(seq);
    this.#ringPump();
    return value;
  }

  #isComplete(): boolean {
    return this.#started && !this.#popping && this.#batches === 0 && this.#buffer.size === 0;
  }

  /** Hands results (or the end) to waiting consumers, in the order they asked. */
  #settle(): void {
    while (this.#waiters.length > 0) {
      if (this.#buffer.hasReady) {
        this.#waiters.shift()!.resolve({ done: false, value: this.#take() });
      } else if (this.#isComplete()) {
        const waiters = this.#waiters.splice(0);
        const completion = this.#complete();
        for (const waiter of waiters) completion.then(waiter.resolve, waiter.reject);
        return;
      } else {
        return;
      }
    }
  }

  /**
   * Acknowledges a delivered message, after those before it; a failure fails the run.
   * Batched: messages delivered while an acknowledgement is in flight go together in the
   * next one, so that a networked queue takes one round trip per batch, not per message.
   */
  #acknowledge(msg: MessageContract): void {
    const { ack } = this.#source;
    if (ack === undefined) return;
    this.#toAcknowledge.push(msg);
    if (this.#toAcknowledge.length > 1) return; // joins the batch already scheduled
    this.#acknowledged = this.#acknowledged
      .then(() => {
        const batch = this.#toAcknowledge;
        this.#toAcknowledge = [];
        return ack(batch);
      })
      .catch((error: unknown) => {
        this.#ackFailure ??= { error };
        this.#fail(error);
      });
  }

  /** Ends a run whose every result was yielded, once every acknowledgement has gone through. */
  async #complete(): Promise<IteratorResult<T>> {
    this.#end(true);
    // Once the loop is over, what followed the closed message is back in the queue (for a
    // networked backend: before the program closes its connection).
    await this.#handedBack;
    await this.#acknowledged;
    if (this.#ackFailure) throw this.#ackFailure.error;
    return kDone;
  }

  #fail(error: unknown): void {
    if (this.#ended) return;
    // Take the first waiter first: `#end` would resolve it with the end instead of the error.
    const waiter = this.#waiters.shift();
    this.#end(false);
    if (waiter) waiter.reject(error);
    else this.#failure = { error };
  }

  /**
   * Ends the run. `completed`: every result was yielded, so only what followed the closed
   * message goes back. Otherwise (`break`, signal, failure, `close()`) everything popped and
   * not yielded goes back too, the closed message included, in the order it was popped.
   */
  #end(completed: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stop.abort();
    this.#ringPump();
    const back = completed ? this.#closedAndAfter.slice(1) : [...this.#unyielded.values(), ...this.#closedAndAfter];
    const closed = this.#closedAndAfter[0];
    // The consumer has left the loop (or completed it): it is past the last result it got.
    if (this.#lastYielded !== undefined) this.#acknowledge(this.#lastYielded);
    this.#lastYielded = undefined;
    // The closed message ended this run: delivered, so acknowledged like a yielded one.
    if (completed && closed !== undefined) this.#acknowledge(closed);
    this.#unyielded.clear();
    this.#closedAndAfter = [];
    this.#handBack(back);
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#options.onEnd();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(kDone);
  }
}
