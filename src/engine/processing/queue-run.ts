import { MESSAGE_TYPE_CLOSED, type MessageContract } from '../message.js';
import type { Emit, Executor } from './executors.js';
import { BatchRecord, Chunk, CompletionBuffer, OrderedBuffer, type ChunkBuffer } from './result-buffer.js';
import { waitingForMessages } from './exit-warning.js';
import { untilAborted } from '../until-aborted.js';

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

/** What a run yields for each message: made once per message, when its batch reports. */
export interface EventMaker<E> {
  /** For a message that is its own result (a main-thread `onMessage` succeeded). */
  message(msg: MessageContract): E;
  /** For a message whose handler returned `data`. */
  result(msg: MessageContract, data: unknown): E;
  /** For a message whose handler failed. */
  error(msg: MessageContract, error: unknown): E;
}

/** Options of `QueueRun`. */
export interface QueueRunOptions<E> {
  /** Yield in dispatch order instead of completion order. */
  ordered: boolean;
  /** End at the closed message, or when the queue runs dry. */
  until: 'closed' | 'empty';
  /** Stops the run; pending `next()` rejects with its reason. */
  signal: AbortSignal | undefined;
  /** Most messages popped but not yet yielded. */
  highWaterMark: number;
  /**
   * Yield arrays of events (every event ready at that moment, at least one) instead of one
   * event at a time: one promise per array instead of one per event.
   */
  chunked: boolean;
  /** Turns results (or failures) into events. */
  events: EventMaker<E>;
  /** What the run reads, for the warning at exit while it waits, e.g. `listener 1f0c…`. */
  waitingFor: string;
  /** Called when the run starts (first `next()`); a throw fails the run before anything is popped. */
  onStart(): void;
  /** Called once when the run ends, however it ends. */
  onEnd(): void;
}

/** Most events in one yielded array of a chunked run (several ready chunks are joined up to it). */
const kMaxJoinedChunk = 4096;

type Waiter<T> = { resolve(result: IteratorResult<T>): void; reject(error: unknown): void };

const kDone: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/** Why a run's own waits end: it stopped popping (never surfaced to users). */
const kStopped = new Error('The processQueue run stopped popping');

/**
 * One `processQueue` run: a pump that pops messages and submits them to an executor, and
 * an async iterator over the results (`Y` is an event `E`, or `E[]` for a chunked run).
 *
 * Bounded: the pump pops only while fewer than `highWaterMark` messages are popped but not
 * yet yielded and the executor wants more, so a slow consumer slows popping. The iterator
 * hands out buffered results without an async generator's per-item machinery, and the
 * bookkeeping is per batch (a `BatchRecord`, a `Chunk` of events), not per message.
 */
export class QueueRun<E, Y = E> implements AsyncIterableIterator<Y> {
  readonly #source: MessageSource;
  readonly #executor: Executor;
  readonly #options: QueueRunOptions<E>;
  readonly #chunked: boolean;
  readonly #buffer: ChunkBuffer<E>;
  /**
   * Aborted when popping must stop (end, break, signal, failure). Made only when a wait needs
   * it (a slow handler load, an empty queue): a short run, say one message on an idle pool,
   * then costs no AbortController, no listener and no abort event.
   */
  #stop: AbortController | undefined;
  /**
   * Wakes the pump when capacity may have freed (a batch ended, the consumer took enough) or
   * the run stopped. A bare resolver, not a Doorbell with an AbortSignal: the pump parks here
   * once per batch, and signal listeners cost more than the work.
   */
  #wakePump: (() => void) | undefined;
  /** While the pump waits for room: wake it once `#outstanding` is at most this. */
  #wakeAtOutstanding = -1;
  #started = false;
  #popping = false;
  #ended = false;
  #failure: { error: unknown } | undefined;
  /**
   * Consumers waiting in `next()`, oldest first: the async iterator protocol lets several
   * `next()` calls be pending at once, and they settle in call order.
   */
  readonly #waiters: Waiter<Y>[] = [];
  /** Sequence number of the next popped message. */
  #seq = 0;
  /** Messages popped and submitted but not yet taken by the consumer. */
  #outstanding = 0;
  /** Events ready in `#buffer`, not yet taken. */
  #buffered = 0;
  /**
   * Batches with messages not yet taken, by base sequence number (so in pop order): their
   * untaken messages go back to the queue when the run ends early (`break`, signal,
   * `close()`), so that nothing popped is lost. A message whose handler was already running
   * may so run twice: at-least-once, as documented.
   */
  readonly #records = new Map<number, BatchRecord>();
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
  /** The messages of the events last handed to the consumer: acknowledged once it asks for more, or leaves. */
  #lastHandedOut: MessageContract[] = [];
  /** The first acknowledgement failure: it fails the run, even one that has just completed. */
  #ackFailure: { error: unknown } | undefined;
  /** Batches submitted and not yet fully emitted. */
  #batches = 0;
  readonly #onAbort = (): void => this.#fail(this.#options.signal?.reason);

  constructor(source: MessageSource, executor: Executor, options: QueueRunOptions<E>) {
    this.#source = source;
    this.#executor = executor;
    this.#options = options;
    this.#chunked = options.chunked;
    this.#buffer = options.ordered ? new OrderedBuffer<E>() : new CompletionBuffer<E>();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Y>> {
    if (!this.#started) this.#start();
    // Behind earlier calls still pending: wait in line, whatever is ready now is theirs.
    if (this.#waiters.length > 0) return this.#wait();
    if (this.#failure) {
      const { error } = this.#failure;
      this.#failure = undefined;
      return Promise.reject(error);
    }
    if (this.#ended) return Promise.resolve(kDone);
    if (this.#buffer.current() !== undefined) return Promise.resolve({ done: false, value: this.#take() });
    if (this.#isComplete()) return this.#complete();
    return this.#wait();
  }

  #wait(): Promise<IteratorResult<Y>> {
    return new Promise<IteratorResult<Y>>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  /**
   * Called by `break` (and `return` in a `for await` body): stops popping; messages popped
   * but not yet yielded go back to the head of the queue.
   */
  async return(): Promise<IteratorResult<Y>> {
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

  /** The signal that aborts when popping must stop (see `#stop`). */
  #stopSignal(): AbortSignal {
    this.#stop ??= new AbortController();
    if (this.#ended && !this.#stop.signal.aborted) this.#stop.abort(kStopped);
    return this.#stop.signal;
  }

  async #pump(): Promise<void> {
    /** Popped but not yet submitted: handed back if popping more fails. */
    let inHand: MessageContract[] = [];
    try {
      // Loading a handler may take long (or, bounded by its load timeout, never finish): a
      // stop (break, signal, close) must not wait for it.
      const preparing = this.#executor.prepare();
      if (preparing !== undefined) await untilAborted(preparing, this.#stopSignal());
      const { until, highWaterMark } = this.#options;
      // Room enough for a batch: a pump woken by each result the consumer takes would
      // otherwise send batches of one while the consumer is the bottleneck.
      const enough = Math.max(1, Math.floor(highWaterMark / 4));
      while (!this.#ended) {
        const wanted = this.#executor.wanted();
        const room = highWaterMark - this.#outstanding;
        if (wanted <= 0 || room < Math.min(wanted, enough)) {
          this.#wakeAtOutstanding = wanted <= 0 ? -1 : highWaterMark - Math.min(wanted, enough);
          await new Promise<void>((resolve) => (this.#wakePump = resolve));
          continue;
        }
        const max = Math.min(wanted, room);
        let batch = await this.#source.take(max);
        if (batch.length === 0) {
          if (until === 'empty') return;
          const stopWaiting = waitingForMessages(this.#options.waitingFor);
          const first = await this.#source.wait(this.#stopSignal()).finally(stopWaiting);
          inHand = [first];
          batch = max > 1 ? [first, ...(await this.#source.take(max - 1))] : [first];
          inHand = [];
        }
        if (this.#ended) {
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
      if (!this.#ended) this.#fail(error);
      // After what `#fail` queued (popped earlier), so the queue keeps its order.
      this.#handBack(inHand);
    } finally {
      this.#popping = false;
      this.#handBack([]);
      this.#settle();
    }
  }

  #submit(batch: MessageContract[]): void {
    const record = new BatchRecord(this.#seq, batch);
    this.#seq += batch.length;
    this.#outstanding += batch.length;
    this.#records.set(record.base, record);
    this.#batches += 1;
    const { events } = this.#options;
    const emit: Emit = (start, count, results, errors) => {
      if (this.#ended) return;
      const make = (msg: MessageContract, k: number): E => {
        const error = errors?.[k];
        return error !== undefined ? events.error(msg, error) : results === undefined ? events.message(msg) : events.result(msg, results[k]);
      };
      // Packed (processChunks hands this very array out): by `map` for a whole batch (the
      // common case, allocated once), else by `push`; never `new Array(count)`, which is holey.
      let made: E[];
      if (start === 0 && count === batch.length) {
        made = batch.map(make);
      } else {
        made = [];
        for (let k = 0; k < count; k += 1) made.push(make(batch[start + k]!, k));
      }
      this.#buffer.put(new Chunk(record, start, made));
      this.#buffered += count;
      // A main-thread executor may want more as soon as one handler ends.
      this.#ringPump();
      this.#settle();
    };
    this.#executor
      .submit(batch, emit)
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        this.#batches -= 1;
        this.#ringPump();
        this.#settle();
      });
  }

  /** Queues messages for handing back; hands everything back once the pump has stopped popping. */
  #handBack(messages: MessageContract[]): void {
    if (messages.length > 0) this.#handingBack.push(...messages);
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

  /** Takes what one `next()` yields: the next event, or (chunked) every ready event. Call only when `#buffer.current()` is set. */
  #take(): Y {
    // The consumer asks for more, so it has moved past what it got last: acknowledge that.
    // (Only a queue that wants acks fills it: no new array per result otherwise.)
    const previous = this.#lastHandedOut;
    if (previous.length > 0) {
      this.#lastHandedOut = [];
      this.#acknowledge(previous);
    }
    let chunk = this.#buffer.current()!;
    let value: Y;
    let taken: number;
    if (!this.#chunked) {
      value = chunk.events[chunk.pos] as unknown as Y;
      this.#taken(chunk, chunk.pos, 1);
      chunk.pos += 1;
      taken = 1;
      if (chunk.pos === chunk.events.length) this.#buffer.shift();
    } else {
      // A whole untouched chunk is handed out as it is (no copy: nothing else holds it once
      // shifted out); further ready chunks are joined to it.
      const out = chunk.pos === 0 ? chunk.events : chunk.events.slice(chunk.pos);
      this.#taken(chunk, chunk.pos, chunk.events.length - chunk.pos);
      this.#buffer.shift();
      while (out.length < kMaxJoinedChunk && (chunk = this.#buffer.current()!) !== undefined) {
        const end = Math.min(chunk.events.length, chunk.pos + kMaxJoinedChunk - out.length);
        for (let i = chunk.pos; i < end; i += 1) out.push(chunk.events[i]!);
        this.#taken(chunk, chunk.pos, end - chunk.pos);
        chunk.pos = end;
        if (end === chunk.events.length) this.#buffer.shift();
      }
      taken = out.length;
      value = out as unknown as Y;
    }
    this.#buffered -= taken;
    this.#outstanding -= taken;
    if (this.#outstanding <= this.#wakeAtOutstanding) {
      this.#wakeAtOutstanding = -1;
      this.#ringPump();
    }
    return value;
  }

  /** Bookkeeping for `count` events of `chunk` from `pos` handed to the consumer: acknowledged, and no longer to hand back. */
  #taken(chunk: Chunk<E>, pos: number, count: number): void {
    const { record } = chunk;
    const index = chunk.offset + pos;
    if (this.#source.ack !== undefined) {
      for (let i = index; i < index + count; i += 1) this.#lastHandedOut.push(record.messages[i]!);
    }
    record.markTaken(index, count);
    if (record.left === 0) this.#records.delete(record.base);
  }

  #isComplete(): boolean {
    return this.#started && !this.#popping && this.#batches === 0 && this.#buffered === 0;
  }

  /** Hands results (or the end) to waiting consumers, in the order they asked. */
  #settle(): void {
    while (this.#waiters.length > 0) {
      if (this.#buffer.current() !== undefined) {
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
   * Acknowledges delivered messages, after those before them; a failure fails the run.
   * Batched: messages delivered while an acknowledgement is in flight go together in the
   * next one, so that a networked queue takes one round trip per batch, not per message.
   */
  #acknowledge(messages: MessageContract[]): void {
    const { ack } = this.#source;
    if (ack === undefined || messages.length === 0) return;
    const scheduled = this.#toAcknowledge.length > 0;
    for (const msg of messages) this.#toAcknowledge.push(msg);
    if (scheduled) return; // joins the batch already scheduled
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
  async #complete(): Promise<IteratorResult<Y>> {
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
    // A shared reason: a bare abort() would build a DOMException (with its stack) per run.
    this.#stop?.abort(kStopped);
    this.#ringPump();
    const back: MessageContract[] = [];
    if (completed) {
      back.push(...this.#closedAndAfter.slice(1));
    } else {
      for (const record of this.#records.values()) back.push(...record.untaken());
      back.push(...this.#closedAndAfter);
    }
    const closed = this.#closedAndAfter[0];
    // The consumer has left the loop (or completed it): it is past the last result it got.
    this.#acknowledge(this.#lastHandedOut);
    this.#lastHandedOut = [];
    // The closed message ended this run: delivered, so acknowledged like a yielded one.
    if (completed && closed !== undefined) this.#acknowledge([closed]);
    this.#records.clear();
    this.#closedAndAfter = [];
    this.#handBack(back);
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#options.onEnd();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(kDone);
  }
}
