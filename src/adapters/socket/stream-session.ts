/**
 * One `l` or `w` stream of a listener over one connection, as the socket server tracks it:
 * it can be superseded by a newer stream of the same listener (a client that reconnects), and
 * it follows each event it hands to the connection until the write is done, so that the
 * messages whose write failed go back to the head of the listener's queue, in order.
 */
import type { MessageContract } from '../../engine/message.js';

/**
 * One piece of an answer for the connection to write. `onWritten` (when present) is called
 * exactly once: without an argument once the text has been handed to the operating system,
 * with the error when it could not be (the client went away, the connection was dropped).
 */
export interface AnswerChunk {
  readonly text: string;
  readonly onWritten?: (error?: Error) => void;
}

/** What a stream needs from the connection that carries it. */
export interface StreamCarrier {
  /** Aborts when the client goes away or the server shuts down. */
  readonly signal: AbortSignal;
  /**
   * Drops what the connection has not yet handed to the operating system (the `onWritten`
   * of those chunks get an error) and closes it; nothing happens when all is written.
   */
  readonly dropUnflushed: () => void;
  /**
   * Whether it reports the writes of tracked chunks later (a connection). A carrier that takes
   * each chunk as delivered when it receives it (`handleCommand`'s consumer) reports nothing
   * later, so a superseded stream of it settles at once, even if its consumer stopped pulling.
   */
  readonly tracksWrites: boolean;
}

/** A message handed to the connection and not yet known to be written. */
interface InFlight {
  readonly seq: number;
  readonly message: MessageContract;
}

/** See the module comment. */
export class StreamSession {
  readonly #abort = new AbortController();
  readonly #carrier: StreamCarrier;
  readonly #handBack: (messages: MessageContract[]) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  readonly #undelivered: InFlight[] = [];
  #seq = 0;
  #inFlight = 0;
  #ended = false;
  #superseded = false;
  #settling = false;
  #predecessor: Promise<void> = Promise.resolve();
  #resolveSettled!: () => void;
  /**
   * Resolves once the stream has ended, every write it started is done, and the messages whose
   * write failed are back at the head of the queue. Never rejects.
   */
  readonly settled: Promise<void>;

  /**
   * @param carrier - the connection.
   * @param handBack - puts messages back at the head of the listener's queue, `messages[0]` first.
   * @param onError - receives a failure of `handBack`.
   */
  constructor(
    carrier: StreamCarrier,
    handBack: (messages: MessageContract[]) => Promise<void>,
    onError: (error: unknown) => void,
  ) {
    this.#carrier = carrier;
    this.#handBack = handBack;
    this.#onError = onError;
    this.settled = new Promise((resolve) => {
      this.#resolveSettled = resolve;
    });
  }

  /** Aborts when a newer stream of the same listener takes over: this one must end at once. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Whether a newer stream of the same listener took over from this one. */
  get isSuperseded(): boolean {
    return this.#superseded;
  }

  /**
   * Ends this stream for a newer one of the same listener: it takes nothing more from the
   * queue, and what its connection has not yet handed to the operating system (a client that
   * stopped reading) is dropped and handed back, so that the newer stream gets it.
   */
  supersede(): void {
    this.#superseded = true;
    this.#abort.abort();
    this.#carrier.dropUnflushed();
    if (!this.#carrier.tracksWrites) this.end();
  }

  /**
   * Resolves once this stream has settled (see `settled`), or as soon as `signal` aborts,
   * whichever comes first: a waiting stream whose own client leaves stops waiting.
   */
  async settledOrAborted(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.settled, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  /** The chunk that carries `message`'s event line; its write is followed (see `settled`). */
  track(text: string, message: MessageContract): AnswerChunk {
    const entry: InFlight = { seq: this.#seq++, message };
    this.#inFlight += 1;
    let done = false;
    return {
      text,
      onWritten: (error) => {
        if (done) return;
        done = true;
        this.#inFlight -= 1;
        if (error) this.#undelivered.push(entry);
        this.#maybeSettle();
      },
    };
  }

  /**
   * Makes `settled` wait for `predecessor` too: for a stream that stopped waiting for the
   * stream it superseded, so that whoever waits for this one also waits for that one.
   */
  inherit(predecessor: StreamSession): void {
    this.#predecessor = predecessor.settled;
  }

  /** Marks the end of the stream: nothing more will be tracked. Calling it again does nothing. */
  end(): void {
    this.#ended = true;
    this.#maybeSettle();
  }

  #maybeSettle(): void {
    if (!this.#ended || this.#inFlight > 0 || this.#settling) return;
    this.#settling = true;
    // Write callbacks may come out of order (a chunk dropped before its write reports at once):
    // hand back in the order the stream handed them out.
    const messages = this.#undelivered.sort((a, b) => a.seq - b.seq).map((entry) => entry.message);
    const handedBack = messages.length > 0 ? this.#handBack(messages) : Promise.resolve();
    const predecessor = this.#predecessor;
    handedBack
      .catch(this.#onError)
      .then(() => predecessor)
      .finally(() => this.#resolveSettled());
  }
}
