/**
 * The service's channels in Redis: kept across restarts and shared by every service process
 * that uses the same Redis and key prefix. Each process holds `SSEChannel` objects for the
 * channels it serves; Redis says which channels and listeners exist, so a process loads a
 * listener registered through another one when a request names it.
 */
import { randomUUID } from 'node:crypto';
import { debuglog } from 'node:util';
import { InvalidChannelException, InvalidListenerException, RepositoryError } from '../../engine/errors.js';
import { MessageQueueListener } from '../../engine/listener.js';
import { AbstractMessageQueueFactory, type ListenerRegistry, type Queue, type QueueOwner } from '../../engine/queue.js';
import { SSEChannel } from '../../engine/sse-channel.js';
import { describeValue } from '../../engine/validation.js';
import { RedisChannelSet } from '../redis/channel-set.js';
import { kConnection, RedisQueueFactory, type RedisQueueFactoryOptions } from '../redis/redis-queue-factory.js';
import type { FoundListener, ServiceChannels } from './service-channels.js';

const debug = debuglog('eric-sse');

/** Options of {@link RedisChannelRegistry}. */
export interface RedisChannelRegistryOptions {
  /**
   * Where the channels' listeners and queues live (its `prefix` also prefixes the channel
   * set). The registry owns it from then on: `close()` closes it.
   */
  queuesFactory: RedisQueueFactory;
}

/**
 * The queues factory of the registry's channels: the Redis factory, except that a listener
 * being attached (one Redis already lists) is not registered in Redis again. Registering
 * clears a removed listener's tombstone, so it would undo a removal that another process
 * made between the check and the attach.
 */
class AttachingFactory extends AbstractMessageQueueFactory {
  override readonly registry: ListenerRegistry;
  readonly #inner: RedisQueueFactory;
  /** `channelId\nlistenerId` of the listener being attached (during a synchronous call). */
  #attaching: string | undefined;

  constructor(inner: RedisQueueFactory) {
    super();
    this.#inner = inner;
    const shared = inner.registry;
    this.registry = {
      register: (owner) => (this.#attaching === keyOf(owner) ? Promise.resolve() : shared.register(owner)),
      unregister: (owner) => shared.unregister(owner),
      broadcast: (channelId, msg) => shared.broadcast(channelId, msg),
    };
  }

  create(owner: QueueOwner): Queue {
    return this.#inner.create(owner);
  }

  /** The channel's listener with this id, registered in this process only if it was not yet. */
  attach(channel: SSEChannel, listenerId: string): MessageQueueListener {
    if (channel.getListenerIds().includes(listenerId)) return channel.getListener(listenerId);
    const listener = new MessageQueueListener({ id: listenerId });
    this.#attaching = keyOf({ channelId: channel.id, listenerId });
    try {
      // The registry's register() resolves at once for it: nothing to await.
      void channel.registerListener(listener);
    } finally {
      this.#attaching = undefined;
    }
    return listener;
  }
}

function keyOf(owner: QueueOwner): string {
  return `${owner.channelId}\n${owner.listenerId}`;
}

function noChannel(id: string): InvalidChannelException {
  return new InvalidChannelException(`No channel with id ${id}`);
}

/**
 * Channels and listeners kept in Redis for the HTTP service (`eric-sse serve --http --redis
 * URL`): channels in a sorted set by creation time (`<prefix>{#channels}:ids`), each
 * channel's listeners in its registry and their messages in their streams (see
 * `RedisQueueFactory`). What one process creates, another lists, subscribes to, dispatches
 * and broadcasts to, and streams from; what one deletes, the others stop serving (their
 * open streams of it end). Every lookup asks Redis, so a process never serves a channel or
 * listener that another has deleted.
 *
 * @example
 * ```js
 * const channels = await RedisChannelRegistry.connect({ url: 'redis://127.0.0.1:6379' });
 * const app = createService({ channels }); // closes `channels` when it closes
 * await app.listen({ port: 8000 });
 * ```
 */
export class RedisChannelRegistry implements ServiceChannels {
  /** The factory of every listener's queue (closed by `close()`). */
  readonly queuesFactory: RedisQueueFactory;
  readonly #set: RedisChannelSet;
  readonly #factory: AttachingFactory;
  /** The channels this process has loaded. */
  readonly #channels = new Map<string, SSEChannel>();

  /** @throws TypeError when `queuesFactory` is not a `RedisQueueFactory`. */
  constructor(options: RedisChannelRegistryOptions) {
    const queuesFactory = (options as Partial<RedisChannelRegistryOptions> | undefined)?.queuesFactory;
    if (!(queuesFactory instanceof RedisQueueFactory)) {
      throw new TypeError(`RedisChannelRegistry option "queuesFactory" must be a RedisQueueFactory, got ${describeValue(queuesFactory)}`);
    }
    this.queuesFactory = queuesFactory;
    this.#set = new RedisChannelSet(queuesFactory[kConnection], queuesFactory.prefix);
    this.#factory = new AttachingFactory(queuesFactory);
  }

  /**
   * A registry on a new `RedisQueueFactory(options)`, once Redis has answered: rejects with
   * `RepositoryError` (the factory closed) when it does not within `operationTimeoutMs`.
   */
  static async connect(options: RedisQueueFactoryOptions = {}): Promise<RedisChannelRegistry> {
    const registry = new RedisChannelRegistry({ queuesFactory: new RedisQueueFactory(options) });
    try {
      await registry.#set.size();
    } catch (error) {
      await registry.close();
      throw error;
    }
    return registry;
  }

  /** Creates the channel in Redis; rejects with `InvalidChannelException` when the id is taken. */
  async create(id: string = randomUUID()): Promise<SSEChannel> {
    if (typeof id !== 'string' || id.length === 0) throw new TypeError(`A channel id must be a non-empty string, got ${describeValue(id)}`);
    if (!(await this.#set.add(id))) throw new InvalidChannelException(`A channel with id ${id} already exists`);
    // A channel this process held under the id was deleted elsewhere: start afresh.
    this.#forget(id, this.#channels.get(id));
    return this.#local(id);
  }

  /** The channel, if Redis lists it. */
  async find(id: string): Promise<SSEChannel> {
    const held = this.#channels.get(id);
    if (!(await this.#set.has(id))) {
      this.#forget(id, held);
      throw noChannel(id);
    }
    return this.#local(id);
  }

  /** The listener, if Redis lists it; loaded into this process if it was registered through another. */
  async findListener(channelId: string, listenerId: string): Promise<FoundListener> {
    const held = this.#channels.get(channelId);
    const [channelExists, listenerExists] = await Promise.all([this.#set.has(channelId), this.#set.hasListener(channelId, listenerId)]);
    if (!channelExists) {
      this.#forget(channelId, held);
      throw noChannel(channelId);
    }
    const channel = this.#local(channelId);
    if (!listenerExists) {
      await this.#detach(channel, listenerId);
      throw new InvalidListenerException(`No listener with id ${listenerId}`);
    }
    return { channel, listener: this.#factory.attach(channel, listenerId) };
  }

  /** Registers a new listener in Redis; resolves once every process sees it. */
  async subscribe(channelId: string): Promise<MessageQueueListener> {
    const channel = await this.find(channelId);
    const listener = new MessageQueueListener();
    try {
      await channel.registerListener(listener);
    } catch (error) {
      await this.#detach(channel, listener.id);
      throw error;
    }
    // Deleted meanwhile? Its remover may have listed the listeners before this one came.
    if (!(await this.#set.has(channelId))) {
      await this.#detach(channel, listener.id);
      this.#forget(channelId, channel);
      throw noChannel(channelId);
    }
    return listener;
  }

  /** Stops the listener and removes it from Redis with its queue, for every process. */
  async unsubscribe(channelId: string, listenerId: string): Promise<void> {
    const { channel, listener } = await this.findListener(channelId, listenerId);
    listener.stopSync();
    await channel.removeListener(listenerId);
  }

  /**
   * Removes the channel and every listener Redis lists for it, with their queues. The
   * listeners go first and the channel last, so that a removal cut short (Redis failed) can
   * be retried; listeners registered meanwhile are removed after.
   */
  async remove(id: string): Promise<void> {
    const channel = await this.find(id);
    await this.#removeListeners(channel);
    await this.#set.remove(id);
    await this.#removeListeners(channel);
    if (this.#channels.get(id) === channel) this.#channels.delete(id);
  }

  /** Ids of every channel in Redis, in creation order. */
  async channelIds(): Promise<string[]> {
    return this.#set.ids();
  }

  /** Ids of the channel's listeners, registered through any process, in registration order. */
  async listenerIds(channelId: string): Promise<string[]> {
    const [exists, ids] = await Promise.all([this.#set.has(channelId), this.queuesFactory.listenerIds(channelId)]);
    if (!exists) throw noChannel(channelId);
    return ids;
  }

  /** The channel as this process holds it (created or loaded here); see `ServiceChannels.get`. */
  get(id: string): SSEChannel {
    const channel = this.#channels.get(id);
    if (!channel) throw noChannel(id);
    return channel;
  }

  /** Stops this process's listeners and closes the queues factory (Redis keeps everything). Idempotent. */
  async close(): Promise<void> {
    for (const [id, channel] of [...this.#channels]) this.#forget(id, channel);
    await this.queuesFactory.close();
  }

  #local(id: string): SSEChannel {
    let channel = this.#channels.get(id);
    if (!channel) {
      channel = new SSEChannel({ id, queuesFactory: this.#factory });
      this.#channels.set(id, channel);
    }
    return channel;
  }

  /**
   * Drops a channel this process held (deleted elsewhere): its listeners stop, so their
   * streams end. Only if it still holds `held`, the object it held when it asked Redis: one
   * that a request created meanwhile (the channel was created again) is the live one.
   */
  #forget(id: string, held: SSEChannel | undefined): void {
    const channel = this.#channels.get(id);
    if (!channel || channel !== held) return;
    this.#channels.delete(id);
    for (const listenerId of channel.getListenerIds()) channel.getListener(listenerId).stopSync();
  }

  /** Drops a listener this process held (deleted elsewhere, or its registration failed). */
  async #detach(channel: SSEChannel, listenerId: string): Promise<void> {
    if (!channel.getListenerIds().includes(listenerId)) return;
    channel.getListener(listenerId).stopSync();
    // removeListener also removes it in Redis: needed when this process registered it, and
    // harmless when another process removed it already (its keys are gone).
    await channel.removeListener(listenerId).catch((error: unknown) => debug('dropping listener %s: %O', listenerId, error));
  }

  /** Removes every listener of the channel that Redis or this process lists. */
  async #removeListeners(channel: SSEChannel): Promise<void> {
    const ids = new Set([...(await this.queuesFactory.listenerIds(channel.id)), ...channel.getListenerIds()]);
    const removals = [...ids].map(async (listenerId) => {
      this.#factory.attach(channel, listenerId).stopSync();
      await channel.removeListener(listenerId);
    });
    const failures = (await Promise.allSettled(removals)).flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (failures.length > 0) {
      const [first] = failures;
      if (first instanceof RepositoryError) throw first;
      throw new RepositoryError(`Removing the listeners of channel ${channel.id} failed`, { cause: first });
    }
  }
}
