import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { debuglog } from 'node:util';
import { Doorbell } from './doorbell.js';
import {
  describeError,
  errorParts,
  InvalidListenerException,
  NoMessagesException,
} from './errors.js';
import { InMemoryMessageQueueFactory } from './in-memory-queue.js';
import { LinkedSignal } from './linked-signal.js';
import { MessageQueueListener } from './listener.js';
import {
  assertMessage,
  Message,
  MESSAGE_TYPE_CLOSED,
  MESSAGE_TYPE_INTERNAL_ERROR,
  type JsonCompatible,
  type MessageContract,
  type Payload,
} from './message.js';
import type { AbstractMessageQueueFactory, ListenerRegistry, Queue } from './queue.js';
import { ListenerStream, type DeliverySource } from './listener-stream.js';
import { describeValue, finiteNumber, optionsObject } from './validation.js';

const debug = debuglog('eric-sse');

/** Options shared by every channel. */
export interface ChannelOptions {
  /**
   * The channel's id: a non-empty string. Processes that use the same id with a networked
   * `queuesFactory` (Redis) share the channel's listeners and queues.
   * @default a fresh UUID v4
   */
  id?: string;
  /**
   * Wait time in seconds between two deliveries of `messageStream`.
   * @default 0
   */
  streamDelaySeconds?: number;
  /**
   * Creates each listener's queue.
   * @default new InMemoryMessageQueueFactory()
   */
  queuesFactory?: AbstractMessageQueueFactory;
}

/** Options of `AbstractChannel.messageStream` and `watch`. */
export interface MessageStreamOptions<Out = unknown, R = Out> {
  /**
   * Ends the stream at once when aborted, even while it waits for a message, without
   * stopping the listener (another stream may take over). The stream ends normally (no
   * error); a message popped but not yet handed out goes back to the head of the queue.
   */
  signal?: AbortSignal;
  /**
   * Called with each message just before its event is yielded (with the original message
   * also when the event reports an `onMessage` failure). A consumer that then fails to
   * deliver the event (its client went away) can give the message back with `requeue`.
   * If it throws, the message goes back to the head of the queue and the stream rethrows.
   */
  onHandOut?: (msg: MessageContract) => void;
  /**
   * Turns each event, with the message it was made from, into what the stream yields: say,
   * the wire form of an SSE event, made once per message and shared by every listener's
   * stream. Costs nothing more per event than the event itself, unlike a wrapper around the
   * stream. The `error` event of an unknown or removed listener comes with the
   * `new Message('error', description)` it was made from. If it throws, the message goes
   * back to the head of the queue and the stream rethrows.
   */
  map?: (event: Out, msg: MessageContract) => R;
}

/** Options of `AbstractChannel.dispatch` and `broadcast`. */
export interface DispatchOptions {
  /** Ends a wait for room in a full bounded queue: the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * `Registration.returned` while nothing was handed back (almost always): one empty list all
 * registrations share, so that checking it on every pop reads an array already in cache.
 * Frozen: it is replaced, never filled.
 */
const kNothingReturned: MessageContract[] = Object.freeze([]) as unknown as MessageContract[];

/** A registered listener with its queue. */
interface Registration {
  readonly listener: MessageQueueListener;
  readonly queue: Queue;
  /** Aborted, with an `InvalidListenerException` as reason, when the listener is removed. */
  readonly removed: AbortController;
  /** Rung on every push through this channel: wakes waiters on queues without `popOrWait`. */
  readonly arrivals: Doorbell;
  /**
   * Messages handed back (`requeueMessages`) to a queue that has no `requeue`: taken before
   * the queue by every pop of this channel, so they stay first in line.
   */
  returned: MessageContract[];
}

/** The message reported for a message whose handler threw: its type, payload and the error. */
export function internalErrorMessage(msg: MessageContract, error: unknown): Message {
  const { name, message } = errorParts(error);
  return new Message(MESSAGE_TYPE_INTERNAL_ERROR, { name, message, type: msg.type, payload: msg.payload });
}

/**
 * The internal-error message for a message whose payload cannot even be adapted (say, a
 * BigInt under `payloadAdapter = JSON.stringify`): the payload is described, not carried.
 */
function internalErrorWithoutPayload(msg: MessageContract, error: unknown, adaptError: unknown): Message {
  const { name, message } = errorParts(error);
  const adapting = errorParts(adaptError);
  return new Message(MESSAGE_TYPE_INTERNAL_ERROR, {
    name,
    message,
    type: msg.type,
    payloadError: `the payload could not be adapted either (${adapting.name}: ${adapting.message}), so it is left out`,
  });
}

function checkHandOut(where: string, onHandOut: unknown): ((msg: MessageContract) => void) | undefined {
  if (onHandOut !== undefined && typeof onHandOut !== 'function') {
    throw new TypeError(`${where} option "onHandOut" must be a function, got ${describeValue(onHandOut)}`);
  }
  return onHandOut as ((msg: MessageContract) => void) | undefined;
}

function checkMap<F>(where: string, map: F | undefined): F | undefined {
  if (map !== undefined && typeof map !== 'function') {
    throw new TypeError(`${where} option "map" must be a function, got ${describeValue(map)}`);
  }
  return map;
}

function checkSignal(where: string, signal: unknown): AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${where} option "signal" must be an AbortSignal, got ${describeValue(signal)}`);
  }
  return signal;
}

/**
 * Base class for channels: registers listeners, each with its own queue, and delivers
 * messages to them by dispatch (one listener) or broadcast (all).
 * Subclasses decide what a delivered message becomes by implementing `adapt`.
 */
export abstract class AbstractChannel<Out> {
  /** The channel's id: `options.id`, else a fresh UUID v4. */
  readonly id: string;
  /** Wait time in seconds between two deliveries of `messageStream`. */
  readonly streamDelaySeconds: number;
  readonly #queuesFactory: AbstractMessageQueueFactory;
  readonly #registrations = new Map<string, Registration>();

  constructor(options?: ChannelOptions) {
    const {
      id = randomUUID(),
      streamDelaySeconds = 0,
      queuesFactory = new InMemoryMessageQueueFactory(),
    } = optionsObject(new.target.name, options);
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError(`Channel id must be a non-empty string, got ${describeValue(id)}`);
    }
    finiteNumber('streamDelaySeconds', streamDelaySeconds, 0, true);
    if (typeof queuesFactory !== 'object' || queuesFactory === null || typeof queuesFactory.create !== 'function') {
      throw new TypeError(
        `queuesFactory must be an AbstractMessageQueueFactory (an object with a create() method), got ${describeValue(queuesFactory)}`,
      );
    }
    this.id = id;
    this.streamDelaySeconds = streamDelaySeconds;
    this.#queuesFactory = queuesFactory;
  }

  /** Turns a delivered message into what streams yield. */
  abstract adapt(msg: MessageContract): Out;

  /** Creates a default listener (not started), registers it and returns it. */
  addListener(): MessageQueueListener {
    const listener = new MessageQueueListener();
    this.registerListener(listener);
    return listener;
  }

  /**
   * Registers a listener and creates its queue. Registering the same listener again keeps
   * its queue (with a `registry`, it registers it there again: the way to retry a failed
   * registration); another listener with an id already registered throws `InvalidListenerException`.
   *
   * The listener is registered in this process at once. With a networked `queuesFactory`
   * (one with a `registry`) it returns a Promise that resolves once other processes see the
   * registration (their broadcasts reach it), or rejects (say, `RepositoryError`) if that
   * failed; it may be ignored, as in the seed: an unawaited failure is only logged
   * (`NODE_DEBUG=eric-sse`), never an unhandled rejection.
   */
  registerListener(listener: MessageQueueListener): void | Promise<void> {
    if (!(listener instanceof MessageQueueListener)) {
      throw new InvalidListenerException('registerListener expects a MessageQueueListener');
    }
    const existing = this.#registrations.get(listener.id);
    if (existing) {
      if (existing.listener === listener) return this.#registerShared(listener);
      throw new InvalidListenerException(`Another listener with id ${listener.id} is already registered`);
    }
    const queue = this.#queuesFactory.create({ channelId: this.id, listenerId: listener.id });
    const removed = new AbortController();
    // Every stream of the listener links to this signal (and unlinks when it ends): no leak to warn about.
    setMaxListeners(0, removed.signal);
    this.#registrations.set(listener.id, { listener, queue, removed, arrivals: new Doorbell(), returned: kNothingReturned });
    return this.#registerShared(listener);
  }

  /** Registers the listener with the factory's shared registry, if any; see `registerListener`. */
  #registerShared(listener: MessageQueueListener): Promise<void> | undefined {
    const registry = this.#registry;
    if (registry === undefined) return undefined;
    const visible = registry.register({ channelId: this.id, listenerId: listener.id });
    // Handled here so that a caller that does not await never sees an unhandled rejection.
    visible.catch((error: unknown) => debug('registering listener %s of channel %s failed: %O', listener.id, this.id, error));
    return visible;
  }

  /** Unregisters a listener and deletes its queue; its streams end with an error event. */
  async removeListener(listenerId: string): Promise<void> {
    const registration = this.#registration(listenerId);
    this.#registrations.delete(listenerId);
    registration.removed.abort(new InvalidListenerException(`Listener ${listenerId} was removed`));
    // Unregistered first, so that no broadcast from another process recreates the queue.
    await this.#registry?.unregister({ channelId: this.id, listenerId });
    await registration.queue.delete();
  }

  /** The registered listener with this id; throws `InvalidListenerException` if none. */
  getListener(listenerId: string): MessageQueueListener {
    return this.#registration(listenerId).listener;
  }

  /** Ids of the registered listeners. */
  getListenerIds(): string[] {
    return [...this.#registrations.keys()];
  }

  /**
   * Adds a message to one listener's queue. The payload may be of any JSON-compatible type,
   * an interface-typed object included (`T` is checked with `JsonCompatible`). With a bounded queue (say
   * `new InMemoryMessageQueueFactory({ capacity })`) that is full, it waits for room or
   * rejects with `QueueFullException`, as the queue's `whenFull` says; `options.signal`
   * ends such a wait (nothing is added).
   */
  dispatch<T = Payload>(listenerId: string, msg: MessageContract<T & JsonCompatible<T>>, options?: DispatchOptions): Promise<void> {
    // Not `async`: the queue's own promise is returned as it is, so a dispatch costs no
    // promise of its own (it is the producer's per-message path). Errors still reject.
    try {
      assertMessage(msg);
      const registration = this.#registration(listenerId);
      const signal = options === undefined ? undefined : checkSignal('dispatch', optionsObject('dispatch', options).signal);
      return this.#push(registration, msg as MessageContract, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Adds several messages to one listener's queue, in order: what a `dispatch` per message
   * does, with one promise for them all, which is much cheaper for a producer that has rows
   * in hand (one `await` per batch instead of per message). Every message is checked before
   * any is added. With a full bounded queue it waits for room or rejects as `dispatch` does;
   * the messages before the one refused are added, the rest are not.
   *
   * @example
   * ```js
   * await channel.dispatchMany(listener.id, rows.map((row) => new Message('row', row)));
   * ```
   */
  dispatchMany<T = Payload>(
    listenerId: string,
    messages: Iterable<MessageContract<T & JsonCompatible<T>>>,
    options?: DispatchOptions,
  ): Promise<void> {
    try {
      const list = (Array.isArray(messages) ? messages : [...messages]) as MessageContract[];
      for (const msg of list) assertMessage(msg);
      const registration = this.#registration(listenerId);
      const signal = options === undefined ? undefined : checkSignal('dispatchMany', optionsObject('dispatchMany', options).signal);
      const { queue } = registration;
      if (queue.pushMany === undefined) return this.#pushEach(registration, list, signal);
      const pushed = signal === undefined ? queue.pushMany(list) : queue.pushMany(list, { signal });
      if (queue.popOrWait !== undefined) return pushed;
      return pushed.then(() => registration.arrivals.ring());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #pushEach(registration: Registration, messages: MessageContract[], signal: AbortSignal | undefined): Promise<void> {
    for (const msg of messages) await this.#push(registration, msg, signal);
  }

  /**
   * Adds a message to every registered listener's queue. Every queue is tried; if some
   * fail, the promise rejects with the failure (an `AggregateError` when several failed).
   * With a networked `queuesFactory` (one with a `registry`), it reaches every listener
   * registered with this channel id in any process, in one backend operation.
   * A full bounded queue follows its `whenFull` rule for its own listener only: the others
   * get the message whatever happens to it; `options.signal` ends the waits.
   */
  async broadcast<T = Payload>(message: MessageContract<T & JsonCompatible<T>>, options?: DispatchOptions): Promise<void> {
    assertMessage(message);
    // Payloads are JSON-compatible (checked by the type above): queues take them as `Payload`.
    const msg = message as MessageContract;
    const signal = options === undefined ? undefined : checkSignal('broadcast', optionsObject('broadcast', options).signal);
    const registry = this.#registry;
    if (registry !== undefined) {
      // The shared registry reaches every listener of this channel id, in every process.
      await registry.broadcast(this.id, msg);
      for (const registration of this.#registrations.values()) registration.arrivals.ring();
      return;
    }
    // A queue that added the message at once may return one shared settled promise for every
    // push (the in-memory queue does): awaited once, not once per listener.
    const pushes = new Set<Promise<void>>();
    for (const registration of this.#registrations.values()) pushes.add(this.#push(registration, msg, signal));
    const outcomes = await Promise.allSettled(pushes);
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `broadcast failed for ${failures.length} listeners`);
  }

  /** Broadcasts a `MESSAGE_TYPE_CLOSED` message: streams end after delivering it. */
  async notifyEnd(): Promise<void> {
    await this.broadcast(new Message(MESSAGE_TYPE_CLOSED));
  }

  /**
   * Pops the listener's next message, awaits `listener.onMessage(msg)` and returns the message.
   * Rejects with `NoMessagesException` when the queue is empty or the listener is not running.
   */
  async deliverNext(listenerId: string): Promise<MessageContract> {
    const registration = this.#registration(listenerId);
    const { listener, queue } = registration;
    if (!(await listener.isRunning())) throw new NoMessagesException(`Listener ${listenerId} is not running`);
    const msg = await this.#pop(registration);
    try {
      await listener.onMessage(msg);
    } finally {
      await queue.ack?.([msg]);
    }
    return msg;
  }

  /**
   * Streams the listener's messages, adapted, while the listener runs.
   *
   * Before each delivery it checks that the listener runs, and it reads nothing ahead.
   * An empty queue is waited on without polling; stopping the listener ends a waiting
   * stream at once, and so do `return()` on the stream and `options.signal` (these leave
   * the listener running). A `MESSAGE_TYPE_CLOSED` message is yielded and ends the stream.
   * An unknown or removed listener yields one `error` event and ends. An `onMessage` that
   * throws yields a `MESSAGE_TYPE_INTERNAL_ERROR` event for that message and the stream goes
   * on. A message popped and not handed out (the stream stopped meanwhile, or adapting it
   * failed beyond repair) goes back to the head of the queue: nothing taken is lost.
   */
  messageStream<R = Out>(listener: MessageQueueListener, options?: MessageStreamOptions<Out, R>): ListenerStream<R> {
    const signal = checkSignal('messageStream', optionsObject('messageStream', options).signal);
    const onHandOut = checkHandOut('messageStream', options?.onHandOut);
    const map = checkMap('messageStream', options?.map);
    return new ListenerStream(listener, () => this.#deliverySource(listener, map), this.#errorEventMaker(map), { signal, onHandOut });
  }

  /** What a stream of `listener` reads: its queue, seen through this channel. Throws for an unknown listener. */
  #deliverySource<R>(listener: MessageQueueListener, map: ((event: Out, msg: MessageContract) => R) | undefined): DeliverySource<R> {
    if (!(listener instanceof MessageQueueListener)) {
      throw new InvalidListenerException(`messageStream expects a MessageQueueListener, got ${describeValue(listener)}`);
    }
    const registration = this.#registration(listener.id);
    const { queue } = registration;
    return {
      removed: registration.removed.signal,
      wait: (signal) => this.#waitForMessage(registration, signal),
      take:
        queue.popOrEnlist === undefined
          ? undefined
          : (taker) => (registration.returned.length > 0 ? registration.returned.shift() : queue.popOrEnlist!(taker)),
      ack: queue.ack === undefined ? undefined : (messages) => queue.ack!(messages),
      requeue: (messages) => this.requeueMessages(listener.id, messages),
      adapt:
        map === undefined
          ? (msg, failure) => this.#adaptOrReport(msg, failure) as unknown as R
          : (msg, failure) => map(this.#adaptOrReport(msg, failure), msg),
      delayMs: this.streamDelaySeconds * 1000,
    };
  }

  /** Makes the `error` event of a stream whose listener is unknown or was removed. */
  #errorEventMaker<R>(map: ((event: Out, msg: MessageContract) => R) | undefined): (error: unknown) => R {
    return (error) => {
      const msg = new Message('error', describeError(error));
      const event = this.adapt(msg);
      return map === undefined ? (event as unknown as R) : map(event, msg);
    };
  }

  /**
   * Adapts a delivered message (or, when its handler failed, an internal-error event for it).
   * When adapting fails (say, a `payloadAdapter` that cannot serialise the payload), adapts an
   * internal-error event that carries the payload; when that fails too, one that describes
   * the failure without the payload. Throws only if even that cannot be adapted.
   */
  #adaptOrReport(msg: MessageContract, failure: { error: unknown } | undefined): Out {
    const primary = failure ? internalErrorMessage(msg, failure.error) : msg;
    let adaptError: unknown;
    try {
      return this.adapt(primary);
    } catch (error) {
      adaptError = error;
    }
    if (!failure) {
      try {
        return this.adapt(internalErrorMessage(msg, adaptError));
      } catch {
        // the payload is what cannot be adapted: report without it
      }
    }
    return this.adapt(internalErrorWithoutPayload(msg, failure ? failure.error : adaptError, adaptError));
  }

  /**
   * Adds and starts a listener, and returns its message stream. The listener is registered at
   * once (a broadcast before the first `next()` is received) and unregistered when the stream
   * ends, however it ends (also a `return()` before the first `next()`): nobody else knows it,
   * so its queue would otherwise grow forever. `return()` ends a waiting stream at once.
   */
  watch<R = Out>(options?: MessageStreamOptions<Out, R>): ListenerStream<R> {
    const signal = checkSignal('watch', optionsObject('watch', options).signal);
    const onHandOut = checkHandOut('watch', options?.onHandOut);
    const map = checkMap('watch', options?.map);
    const listener = this.addListener();
    listener.startSync();
    return new ListenerStream(listener, () => this.#deliverySource(listener, map), this.#errorEventMaker(map), {
      signal,
      onHandOut,
      cleanup: async () => {
        listener.stopSync();
        // Skip when someone else removed it already (or registered another under its id).
        if (this.#registrations.get(listener.id)?.listener === listener) await this.removeListener(listener.id);
      },
    });
  }

  /**
   * Pops the listener's next message, waiting (without polling) while the queue is empty.
   * Rejects with `signal.reason` when `signal` aborts first, and with
   * `InvalidListenerException` when the listener is unknown or gets removed.
   */
  protected async waitForMessage(listenerId: string, signal: AbortSignal): Promise<MessageContract> {
    const registration = this.#registration(listenerId);
    const link = new LinkedSignal([signal, registration.removed.signal]);
    try {
      return await this.#waitForMessage(registration, link.signal);
    } finally {
      link.dispose();
    }
  }

  /** Pops up to `max` of the listener's messages without waiting; an empty array when none. */
  protected async takeMessages(listenerId: string, max: number): Promise<MessageContract[]> {
    const { queue, returned } = this.#registration(listenerId);
    const taken = returned.length > 0 ? returned.splice(0, max) : [];
    if (taken.length === max) return taken;
    if (queue.popMany) {
      if (taken.length === 0) return queue.popMany(max);
      try {
        taken.push(...(await queue.popMany(max - taken.length)));
      } catch {
        // Return what is in hand; the failure, if it lasts, surfaces on the next take.
      }
      return taken;
    }
    try {
      while (taken.length < max) taken.push(await queue.pop());
    } catch (error) {
      // Whatever was popped before a failure is returned, never dropped; a lasting failure
      // surfaces on the next take, which then has nothing in hand.
      if (!(error instanceof NoMessagesException) && taken.length === 0) throw error;
    }
    return taken;
  }

  /**
   * Hands popped-but-unprocessed messages back to the head of the listener's queue (the
   * queue's `requeue`, or a list this channel pops first when the queue has none or its
   * `requeue` fails), so that the next pop returns `messages[0]`. Does nothing when the
   * listener is no longer registered: removing a listener deletes its messages.
   */
  protected async requeueMessages(listenerId: string, messages: MessageContract[]): Promise<void> {
    const registration = this.#registrations.get(listenerId);
    if (!registration || messages.length === 0) return;
    const keepHere = (): void => {
      if (registration.returned === kNothingReturned) registration.returned = [];
      registration.returned.unshift(...messages);
      registration.arrivals.ring();
    };
    if (!registration.queue.requeue) return keepHere();
    try {
      await registration.queue.requeue(messages);
      registration.arrivals.ring();
    } catch {
      keepHere();
    }
  }

  /**
   * Hands messages taken from a stream of this listener back to the head of its queue, in
   * the order given (the next pop returns `messages[0]`), and wakes its waiting stream: for a
   * consumer that could not deliver them (say, its client went away; see
   * `MessageStreamOptions.onHandOut`). Does nothing for a listener no longer registered,
   * since removing a listener deletes its messages.
   */
  async requeue(listenerId: string, messages: readonly MessageContract[]): Promise<void> {
    await this.requeueMessages(listenerId, [...messages]);
  }

  /** Whether the listener's queue wants `acknowledgeMessages` (its backend has `ack`). */
  protected acknowledges(listenerId: string): boolean {
    return this.#registrations.get(listenerId)?.queue.ack !== undefined;
  }

  /** Confirms delivery of popped messages to the listener's queue (see `Queue.ack`); nothing when it has no `ack`. */
  protected async acknowledgeMessages(listenerId: string, messages: MessageContract[]): Promise<void> {
    await this.#registrations.get(listenerId)?.queue.ack?.(messages);
  }

  #waitForMessage(registration: Registration, signal: AbortSignal): Promise<MessageContract> {
    const { queue, returned } = registration;
    if (returned.length > 0) return Promise.resolve(returned.shift()!);
    // The queue's own wait, handed on as is: no promise of ours per message.
    if (queue.popOrWait) return queue.popOrWait(signal);
    return this.#waitForPush(registration, signal);
  }

  async #waitForPush(registration: Registration, signal: AbortSignal): Promise<MessageContract> {
    const { arrivals } = registration;
    // Generic fallback for queues that cannot wait: listen for this channel's pushes before
    // popping, so that a push between the failed pop and the wait is not missed.
    for (;;) {
      // A link of its own, so that a successful pop can cancel this wait without touching `signal`.
      const link = new LinkedSignal([signal]);
      const rung = arrivals.wait(link.signal);
      rung.catch(() => undefined);
      try {
        const msg = await this.#pop(registration);
        link.abort();
        return msg;
      } catch (error) {
        if (!(error instanceof NoMessagesException)) {
          link.abort();
          throw error;
        }
      }
      try {
        await rung;
      } finally {
        link.dispose();
      }
    }
  }

  /** Pops the next message: one handed back to this channel first, else the queue's. */
  #pop(registration: Registration): Promise<MessageContract> {
    const { returned, queue } = registration;
    return returned.length > 0 ? Promise.resolve(returned.shift()!) : queue.pop();
  }

  #push(registration: Registration, msg: MessageContract, signal: AbortSignal | undefined): Promise<void> {
    const { queue } = registration;
    const pushed = signal === undefined ? queue.push(msg) : queue.push(msg, { signal });
    // The doorbell serves only the generic wait, used for queues without `popOrWait`.
    if (queue.popOrWait !== undefined) return pushed;
    return pushed.then(() => registration.arrivals.ring());
  }

  get #registry(): ListenerRegistry | undefined {
    return this.#queuesFactory.registry;
  }

  #registration(listenerId: string): Registration {
    if (typeof listenerId !== 'string') {
      throw new InvalidListenerException(`A listener id (a string) was expected, got ${describeValue(listenerId)}`);
    }
    const registration = this.#registrations.get(listenerId);
    if (!registration) throw new InvalidListenerException(`No listener with id ${listenerId}`);
    return registration;
  }
}
