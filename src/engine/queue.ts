import type { MessageContract } from './message.js';

/**
 * A FIFO queue of messages: the storage behind each listener of a channel.
 *
 * `pop`, `push` and `delete` are the contract every backend fulfils. `pop` on an empty
 * queue rejects with `NoMessagesException`; any unexpected backend failure rejects with
 * `RepositoryError`, its `cause` the original error.
 *
 * The optional members let a backend do better than the generic fallback; channels use
 * them when present:
 * - `popOrWait` waits (server-side, for a networked backend) until a message arrives, so
 *   that producers in other processes wake waiting streams;
 * - `popMany` takes several messages in one round trip (the engine batches with it);
 * - `requeue` hands taken-but-unprocessed messages back to the head of the queue;
 * - `ack` confirms delivery, for a backend that keeps popped messages until then;
 * - `size` reports how many messages wait.
 */
export interface Queue {
  /** Removes and returns the oldest message; rejects with `NoMessagesException` when empty. */
  pop(): Promise<MessageContract>;
  /** Appends a message. */
  push(msg: MessageContract): Promise<void>;
  /** Removes all messages from the queue. */
  delete(): Promise<void>;
  /**
   * Removes and returns the oldest message, waiting for one if the queue is empty.
   * When `signal` aborts first, rejects with `signal.reason` and takes nothing.
   */
  popOrWait?(signal: AbortSignal): Promise<MessageContract>;
  /**
   * Puts messages that were popped but not processed back at the head of the queue, in the
   * given order, so that the next pop returns `messages[0]`. A consumer that stops early (the
   * engine on `break`) uses it so that nothing it took is lost.
   */
  requeue?(messages: MessageContract[]): Promise<void>;
  /**
   * Confirms that messages popped earlier have been delivered: handed to the application by
   * `deliverNext` (after `onMessage`, even one that threw: the caller got the error), by
   * `messageStream` (once the consumer moves past the event) or by `processQueue` (once the
   * result, or the error event, is yielded). A backend with at-least-once delivery keeps a
   * popped message until then and redelivers it if its consumer died first.
   */
  ack?(messages: MessageContract[]): Promise<void>;
  /** Removes and returns up to `max` oldest messages (none when empty; never rejects for emptiness). */
  popMany?(max: number): Promise<MessageContract[]>;
  /** Number of messages waiting. */
  size?(): Promise<number>;
}

/** Where a queue belongs: passed to `AbstractMessageQueueFactory.create`. */
export interface QueueOwner {
  /** Id of the channel the queue belongs to. */
  channelId: string;
  /** Id of the listener whose messages the queue holds. */
  listenerId: string;
}

/**
 * Which listeners each channel has, shared by every process that uses the same backend: a
 * networked factory provides one (`AbstractMessageQueueFactory.registry`) so that `broadcast`
 * in any process reaches listeners registered in any other. The in-memory factory has none.
 */
export interface ListenerRegistry {
  /** Records the listener as one of the channel's; resolves once other processes can see it. */
  register(owner: QueueOwner): Promise<void>;
  /** Forgets the listener: later broadcasts from any process skip it. */
  unregister(owner: QueueOwner): Promise<void>;
  /** Appends `msg` to the queue of every listener registered with `channelId`, in any process. */
  broadcast(channelId: string, msg: MessageContract): Promise<void>;
}

/** Creates the queue of each listener a channel registers. */
export abstract class AbstractMessageQueueFactory {
  /**
   * The registry of listeners shared across processes, for a networked backend; channels
   * use it (when present) to register listeners and to broadcast. `undefined` in-process.
   */
  declare readonly registry?: ListenerRegistry;

  /** Creates the queue for one listener of one channel. */
  abstract create(owner: QueueOwner): Queue;
}
