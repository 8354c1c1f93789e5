import type { Taker } from './hand-off.js';
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
  /**
   * Appends a message. A bounded backend may make it wait for room (ended by
   * `options.signal`) or reject with `QueueFullException` when full; either way it adds
   * nothing it does not resolve for.
   */
  push(msg: MessageContract, options?: PushOptions): Promise<void>;
  /** Removes all messages from the queue. */
  delete(): Promise<void>;
  /**
   * Removes and returns the oldest message, waiting for one if the queue is empty.
   * When `signal` aborts first, rejects with `signal.reason` and takes nothing.
   */
  popOrWait?(signal: AbortSignal): Promise<MessageContract>;
  /**
   * `popOrWait` without a promise, for a backend in this process: returns the oldest message
   * at once, or `undefined` after enlisting `taker`, which the next push then gives its
   * message to (synchronously, inside the push: the taker must defer any work), or fails
   * with `taker.signal`'s reason when it aborts first. A listener's stream takes its
   * messages this way: one wait per message costs it no allocation.
   */
  popOrEnlist?(taker: Taker<MessageContract>): MessageContract | undefined;
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
  /**
   * Appends several messages in order, as many `push` calls would, in one call (channels'
   * `dispatchMany` uses it). On failure, the messages before the one that failed are added
   * and the rest are not.
   */
  pushMany?(messages: readonly MessageContract[], options?: PushOptions): Promise<void>;
  /** Number of messages waiting. */
  size?(): Promise<number>;
}

/** Options of `Queue.push`. */
export interface PushOptions {
  /** Ends a push that waits for room in a full queue: it rejects with the signal's reason, adding nothing. */
  signal?: AbortSignal;
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
