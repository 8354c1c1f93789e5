/**
 * One client connection of the socket server: receives the request up to the client's
 * half-close (within size and time limits), writes the answers with backpressure, reports
 * whether each answer chunk reached the operating system, and notices a client that goes away
 * mid-stream so that its stream stops.
 */
import type { Socket } from 'node:net';
import { InvalidMessageFormat } from '../../engine/errors.js';
import { drained } from '../drained.js';
import { formatErrorLine } from './protocol.js';
import type { AnswerChunk, StreamCarrier } from './stream-session.js';

/** Runs one raw request and yields what to write back; stops streaming when `carrier.signal` aborts. */
export type CommandHandler = (raw: string, carrier: StreamCarrier) => AsyncIterable<AnswerChunk>;

/** Limits applied to each connection (validated by the server). */
export interface ConnectionLimits {
  readonly maxRequestBytes: number;
  readonly idleTimeoutMs: number;
  readonly peerCheckIntervalMs: number;
}

/** Where a connection is in its life. */
type ConnectionState = 'receiving' | 'answering' | 'refused' | 'closed';

/** Errors that only mean the client went away: routine, not worth reporting. */
const kRoutineCodes = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/** The error a chunk's `onWritten` gets when the connection ended before writing it. */
function notWritten(): Error {
  return Object.assign(new Error('The client connection closed before this answer was written'), {
    code: 'ERR_STREAM_DESTROYED',
  });
}

/** After refusing an oversized request, how much more (in multiples of the limit) is read and dropped before hanging up. */
const kDiscardFactor = 16;

/** The request as text, or `undefined` when it is not valid UTF-8 (Python's `decode()` refuses it too). */
function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Serves one accepted socket; see the module comment. */
export class Connection {
  readonly #socket: Socket;
  readonly #handler: CommandHandler;
  readonly #limits: ConnectionLimits;
  readonly #onError: (error: Error) => void;
  readonly #abort = new AbortController();
  readonly #chunks: Buffer[] = [];
  #received = 0;
  #discarded = 0;
  #state: ConnectionState = 'receiving';
  #corked = false;
  #probe: NodeJS.Timeout | undefined;
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>;

  constructor(socket: Socket, handler: CommandHandler, limits: ConnectionLimits, onError: (error: Error) => void) {
    this.#socket = socket;
    this.#handler = handler;
    this.#limits = limits;
    this.#onError = onError;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => this.#onClose());
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!kRoutineCodes.has(error.code ?? '')) this.#onError(error);
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    // Only a client still owing its request is subject to the idle timeout; streams may idle.
    if (limits.idleTimeoutMs > 0) {
      socket.setTimeout(limits.idleTimeoutMs);
      socket.on('timeout', () => this.#onTimeout());
    }
  }

  /**
   * Ends the connection's work for a shutdown: a running stream stops (and the socket ends
   * once its answers are flushed); a request still being received is dropped.
   */
  close(): void {
    this.#abort.abort();
    if (this.#state === 'receiving' || this.#state === 'refused') this.#socket.destroy();
  }

  /** Closes the socket at once, dropping unwritten answers. */
  destroy(): void {
    this.#abort.abort();
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#state === 'refused') {
      this.#discarded += chunk.length;
      if (this.#discarded > kDiscardFactor * this.#limits.maxRequestBytes) this.#socket.destroy();
      return;
    }
    if (this.#state !== 'receiving') return;
    this.#received += chunk.length;
    if (this.#received > this.#limits.maxRequestBytes) {
      this.#refuse(new InvalidMessageFormat(`Request larger than ${this.#limits.maxRequestBytes} bytes`));
      return;
    }
    this.#chunks.push(chunk);
  }

  #onEnd(): void {
    // In the 'refused' state the answer is already on its way; the socket closes itself
    // (autoDestroy) once both directions have ended.
    if (this.#state !== 'receiving') return;
    this.#state = 'answering';
    this.#socket.setTimeout(0);
    const request = Buffer.concat(this.#chunks, this.#received);
    this.#chunks.length = 0;
    void this.#answer(request);
  }

  #onTimeout(): void {
    if (this.#state === 'receiving') {
      this.#refuse(
        new InvalidMessageFormat(
          `No complete request within ${this.#limits.idleTimeoutMs} ms (a request ends when the client half-closes the connection)`,
        ),
      );
    } else if (this.#state === 'refused') {
      this.#socket.destroy();
    }
  }

  /** Answers an error at once and stops collecting the request; what still arrives is dropped. */
  #refuse(error: Error): void {
    this.#state = 'refused';
    this.#chunks.length = 0;
    this.#socket.end(formatErrorLine(error));
  }

  #onClose(): void {
    this.#state = 'closed';
    this.#abort.abort();
    if (this.#probe) clearInterval(this.#probe);
  }

  async #answer(request: Buffer): Promise<void> {
    const signal = this.#abort.signal;
    // A client that closes while the server waits for something to stream sends nothing we
    // could read (its request already ended the read side), so probe for it: a zero-length
    // write puts no byte on the wire yet fails with EPIPE once the peer has closed.
    this.#probe = setInterval(() => {
      if (!this.#corked && this.#socket.writable) this.#socket.write('');
    }, this.#limits.peerCheckIntervalMs);
    this.#probe.unref();
    try {
      const raw = decodeUtf8(request);
      if (raw === undefined) {
        await this.#write({ text: formatErrorLine(new InvalidMessageFormat('Request is not valid UTF-8')) });
        return;
      }
      // An abort ends the handler's stream by itself; what it still yields is written if the
      // client is there, or reported unwritten (and handed back by the stream) if not.
      const carrier: StreamCarrier = { signal, dropUnflushed: () => this.#dropUnflushed(), tracksWrites: true };
      for await (const chunk of this.#handler(raw, carrier)) {
        if (this.#socket.destroyed) {
          chunk.onWritten?.(notWritten());
          break;
        }
        await this.#write(chunk);
      }
    } catch (error) {
      // The handler words expected failures itself; this is a bug or a write to a gone client.
      if (!signal.aborted && error instanceof Error) {
        this.#onError(error);
        await this.#write({ text: formatErrorLine(error) }).catch(() => undefined);
      }
    } finally {
      clearInterval(this.#probe);
      if (!this.#socket.destroyed) this.#socket.end();
    }
  }

  /**
   * Closes the connection at once if some answers are still waiting to be handed to the
   * operating system (their `onWritten` get an error): a newer stream took over from this
   * one and must not wait for a client that stopped reading.
   */
  #dropUnflushed(): void {
    if (this.#socket.writableLength > 0) this.#socket.destroy();
  }

  /**
   * Writes one answer chunk, waiting while the socket's buffer is full, and reports the outcome
   * to `chunk.onWritten`. Writes of one turn of the event loop are corked together so that a
   * burst of events costs one system call.
   */
  async #write(chunk: AnswerChunk): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) {
      chunk.onWritten?.(notWritten());
      this.#abort.abort();
      return;
    }
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      setImmediate(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    const { onWritten } = chunk;
    // Node completes the writes still pending when a socket is destroyed with no error
    // (stream_base_commons' onWriteComplete): written or not cannot be told then, so such a
    // write counts as not written. Its message is handed back, and may reach the client twice.
    const accepted = onWritten
      ? socket.write(chunk.text, (error) => onWritten(error ?? (socket.destroyed ? notWritten() : undefined)))
      : socket.write(chunk.text);
    if (accepted) return;
    await drained(socket, this.#abort.signal);
  }
}
