import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { debuglog } from 'node:util';
import { Doorbell } from './doorbell.js';
import {
  describeError,
  InvalidChannelException,
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
  type MessageContract,
} from './message.js';
import type { AbstractMessageQueueFactory, ListenerRegistry, Queue } from './queue.js';

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
  readonly returned: MessageContract[];
}

/** The message reported for a message whose handler threw: its type, payload and the error. */
export function internalErrorMessage(msg: MessageContract, error: unknown): Message {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new Message(MESSAGE_TYPE_INTERNAL_ERROR, { name, message, type: msg.type, payload: msg.payload });
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

  constructor(options: ChannelOptions = {}) {
    const { id = randomUUID(), streamDelaySeconds = 0, queuesFactory = new InMemoryMessageQueueFactory() } = options;
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError(`Channel id must be a non-empty string, got ${JSON.stringify(id) ?? String(id)} (${typeof id})`);
    }
    if (typeof streamDelaySeconds !== 'number' || !Number.isFinite(streamDelaySeconds) || streamDelaySeconds < 0) {
      throw new RangeError(`streamDelaySeconds must be a finite number >= 0, got ${String(streamDelaySeconds)}`);
    }
    if (typeof queuesFactory?.create !== 'function') {
      throw new TypeError('queuesFactory must be an AbstractMessageQueueFactory (an object with a create() method)');
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
    this.#registrations.set(listener.id, { listener, queue, removed, arrivals: new Doorbell(), returned: [] });
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

  /** Adds a message to one listener's queue. */
  async dispatch(listenerId: string, msg: MessageContract): Promise<void> {
    assertMessage(msg);
    await this.#push(this.#registration(listenerId), msg);
  }

  /**
   * Adds a message to every registered listener's queue. Every queue is tried; if some
   * fail, the promise rejects with the failure (an `AggregateError` when several failed).
   * With a networked `queuesFactory` (one with a `registry`), it reaches every listener
   * registered with this channel id in any process, in one backend operation.
   */
  async broadcast(msg: MessageContract): Promise<void> {
    assertMessage(msg);
    const registry = this.#registry;
    if (registry !== undefined) {
      // The shared registry reaches every listener of this channel id, in every process.
      await registry.broadcast(this.id, msg);
      for (const registration of this.#registrations.values()) registration.arrivals.ring();
      return;
    }
    const outcomes = await Promise.allSettled([...this.#registrations.values()].map((r) => this.#push(r, msg)));
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
   * stream at once. A `MESSAGE_TYPE_CLOSED` message is yielded and ends the stream.
   * An unknown or removed listener yields one `error` event and ends. An `onMessage` that
   * throws yields a `MESSAGE_TYPE_INTERNAL_ERROR` event for that message and the stream goes on.
   */
  async *messageStream(listener: MessageQueueListener): AsyncGenerator<Out, void, undefined> {
    let registration: Registration;
    try {
      if (!(listener instanceof MessageQueueListener)) {
        throw new InvalidListenerException('messageStream expects a MessageQueueListener');
      }
      registration = this.#registration(listener.id);
    } catch (error) {
      yield this.adapt(new Message('error', describeError(error)));
      return;
    }
    let runningSignal = listener.signal;
    let link = new LinkedSignal([runningSignal, registration.removed.signal]);
    try {
      while (await listener.isRunning()) {
        if (listener.signal !== runningSignal) {
          // Restarted since the last wait: wait on the new run's signal.
          runningSignal = listener.signal;
          link.dispose();
          link = new LinkedSignal([runningSignal, registration.removed.signal]);
        }
        const { signal } = link;
        let msg: MessageContract;
        try {
          msg = await this.#waitForMessage(registration, signal);
        } catch (error) {
          if (error instanceof InvalidListenerException || error instanceof InvalidChannelException) {
            yield this.adapt(new Message('error', describeError(error)));
            return;
          }
          if (signal.aborted) continue; // stopped while waiting: the loop condition decides
          throw error;
        }
        let failure: { error: unknown } | undefined;
        try {
          await listener.onMessage(msg);
        } catch (error) {
          failure = { error };
        }
        const event = this.#adaptOrReport(failure ? internalErrorMessage(msg, failure.error) : msg);
        try {
          yield event;
        } finally {
          // Delivered once the consumer moves on (or leaves the loop): see `Queue.ack`.
          await registration.queue.ack?.([msg]);
        }
        // The closed message ends the stream even when its handler failed (say, a validating
        // onMessage that rejects unknown types): otherwise notifyEnd could not end this stream.
        if (msg.type === MESSAGE_TYPE_CLOSED) return;
        if (this.streamDelaySeconds > 0) {
          await sleep(this.streamDelaySeconds * 1000, undefined, { signal }).catch(() => undefined);
        }
      }
    } finally {
      link.dispose();
    }
  }

  /**
   * Adapts a delivered message; when `adapt` (say, a `payloadAdapter`) throws for it, adapts
   * an internal-error event for that message instead, so that the stream goes on and the
   * payload is kept in the event. Only if adapting the error event fails too does it throw.
   */
  #adaptOrReport(msg: MessageContract): Out {
    try {
      return this.adapt(msg);
    } catch (error) {
      if (msg.type === MESSAGE_TYPE_INTERNAL_ERROR) throw error;
      return this.adapt(internalErrorMessage(msg, error));
    }
  }

  /**
   * Adds and starts a listener, and returns its message stream. The listener is registered at
   * once (a broadcast before the first `next()` is received) and unregistered when the stream
   * ends, however it ends: nobody else knows it, so its queue would otherwise grow forever.
   */
  watch(): AsyncGenerator<Out, void, undefined> {
    const listener = this.addListener();
    listener.startSync();
    return this.#streamThenRemove(listener);
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
      taken.push(...(await queue.popMany(max - taken.length)));
      return taken;
    }
    try {
      while (taken.length < max) taken.push(await queue.pop());
    } catch (error) {
      if (!(error instanceof NoMessagesException)) throw error;
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

  /** Whether the listener's queue wants `acknowledgeMessages` (its backend has `ack`). */
  protected acknowledges(listenerId: string): boolean {
    return this.#registrations.get(listenerId)?.queue.ack !== undefined;
  }

  /** Confirms delivery of popped messages to the listener's queue (see `Queue.ack`); nothing when it has no `ack`. */
  protected async acknowledgeMessages(listenerId: string, messages: MessageContract[]): Promise<void> {
    await this.#registrations.get(listenerId)?.queue.ack?.(messages);
  }

  async *#streamThenRemove(listener: MessageQueueListener): AsyncGenerator<Out, void, undefined> {
    try {
      yield* this.messageStream(listener);
    } finally {
      listener.stopSync();
      // Skip when someone else removed it already (or registered another under its id).
      if (this.#registrations.get(listener.id)?.listener === listener) await this.removeListener(listener.id);
    }
  }

  async #waitForMessage(registration: Registration, signal: AbortSignal): Promise<MessageContract> {
    const { queue, arrivals, returned } = registration;
    if (returned.length > 0) return returned.shift()!;
    if (queue.popOrWait) return queue.popOrWait(signal);
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

  async #push(registration: Registration, msg: MessageContract): Promise<void> {
    await registration.queue.push(msg);
    registration.arrivals.ring();
  }

  get #registry(): ListenerRegistry | undefined {
    return this.#queuesFactory.registry;
  }

  #registration(listenerId: string): Registration {
    const registration = this.#registrations.get(listenerId);
    if (!registration) throw new InvalidListenerException(`No listener with id ${listenerId}`);
    return registration;
  }
}
