/**
 * The service's open streams and their histories, one of each per listener: a new stream of a
 * listener ends the previous one first, and shutdown ends them all.
 */
import { EventHistory, newEpoch } from './event-history.js';

/** Why the service ended a stream: another stream of its listener took over, or shutdown. */
export type StreamStopReason = 'replaced' | 'shutdown';

/** One open stream, as the registry sees it. */
export interface StreamTicket {
  /** Aborted when the service ends the stream; `signal.reason` is a {@link StreamStopReason}. */
  readonly signal: AbortSignal;
  /** Call once the stream has ended and its source has stopped: lets a waiting successor begin. */
  end(): void;
}

interface Entry {
  readonly controller: AbortController;
  readonly ended: Promise<void>;
}

/** Per-listener streams and histories of one service. */
export class OpenStreams {
  readonly #streams = new Map<string, Entry>();
  readonly #histories = new Map<string, EventHistory>();
  readonly #historySize: number;
  /** One epoch for this service run: ids of an earlier run are recognised as such. */
  readonly #epoch = newEpoch();
  /** Set by closeAll(). */
  #closed = false;

  /** @param historySize - events kept per listener for resuming clients. */
  constructor(historySize: number) {
    this.#historySize = historySize;
  }

  /** How many streams are open. */
  get size(): number {
    return this.#streams.size;
  }

  /**
   * Registers a new stream of the listener; ends its previous stream first (reason
   * `replaced`) and resolves once that one has ended.
   */
  async begin(channelId: string, listenerId: string): Promise<StreamTicket> {
    const key = keyOf(channelId, listenerId);
    // Loop: another request may have begun while this one waited.
    for (let previous = this.#streams.get(key); previous; previous = this.#streams.get(key)) {
      previous.controller.abort('replaced' satisfies StreamStopReason);
      await previous.ended;
    }
    const controller = new AbortController();
    if (this.#closed) controller.abort('shutdown' satisfies StreamStopReason);
    let end!: () => void;
    const entry: Entry = { controller, ended: new Promise<void>((resolve) => (end = resolve)) };
    this.#streams.set(key, entry);
    return {
      signal: controller.signal,
      end: () => {
        if (this.#streams.get(key) === entry) this.#streams.delete(key);
        end();
      },
    };
  }

  /** The listener's history (created on first use). */
  history(channelId: string, listenerId: string): EventHistory {
    const key = keyOf(channelId, listenerId);
    let history = this.#histories.get(key);
    if (!history) {
      history = new EventHistory({ capacity: this.#historySize, epoch: this.#epoch });
      this.#histories.set(key, history);
    }
    return history;
  }

  /** Drops the history of one listener, or of every listener of the channel. */
  forget(channelId: string, listenerId?: string): void {
    if (listenerId !== undefined) {
      this.#histories.delete(keyOf(channelId, listenerId));
      return;
    }
    const prefix = keyOf(channelId, '');
    for (const key of this.#histories.keys()) if (key.startsWith(prefix)) this.#histories.delete(key);
  }

  /**
   * Ends every open stream (reason `shutdown`) and resolves once all have ended; a stream
   * begun afterwards is ended at once.
   */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#streams.values()];
    for (const { controller } of entries) controller.abort('shutdown' satisfies StreamStopReason);
    await Promise.all(entries.map((entry) => entry.ended));
  }
}

/** A map key for a listener: ids never contain a line feed (the routes check them). */
function keyOf(channelId: string, listenerId: string): string {
  return `${channelId}\n${listenerId}`;
}
