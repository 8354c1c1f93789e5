/**
 * The contract between the HTTP service and where its channels live: in this process
 * (`ChannelRegistry`) or in Redis, shared by every service process on it and kept across
 * restarts (`RedisChannelRegistry`). The routes use only these methods.
 */
import type { MessageQueueListener } from '../../engine/listener.js';
import type { SSEChannel } from '../../engine/sse-channel.js';

/** A listener found by {@link ServiceChannels.findListener}, with its channel. */
export interface FoundListener {
  readonly channel: SSEChannel;
  readonly listener: MessageQueueListener;
}

/**
 * The channels a service serves. Every method that may touch a shared store is async and
 * rejects with `InvalidChannelException` / `InvalidListenerException` for an unknown id (the
 * service answers 404) and with `RepositoryError` when the store fails (503).
 */
export interface ServiceChannels {
  /**
   * Creates a channel with this id (a fresh UUID when none). Rejects with
   * `InvalidChannelException` when a channel already has the id.
   */
  create(id?: string): Promise<SSEChannel>;
  /** The channel with this id. */
  find(id: string): Promise<SSEChannel>;
  /**
   * The channel's listener with this id. A shared registry loads, into this process, a
   * listener registered through another process (or before a restart).
   */
  findListener(channelId: string, listenerId: string): Promise<FoundListener>;
  /** Creates a listener of the channel (not started) and registers it; resolves once it is visible to every process. */
  subscribe(channelId: string): Promise<MessageQueueListener>;
  /** Stops and removes the listener with its queue; its streams end. */
  unsubscribe(channelId: string, listenerId: string): Promise<void>;
  /** Removes the channel and its listeners with their queues; their streams end. */
  remove(id: string): Promise<void>;
  /** Ids of every channel, in creation order. */
  channelIds(): Promise<string[]>;
  /** Ids of the channel's listeners, in registration order. */
  listenerIds(channelId: string): Promise<string[]>;
  /**
   * The channel as this process holds it, at once: for code embedded in the same process
   * (tests, plugins). Throws `InvalidChannelException` when this process has not created or
   * loaded it; a shared registry's other processes may know more (use {@link find}).
   */
  get(id: string): SSEChannel;
  /** Releases what the registry holds (a shared one: its connections). The service calls it once it has closed. */
  close(): Promise<void>;
  /**
   * Optional: messages waiting per channel, summed over its listeners' queues (for the
   * service's `/stats` and `/metrics`); a registry without it reports none.
   */
  queuedMessages?(): Promise<Map<string, number>>;
}

const kMethods = [
  'create',
  'find',
  'findListener',
  'subscribe',
  'unsubscribe',
  'remove',
  'channelIds',
  'listenerIds',
  'get',
  'close',
] as const satisfies ReadonlyArray<keyof ServiceChannels>;

/** Whether `value` has every method of {@link ServiceChannels}. */
export function isServiceChannels(value: unknown): value is ServiceChannels {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return kMethods.every((name) => typeof candidate[name] === 'function');
}
