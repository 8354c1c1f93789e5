import net from 'node:net';
import { ACK, parseErrorAnswer } from './protocol.js';
import { pythonJsonDumps } from './python-json.js';
import { checkSocketPath } from './socket-file.js';
import type { Payload } from '../../engine/message.js';

/** A request as the protocol defines it: `{ c, v, t, p, r }` (all optional here; the server validates). */
export interface SocketRequest {
  /** Channel id. */
  c?: string;
  /** Verb: `d`, `b`, `c`, `r`, `l`, `w`, `rl` or `rc`. */
  v?: string;
  /** Message type (for `d` and `b`). */
  t?: string;
  /** Message payload (for `d` and `b`). */
  p?: Payload;
  /** Receiver: the listener id (for `d`, `l` and `rl`). */
  r?: string;
  [key: string]: unknown;
}

/** Errors that just mean the server closed first; whatever it answered before is still valid. */
const kHangUpCodes = new Set(['EPIPE', 'ECONNRESET']);

/** Opens a connection, writes the request and half-closes, as the Python client does. */
function connectAndSend(socketPath: string, payload: SocketRequest): net.Socket {
  const socket = net.createConnection({ path: socketPath, allowHalfOpen: true });
  socket.end(pythonJsonDumps(payload));
  return socket;
}

/** Adds the socket path to a connection failure, so that a wrong path is obvious. */
function connectionError(socketPath: string, error: NodeJS.ErrnoException): Error {
  return Object.assign(new Error(`eric-sse socket ${socketPath}: ${error.message}`, { cause: error }), { code: error.code });
}

/** Rejects with the error an error answer names; otherwise returns the answer. */
function checkAnswer(answer: string): string {
  const error = parseErrorAnswer(answer);
  if (error) throw error;
  return answer;
}

/**
 * A small client of `SocketServer` (and of a Python `eric_sse` server): each call opens a
 * connection, sends one command and reads the answer.
 *
 * Where the server answers an error, every method but `sendPayload` rejects with the matching
 * error class (`InvalidChannelException`, `InvalidListenerException`, `InvalidMessageFormat`…),
 * recognising both `Name: message` and Python's `Name('message')` forms.
 *
 * @example
 * ```ts
 * const client = new SocketClient('/tmp/eric.sock');
 * const channelId = await client.createChannel();
 * const listenerId = await client.register(channelId);
 * await client.broadcastMessage(channelId, 'txt', 'Hi there!');
 * for await (const line of client.stream(channelId, listenerId)) console.log(JSON.parse(line));
 * ```
 */
export class SocketClient {
  /** Path of the server's socket file. */
  readonly socketPath: string;

  /**
   * @param socketPath - path of the server's socket file.
   * @throws TypeError for a path that is not a non-empty string; RangeError for a path longer
   *   than a Unix socket path may be (107 bytes of UTF-8 on Linux, 103 on macOS).
   */
  constructor(socketPath: string) {
    this.socketPath = checkSocketPath(socketPath, 'SocketClient');
  }

  /**
   * Sends any request and resolves with the server's whole raw answer (an id, `ack`, event
   * lines, or an error line — not turned into a rejection here).
   * @throws Error (with the socket's `code`) when the connection fails, e.g. `ENOENT` or `ECONNREFUSED`.
   */
  sendPayload(payload: SocketRequest): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connectAndSend(this.socketPath, payload);
      const chunks: Buffer[] = [];
      let failure: NodeJS.ErrnoException | undefined;
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        failure = error;
      });
      socket.on('end', () => socket.destroy());
      socket.on('close', () => {
        const answer = Buffer.concat(chunks).toString('utf8');
        // A server that refuses a request early (too large) answers and hangs up while we may
        // still be writing: the answer counts, the broken pipe does not.
        if (failure && !(kHangUpCodes.has(failure.code ?? '') && answer.length > 0)) {
          reject(connectionError(this.socketPath, failure));
        } else {
          resolve(answer);
        }
      });
    });
  }

  /** Creates a channel on the server and resolves with its id. */
  async createChannel(): Promise<string> {
    return checkAnswer(await this.sendPayload({ v: 'c' }));
  }

  /** Adds a listener to the channel and resolves with the listener's id. */
  async register(channelId: string): Promise<string> {
    return checkAnswer(await this.sendPayload({ v: 'r', c: channelId }));
  }

  /** Broadcasts a message to every listener of the channel; resolves with the answer, `ack`. */
  async broadcastMessage(channelId: string, type: string, payload?: Payload): Promise<string> {
    return this.#ack({ v: 'b', c: channelId, t: type, p: payload ?? null });
  }

  /** Sends a message to one listener of the channel; resolves with the answer, `ack`. */
  async dispatch(channelId: string, receiverId: string, type: string, payload?: Payload): Promise<string> {
    return this.#ack({ v: 'd', c: channelId, r: receiverId, t: type, p: payload ?? null });
  }

  /** Removes a listener from the channel; resolves with the answer, `ack`. */
  async removeListener(channelId: string, listenerId: string): Promise<string> {
    return this.#ack({ v: 'rl', c: channelId, r: listenerId });
  }

  /** Removes the channel (its streams end); resolves with the answer, `ack`. */
  async removeChannel(channelId: string): Promise<string> {
    return this.#ack({ v: 'rc', c: channelId });
  }

  /**
   * Starts the listener and streams its events: one JSON text per event (`JSON.parse` it),
   * until the server ends the stream. Leaving the loop (`break`) closes the connection, which
   * the server notices and stops the listener. Rejects with the matching error class when the
   * server answers an error (an unknown channel or listener).
   */
  stream(channelId: string, listenerId: string): AsyncGenerator<string, void, undefined> {
    return this.#lines({ v: 'l', c: channelId, r: listenerId });
  }

  /**
   * Watches the channel: the server adds and starts a listener of its own for this connection
   * and streams its events as `stream` does; the listener is removed when the connection ends.
   */
  watch(channelId: string): AsyncGenerator<string, void, undefined> {
    return this.#lines({ v: 'w', c: channelId });
  }

  async #ack(payload: SocketRequest): Promise<string> {
    const answer = checkAnswer(await this.sendPayload(payload));
    if (answer !== ACK) throw new Error(`Unexpected answer from ${this.socketPath}: ${JSON.stringify(answer.slice(0, 200))}`);
    return answer;
  }

  async *#lines(payload: SocketRequest): AsyncGenerator<string, void, undefined> {
    const socket = connectAndSend(this.socketPath, payload);
    socket.setEncoding('utf8');
    let pending = '';
    try {
      for await (const chunk of socket as AsyncIterable<string>) {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf('\n')) !== -1) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.length === 0) continue;
          // Event lines are JSON objects; anything else is the server's error answer.
          if (!line.startsWith('{')) checkAnswer(line);
          yield line;
        }
      }
      // An error answer has no trailing newline (as in Python); neither may a last line.
      if (pending.length > 0) {
        if (!pending.startsWith('{')) checkAnswer(pending);
        yield pending;
      }
    } catch (error) {
      // System errors (ENOENT, ECONNREFUSED…) get the socket path; answers' errors pass as they are.
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('E')) throw connectionError(this.socketPath, error as NodeJS.ErrnoException);
      throw error;
    } finally {
      socket.destroy();
    }
  }
}
