import Denque from 'denque';
import { NoMessagesException, QueueFullException } from './errors.js';
import { HandOff, type Taker } from './hand-off.js';
import { assertMessage, type MessageContract } from './message.js';
import { AbstractMessageQueueFactory, type PushOptions, type Queue, type QueueOwner } from './queue.js';
import { describeValue, optionsObject, positiveInteger } from './validation.js';

/** One settled promise for every push that needs no wait: a push allocates no promise of its own. */
const kPushed: Promise<void> = Promise.resolve();

/** The `#pending` of every queue with no push waiting (never added to). */
const kNoPending: PendingPush[] = [];

/** What a push to a full queue does: wait for room (backpressure) or reject at once. */
export type WhenFull = 'wait' | 'reject';

/** Options of `InMemoryMessageQueueFactory` (and so of each `InMemoryQueue` it creates). */
export interface InMemoryQueueOptions {
  /**
   * Most messages each queue holds. A push to a full queue waits or rejects, as `whenFull`
   * says. Messages handed back to the head of the queue (`requeue`, by a consumer that
   * stopped early) are always taken, even past the capacity: they were accepted already.
   *
   * Unbounded by default, so that the common "dispatch everything, then process" program
   * keeps working: with a bound and `'wait'`, it would wait forever for a consumer that has
   * not started yet. Set a capacity whenever a producer may outrun its consumer.
   * @default Infinity
   * @example new InMemoryMessageQueueFactory({ capacity: 10_000 }) // dispatch waits for room
   */
  capacity?: number;
  /**
   * `'wait'`: a push to a full queue waits until a pop makes room (in push order), until its
   * `signal` aborts (it rejects with the signal's reason) or until the queue is deleted
   * (it rejects with `QueueFullException`); nothing is added meanwhile.
   * `'reject'`: it rejects at once with `QueueFullException` and adds nothing.
   * @default 'wait'
   */
  whenFull?: WhenFull;
}

/** A push waiting for room in a full queue. */
interface PendingPush {
  readonly msg: MessageContract;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

/**
 * The embedded queue backend: a FIFO in this process's memory, unbounded unless given a
 * `capacity` (see `InMemoryQueueOptions`).
 */
export class InMemoryQueue implements Queue {
  /** Most messages held before a push waits or rejects (`Infinity`: unbounded). */
  readonly capacity: number;
  /** What a push to a full queue does. */
  readonly whenFull: WhenFull;
  /** `capacity === Infinity`, checked first on every push. */
  readonly #unbounded: boolean;
  readonly #owner: QueueOwner | undefined;
  /**
   * The messages, oldest first: a ring buffer (no allocation per message, unlike a linked
   * list), whose head also takes messages handed back by `requeue`.
   */
  readonly #messages = new Denque<MessageContract>();
  /**
   * `popOrWait` calls waiting on the empty queue: a push hands its message straight to the
   * oldest (so while one waits, `#messages` is empty).
   */
  readonly #takers = new HandOff<MessageContract>();
  /**
   * Pushes waiting for room, oldest first (only with a capacity and `whenFull: 'wait'`). The
   * shared empty list until a push waits: checking it on every push then reads an array every
   * queue shares (in cache) rather than one of its own.
   */
  #pending: PendingPush[] = kNoPending;

  constructor(options?: InMemoryQueueOptions, owner?: QueueOwner) {
    const { capacity = Number.POSITIVE_INFINITY, whenFull = 'wait' } = optionsObject('InMemoryQueue', options);
    this.capacity = capacity === Number.POSITIVE_INFINITY ? capacity : positiveInteger('capacity', capacity);
    if (whenFull !== 'wait' && whenFull !== 'reject') {
      throw new TypeError(`whenFull must be 'wait' or 'reject', got ${describeValue(whenFull)}`);
    }
    this.whenFull = whenFull;
    this.#unbounded = this.capacity === Number.POSITIVE_INFINITY;
    this.#owner = owner;
  }

  async pop(): Promise<MessageContract> {
    return this.#take();
  }

  /**
   * Appends a message. On a full queue (see `capacity`) it waits for room or rejects with
   * `QueueFullException`, as `whenFull` says; `options.signal` ends a wait.
   */
  push(msg: MessageContract, options?: PushOptions): Promise<void> {
    try {
      assertMessage(msg);
    } catch (error) {
      return Promise.reject(error);
    }
    // Behind pushes already waiting, even when a pop has just made room: push order is kept.
    if ((this.#unbounded || this.#messages.length < this.capacity) && this.#pending.length === 0) {
      this.#append(msg);
      return kPushed;
    }
    if (this.whenFull === 'reject') return Promise.reject(this.#fullError('the message was not added (whenFull: \'reject\')'));
    return this.#waitForRoom(msg, options?.signal);
  }

  /**
   * Appends messages in order. While there is room they are added at once (one promise for
   * all); then each waits for room, or the call rejects with `QueueFullException` saying how
   * many were added, as `whenFull` says. A malformed message rejects before any is added.
   */
  pushMany(messages: readonly MessageContract[], options?: PushOptions): Promise<void> {
    try {
      for (let i = 0; i < messages.length; i += 1) assertMessage(messages[i]);
    } catch (error) {
      return Promise.reject(error);
    }
    let added = 0;
    if (this.#pending.length === 0) {
      const room = Math.min(messages.length, this.capacity - this.#messages.length);
      for (; added < room; added += 1) this.#append(messages[added]!);
    }
    if (added === messages.length) return kPushed;
    if (this.whenFull === 'reject') {
      return Promise.reject(this.#fullError(`${added} of ${messages.length} messages were added, the rest were not (whenFull: 'reject')`));
    }
    return this.#pushRest(messages, added, options?.signal);
  }

  /**
   * Adds `messages` from index `from` on a full queue: each waits for room in turn, and once
   * one is admitted the ones after it that fit go in at once (a pop of 256 makes room for
   * 256), rather than one per pop, which would leave a consumer popping one message at a time.
   */
  async #pushRest(messages: readonly MessageContract[], from: number, signal: AbortSignal | undefined): Promise<void> {
    let i = from;
    while (i < messages.length) {
      await this.#waitForRoom(messages[i]!, signal);
      i += 1;
      // Behind no other waiting push (their order comes first), while there is room.
      while (i < messages.length && this.#pending.length === 0 && this.#messages.length < this.capacity) {
        this.#append(messages[i]!);
        i += 1;
      }
    }
  }

  async delete(): Promise<void> {
    this.#messages.clear();
    const pending = this.#pending;
    this.#pending = kNoPending;
    for (const push of pending) {
      push.signal?.removeEventListener('abort', push.onAbort!);
      push.reject(this.#fullError('the queue was deleted while this push waited for room; the message was not added'));
    }
  }

  /** Pops the next message, or waits for the next push (which hands its message straight here). */
  popOrWait(signal: AbortSignal): Promise<MessageContract> {
    if (this.#messages.length > 0) return Promise.resolve(this.#take());
    return this.#takers.wait(signal);
  }

  /** See `Queue.popOrEnlist`. Throws `signal.reason` when `taker.signal` has aborted already. */
  popOrEnlist(taker: Taker<MessageContract>): MessageContract | undefined {
    if (this.#messages.length > 0) return this.#take();
    if (!this.#takers.enlist(taker)) throw taker.signal.reason;
    return undefined;
  }

  async popMany(max: number): Promise<MessageContract[]> {
    const count = Math.min(max, this.#messages.length);
    const taken = new Array<MessageContract>(count);
    for (let i = 0; i < count; i += 1) taken[i] = this.#messages.shift()!;
    if (this.#pending.length > 0) this.#admit();
    return taken;
  }

  async requeue(messages: MessageContract[]): Promise<void> {
    let first = 0;
    // Into an empty queue with streams waiting: the first messages go to them, in order.
    while (first < messages.length && this.#messages.length === 0 && this.#takers.give(messages[first]!)) first += 1;
    for (let i = messages.length - 1; i >= first; i -= 1) this.#messages.unshift(messages[i]!);
  }

  async size(): Promise<number> {
    return this.#messages.length;
  }

  /** Adds a message at the tail, or hands it to a waiting `popOrWait` (only an empty queue has those). */
  #append(msg: MessageContract): void {
    // Takers wait only on an empty queue (a push or requeue gives to them first), so when one
    // waits, the message is theirs: no need to look at the messages (a cache miss per queue
    // on a broadcast to a thousand waiting streams).
    if (!this.#takers.give(msg)) this.#messages.push(msg);
  }

  #take(): MessageContract {
    if (this.#messages.length === 0) throw new NoMessagesException('The queue is empty');
    const msg = this.#messages.shift()!;
    if (this.#pending.length > 0) this.#admit();
    return msg;
  }

  #waitForRoom(msg: MessageContract, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = signal
        ? (): void => {
            const at = this.#pending.indexOf(push);
            if (at >= 0) this.#pending.splice(at, 1);
            reject(signal.reason);
          }
        : undefined;
      const push: PendingPush = { msg, resolve, reject, signal, onAbort };
      if (this.#pending === kNoPending) this.#pending = [];
      this.#pending.push(push);
      if (signal) signal.addEventListener('abort', onAbort!, { once: true });
    });
  }

  /** Adds waiting pushes, oldest first, while there is room. */
  #admit(): void {
    let admitted = 0;
    while (admitted < this.#pending.length && this.#messages.length < this.capacity) {
      const push = this.#pending[admitted]!;
      admitted += 1;
      push.signal?.removeEventListener('abort', push.onAbort!);
      this.#append(push.msg);
      push.resolve();
    }
    if (admitted === 0) return;
    this.#pending.splice(0, admitted);
  }

  #fullError(what: string): QueueFullException {
    const whose = this.#owner ? `of listener ${this.#owner.listenerId} (channel ${this.#owner.channelId}) ` : '';
    return new QueueFullException(`The queue ${whose}is full (capacity ${this.capacity}): ${what}`);
  }
}

/**
 * Creates `InMemoryQueue`s: the default factory of every channel. Its options (a capacity,
 * and what a push to a full queue does) apply to every queue it creates.
 *
 * @example
 * ```js
 * // Backpressure: dispatch waits while the listener's queue holds 10,000 messages.
 * const channel = new DataProcessingChannel({
 *   maxWorkers: 4,
 *   queuesFactory: new InMemoryMessageQueueFactory({ capacity: 10_000 }),
 * });
 * ```
 */
export class InMemoryMessageQueueFactory extends AbstractMessageQueueFactory {
  readonly #options: InMemoryQueueOptions | undefined;

  /** @throws RangeError / TypeError when `capacity` or `whenFull` is invalid. */
  constructor(options?: InMemoryQueueOptions) {
    super();
    // Checked now, so that a bad option fails here rather than at the first registerListener.
    new InMemoryQueue(options);
    this.#options = options === undefined ? undefined : { ...options };
  }

  create(owner?: QueueOwner): Queue {
    return new InMemoryQueue(this.#options, owner);
  }
}
