import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { MessageContract } from './message.js';
import { describeValue, optionsObject } from './validation.js';

/** Options of `MessageQueueListener`. */
export interface ListenerOptions {
  /** The listener's id. Defaults to a fresh UUID v4. */
  id?: string;
}

/**
 * Base class for listeners: an identity and a running state. A new listener is not running.
 * Override `onMessage` to act at delivery time.
 */
export class MessageQueueListener {
  /** The listener's id: a UUID v4 unless given in the options. */
  readonly id: string;
  #running: AbortController;

  constructor(options?: ListenerOptions) {
    const id = optionsObject('MessageQueueListener', options).id ?? randomUUID();
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError(`Listener id must be a non-empty string, got ${describeValue(id)}`);
    }
    this.id = id;
    this.#running = new AbortController();
    this.#running.abort();
  }

  /**
   * Aborted whenever the listener is not running; a fresh signal on each start.
   * Streams wait on it so that `stop()` ends a waiting stream at once.
   */
  get signal(): AbortSignal {
    return this.#running.signal;
  }

  /** Starts the listener. */
  async start(): Promise<void> {
    this.startSync();
  }

  /** Starts the listener (synchronous form). */
  startSync(): void {
    if (!this.#running.signal.aborted) return;
    this.#running = new AbortController();
    // Every stream of this listener links to the signal (and unlinks when it ends): no leak to warn about.
    setMaxListeners(0, this.#running.signal);
  }

  /** Whether the listener is running. */
  async isRunning(): Promise<boolean> {
    return this.isRunningSync();
  }

  /** Whether the listener is running (synchronous form). */
  isRunningSync(): boolean {
    return !this.#running.signal.aborted;
  }

  /** Stops the listener: streams of its messages end. */
  async stop(): Promise<void> {
    this.stopSync();
  }

  /** Stops the listener (synchronous form). */
  stopSync(): void {
    this.#running.abort();
  }

  /**
   * Event handler run when a message is delivered to this listener. Does nothing by default;
   * an async handler is awaited before the message is yielded.
   */
  onMessage(_msg: MessageContract): void | Promise<void> {}
}
