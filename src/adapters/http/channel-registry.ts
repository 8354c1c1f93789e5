/**
 * The service's channels by id, in creation order: `SSEChannelContainer`'s job, plus ids that
 * the caller chooses (`PUT /create?channel_id=ID`), which the engine's container cannot take yet.
 */
import { InvalidChannelException } from '../../engine/errors.js';
import { InMemoryMessageQueueFactory } from '../../engine/in-memory-queue.js';
import { AbstractMessageQueueFactory, type Queue, type QueueOwner } from '../../engine/queue.js';
import { SSEChannel, type SSEChannelOptions } from '../../engine/sse-channel.js';

/** Options of {@link ChannelRegistry}. */
export interface ChannelRegistryOptions {
  /** Creates the queues of every channel's listeners; in memory by default. */
  queuesFactory?: AbstractMessageQueueFactory;
}

/**
 * Creates queues with another factory and keeps each until it is deleted, by channel and
 * listener, so that the service can report how many messages wait (its metrics).
 */
class TrackingQueuesFactory extends AbstractMessageQueueFactory {
  /** channel id → listener id → queue. */
  readonly queues = new Map<string, Map<string, Queue>>();
  readonly #inner: AbstractMessageQueueFactory;

  constructor(inner: AbstractMessageQueueFactory) {
    super();
    this.#inner = inner;
  }

  create(owner: QueueOwner): Queue {
    const queue = this.#inner.create(owner);
    let listeners = this.queues.get(owner.channelId);
    if (!listeners) this.queues.set(owner.channelId, (listeners = new Map()));
    listeners.set(owner.listenerId, queue);
    const deleteQueue = queue.delete.bind(queue);
    queue.delete = async () => {
      const channel = this.queues.get(owner.channelId);
      if (channel?.get(owner.listenerId) === queue) {
        channel.delete(owner.listenerId);
        if (channel.size === 0) this.queues.delete(owner.channelId);
      }
      await deleteQueue();
    };
    return queue;
  }
}

/** Keeps `SSEChannel`s by id, in the order they were created. */
export class ChannelRegistry {
  readonly #channels = new Map<string, SSEChannel>();
  readonly #queuesFactory: TrackingQueuesFactory;

  constructor(options: ChannelRegistryOptions = {}) {
    this.#queuesFactory = new TrackingQueuesFactory(options.queuesFactory ?? new InMemoryMessageQueueFactory());
  }

  /**
   * Messages waiting per channel (summed over its listeners' queues), for every channel; a
   * queue whose backend cannot tell its size (no `size()`) or fails to counts 0.
   */
  async queuedMessages(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const id of this.#channels.keys()) {
      let total = 0;
      for (const queue of this.#queuesFactory.queues.get(id)?.values() ?? []) {
        total += (await queue.size?.().catch(() => 0)) ?? 0;
      }
      counts.set(id, total);
    }
    return counts;
  }

  /**
   * Creates a channel with this id (a fresh UUID when none) and keeps it. Throws
   * `InvalidChannelException` when a channel already has the id.
   */
  add(id?: string): SSEChannel {
    if (id !== undefined && this.#channels.has(id)) throw new InvalidChannelException(`A channel with id ${id} already exists`);
    const options: SSEChannelOptions & { id?: string } = { queuesFactory: this.#queuesFactory };
    if (id !== undefined) options.id = id;
    const channel = new SSEChannel(options);
    // Until channels take `id` (the Redis work adds the option), set it on the new channel:
    // nothing has read it yet (queues are created per listener, on registration).
    if (id !== undefined && channel.id !== id) Object.defineProperty(channel, 'id', { value: id, enumerable: true });
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
}
