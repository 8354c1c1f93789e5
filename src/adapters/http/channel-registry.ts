/**
 * The service's channels by id, in creation order, in this process: `SSEChannelContainer`'s
 * job, plus ids that the caller chooses (`PUT /create?channel_id=ID`). The default
 * {@link ServiceChannels}; `RedisChannelRegistry` is the shared one.
 */
import { InvalidChannelException } from '../../engine/errors.js';
import { MessageQueueListener } from '../../engine/listener.js';
import type { AbstractMessageQueueFactory } from '../../engine/queue.js';
import { SSEChannel, type SSEChannelOptions } from '../../engine/sse-channel.js';
import type { FoundListener, ServiceChannels } from './service-channels.js';

/** Options of {@link ChannelRegistry}. */
export interface ChannelRegistryOptions {
  /** Creates the queues of every channel's listeners; in memory by default. */
  queuesFactory?: AbstractMessageQueueFactory;
}

/** Keeps `SSEChannel`s by id, in the order they were created. */
export class ChannelRegistry implements ServiceChannels {
  readonly #channels = new Map<string, SSEChannel>();
  readonly #queuesFactory: AbstractMessageQueueFactory | undefined;

  constructor(options: ChannelRegistryOptions = {}) {
    this.#queuesFactory = options.queuesFactory;
  }

  /**
   * Creates a channel with this id (a fresh UUID when none) and keeps it. Throws
   * `InvalidChannelException` when a channel already has the id.
   */
  add(id?: string): SSEChannel {
    if (id !== undefined && this.#channels.has(id)) throw new InvalidChannelException(`A channel with id ${id} already exists`);
    const options: SSEChannelOptions = {};
    if (this.#queuesFactory) options.queuesFactory = this.#queuesFactory;
    if (id !== undefined) options.id = id;
    const channel = new SSEChannel(options);
    this.#channels.set(channel.id, channel);
    return channel;
  }

  /** The channel with this id; throws `InvalidChannelException` if none. */
  get(id: string): SSEChannel {
    const channel = this.#channels.get(id);
    if (!channel) throw new InvalidChannelException(`No channel with id ${id}`);
    return channel;
  }

  /** Whether a channel has this id. */
  has(id: string): boolean {
    return this.#channels.has(id);
  }

  /**
   * Forgets the channel and removes its listeners with their queues (their streams end);
   * throws `InvalidChannelException` if none.
   */
  async rm(id: string): Promise<void> {
    const channel = this.get(id);
    this.#channels.delete(id);
    for (const listenerId of channel.getListenerIds()) {
      channel.getListener(listenerId).stopSync();
      await channel.removeListener(listenerId);
    }
  }

  /** Ids of every channel, in creation order. */
  getAllIds(): string[] {
    return [...this.#channels.keys()];
  }

  /** {@link add}, as {@link ServiceChannels} has it. */
  async create(id?: string): Promise<SSEChannel> {
    return this.add(id);
  }

  /** {@link get}, as {@link ServiceChannels} has it. */
  async find(id: string): Promise<SSEChannel> {
    return this.get(id);
  }

  /** The channel's listener; rejects with `InvalidChannelException` / `InvalidListenerException`. */
  async findListener(channelId: string, listenerId: string): Promise<FoundListener> {
    const channel = this.get(channelId);
    return { channel, listener: channel.getListener(listenerId) };
  }

  /** Creates and registers a listener of the channel (not started). */
  async subscribe(channelId: string): Promise<MessageQueueListener> {
    const channel = this.get(channelId);
    const listener = new MessageQueueListener();
    await channel.registerListener(listener);
    return listener;
  }

  /** Stops and removes the listener with its queue. */
  async unsubscribe(channelId: string, listenerId: string): Promise<void> {
    const { channel, listener } = await this.findListener(channelId, listenerId);
    listener.stopSync();
    await channel.removeListener(listenerId);
  }

  /** {@link rm}, as {@link ServiceChannels} has it. */
  async remove(id: string): Promise<void> {
    await this.rm(id);
  }

  /** {@link getAllIds}, as {@link ServiceChannels} has it. */
  async channelIds(): Promise<string[]> {
    return this.getAllIds();
  }

  /** Ids of the channel's listeners, in registration order. */
  async listenerIds(channelId: string): Promise<string[]> {
    return this.get(channelId).getListenerIds();
  }

  /** Nothing to release: channels in memory go with the process. */
  async close(): Promise<void> {}
}
