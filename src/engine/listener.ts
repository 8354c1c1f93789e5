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
  /**
   * `#running.signal` and whether it is aborted, kept as plain fields: streams read them once
   * per message, and AbortSignal's getters cost more than the rest of a delivery.
   */
  #signal: AbortSignal;
  #isRunning = false;

  constructor(options?: ListenerOptions) {
    const id = optionsObject('MessageQueueListener', options).id ?? randomUUID();
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError(`Listener id must be a non-empty string, got ${describeValue(id)}`);
    }
    this.id = id;
    this.#running = new AbortController();
    this.#running.abort();
    this.#signal = this.#running.signal;
  }

  /**
   * Aborted whenever the listener is not running; a fresh signal on each start.
   * Streams wait on it so that `stop()` ends a waiting stream at once.
   */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** Starts the listener. */
  async start(): Promise<void> {
    this.startSync();
  }

  /** Starts the listener (synchronous form). */
  startSync(): void {
    if (this.#isRunning) return;
    this.#running = new AbortController();
    this.#signal = this.#running.signal;
    this.#isRunning = true;
    // Every stream of this listener links to the signal (and unlinks when it ends): no leak to warn about.
    setMaxListeners(0, this.#signal);
  }

  /** Whether the listener is running. */
  async isRunning(): Promise<boolean> {
    return this.isRunningSync();
  }

  /** Whether the listener is running (synchronous form). */
  isRunningSync(): boolean {
    return this.#isRunning;
  }

  /** Stops the listener: streams of its messages end. */
  async stop(): Promise<void> {
    this.stopSync();
  }

  /** Stops the listener (synchronous form). */
  stopSync(): void {
    this.#isRunning = false;
    this.#running.abort();
  }

  /**
   * Event handler run when a message is delivered to this listener. Does nothing by default;
   * an async handler is awaited before the message is yielded.
   */
  onMessage(_msg: MessageContract): void | Promise<void> {}
}
