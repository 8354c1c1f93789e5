import { InvalidChannelException } from './errors.js';
import type { AbstractMessageQueueFactory } from './queue.js';
import { SSEChannel } from './sse-channel.js';

/** Keeps several SSE channels by id: the registry behind the socket server and the HTTP service. */
export class SSEChannelContainer {
  readonly #channels = new Map<string, SSEChannel>();

  /** Creates a channel (with its queues from `queuesFactory`, in memory by default) and keeps it. */
  add(queuesFactory?: AbstractMessageQueueFactory): SSEChannel {
    const channel = new SSEChannel(queuesFactory ? { queuesFactory } : {});
    this.#channels.set(channel.id, channel);
    return channel;
  }

  /** The channel with this id; throws `InvalidChannelException` if none. */
  get(channelId: string): SSEChannel {
    const channel = this.#channels.get(channelId);
    if (!channel) throw new InvalidChannelException(`No channel with id ${channelId}`);
    return channel;
  }

  /**
   * Forgets the channel with this id and stops its listeners, so that their streams end;
   * throws `InvalidChannelException` if none.
   */
  rm(channelId: string): void {
    const channel = this.get(channelId);
    this.#channels.delete(channelId);
    for (const listenerId of channel.getListenerIds()) channel.getListener(listenerId).stopSync();
  }

  /** Ids of every channel kept. */
  getAllIds(): string[] {
    return [...this.#channels.keys()];
  }
}
