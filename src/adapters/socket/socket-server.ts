import { lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { SSEChannelContainer } from '../../engine/container.js';
import { errorParts } from '../../engine/errors.js';
import { LinkedSignal } from '../../engine/linked-signal.js';
import type { MessageQueueListener } from '../../engine/listener.js';
import { MESSAGE_TYPE_INTERNAL_ERROR, type MessageContract } from '../../engine/message.js';
import type { SSEChannel, SSEEvent } from '../../engine/sse-channel.js';
import { describeValue } from '../../engine/validation.js';
import { Connection, type ConnectionLimits } from './connection.js';
import { ACK, formatErrorLine, kDefaultMaxDepth, parseCommand, type Command } from './protocol.js';
import { pythonJsonDumps } from './python-json.js';
import { checkInteger } from './option-checks.js';
import { checkSocketPath, clearStaleSocket, listenWithMode } from './socket-file.js';
import { StreamSession, type AnswerChunk, type StreamCarrier } from './stream-session.js';

/** Options of `SocketServer`. */
export interface SocketServerOptions {
  /**
   * Permission bits of the socket file. Connecting needs write permission, so the default lets
   * only the owner (and root) connect. Use `0o660` to admit the owner's group.
   * @default 0o600
   */
  mode?: number;
  /**
   * Largest request accepted, in bytes; a larger one is answered with `InvalidMessageFormat`.
   * @default 1048576 (1 MiB)
   */
  maxRequestBytes?: number;
  /**
   * Deepest nesting of arrays and objects accepted in a request, the request object itself
   * counting as level 1 (so a payload may nest one level less). A deeper request is answered
   * `InvalidMessageFormat` naming the limit, before anything is dispatched: deeply nested
   * payloads would otherwise exhaust the stack of whoever reads them later (consumers using
   * `JSON.stringify`, `structuredClone`, Python's `json`).
   * @default 256
   */
  maxRequestDepth?: number;
  /**
   * Time in milliseconds a client may take, without sending anything, to complete its request
   * (a request is complete when the client half-closes). After it the client is answered
   * `InvalidMessageFormat` and dropped. Streams that are waiting for events are not affected.
   * `0` disables the timeout.
   * @default 10000
   */
  idleTimeoutMs?: number;
  /**
   * Interval in milliseconds at which an idle stream checks that its client is still there
   * (with a zero-length write, invisible on the wire). A client that went away is noticed
   * within about this time, its listener is stopped and its resources freed.
   * @default 1000
   */
  peerCheckIntervalMs?: number;
  /**
   * Time in milliseconds `shutdown()` waits for open connections to finish before closing them
   * abruptly (a client that stopped reading would otherwise hold the shutdown).
   * @default 5000
   */
  shutdownTimeoutMs?: number;
  /**
   * Receives unexpected failures: a server or socket error other than a client going away.
   * The server keeps serving.
   * @default emits a process warning
   */
  onError?: (error: Error) => void;
}

/** Options of `SocketServer.handleCommand`. */
export interface HandleCommandOptions {
  /**
   * Aborting it ends a stream (`l`, `w`) at once, even while it waits, and stops its listener
   * (unless a newer stream of the listener took over): the client went away.
   */
  signal?: AbortSignal;
}

/** The signal of a consumer that never goes away. */
const kNeverAborted = new AbortController().signal;

/** Where a server is in its life. */
type ServerState = 'new' | 'starting' | 'listening' | 'closing' | 'closed';

const kDefaults = {
  mode: 0o600,
  maxRequestBytes: 1024 * 1024,
  maxRequestDepth: kDefaultMaxDepth,
  idleTimeoutMs: 10_000,
  peerCheckIntervalMs: 1000,
  shutdownTimeoutMs: 5000,
} as const;

/** The event as Python writes it: a missing payload is `None`, i.e. `null`. */
function toWireEvent(event: SSEEvent): SSEEvent {
  return event.data === undefined ? { ...event, data: null } : event;
}

/**
 * One stream line for an event, its payload's numbers in Python's form where `payloadNumbers`
 * (the payload's number twin) has them. An event that cannot be written as JSON (a BigInt or a
 * circular structure in its payload, a `toJSON` that throws) becomes a
 * `MESSAGE_TYPE_INTERNAL_ERROR` event naming the error and the message type, so that the
 * stream, and every later message, goes on.
 */
function eventLine(event: SSEEvent, payloadNumbers?: unknown): string {
  try {
    return `${pythonJsonDumps(toWireEvent(event), payloadNumbers === undefined ? undefined : { data: payloadNumbers })}\n`;
  } catch (error) {
    const { name, message } = errorParts(error);
    const type = typeof event.event === 'string' ? event.event : describeValue(event.event);
    const report: SSEEvent = {
      event: MESSAGE_TYPE_INTERNAL_ERROR,
      retry: event.retry,
      data: { name, message: `Cannot write the payload of a "${type}" message as JSON: ${message}`, type },
    };
    if (typeof event.id === 'string') report.id = event.id;
    return `${pythonJsonDumps(report)}\n`;
  }
}

/**
 * A Unix domain socket server that drives a container of SSE channels with the protocol of
 * Python `eric_sse`, byte for byte, so that Python clients work with it unchanged.
 *
 * One connection carries one command: the client writes a JSON object `{ c, v, t, p, r }` and
 * half-closes; the server answers and closes. `c` answers a new channel's id, `r` a new
 * listener's id, `d`/`b`/`rl`/`rc` answer `ack`, `l`/`w` stream one JSON event a line until the
 * client goes away (or the channel ends the stream). A failure answers one line
 * `ClassName: message` and the server keeps serving every other connection.
 *
 * A listener has one `l` stream at a time: a new one (a client that reconnects) ends the
 * previous one without stopping the listener. A message whose write fails (the client is
 * gone) goes back to the head of the listener's queue for the next stream. Payload numbers
 * that came in over the socket are written back in Python's form (`1.0`, exact big integers).
 *
 * @example
 * ```ts
 * const server = await SocketServer.start('/tmp/eric.sock'); // stops on SIGINT/SIGTERM
 * const channel = server.cc.add();
 * ```
 */
export class SocketServer {
  /** This server's channels; each server has its own (unlike Python's class-level container). */
  readonly cc = new SSEChannelContainer();
  /** Path of the socket file. */
  readonly socketPath: string;
  readonly #mode: number;
  readonly #limits: ConnectionLimits;
  readonly #maxRequestDepth: number;
  readonly #shutdownTimeoutMs: number;
  readonly #onError: (error: Error) => void;
  readonly #connections = new Set<Connection>();
  /**
   * Number twins of the messages that came in over the socket and whose payload has numbers
   * Python writes differently: while a message lives, its events are written with Python's forms.
   */
  readonly #numberTwins = new WeakMap<MessageContract, unknown>();
  /**
   * The latest stream of each listener being streamed (`l` or `w`), kept until its
   * undelivered messages are back in the queue.
   */
  readonly #streams = new Map<MessageQueueListener, StreamSession>();
  #server: net.Server | undefined;
  #state: ServerState = 'new';
  #closing: Promise<void> | undefined;
  /** Identity (device, inode) of the socket file this server created, so shutdown removes only its own. */
  #socketFile: { dev: number; ino: number } | undefined;
  #detachSignals: (() => void) | undefined;
  #starting: Promise<void> | undefined;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;

  /**
   * @param socketPath - where to create the socket file: at most 107 bytes of UTF-8 on Linux
   *   (103 on macOS and the BSDs), what every client, Python's included, can connect to.
   * @param options - permissions, limits and error reporting; see `SocketServerOptions`.
   * @throws TypeError or RangeError for an invalid path or option; nothing is created then.
   */
  constructor(socketPath: string, options: SocketServerOptions = {}) {
    this.socketPath = checkSocketPath(socketPath, 'SocketServer');
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`SocketServer options must be an object, got ${describeValue(options)}`);
    }
    const check = (name: keyof typeof kDefaults, min: number, max?: number): number =>
      checkInteger('SocketServer', name, options[name] ?? kDefaults[name], min, max);
    this.#mode = check('mode', 0, 0o777);
    this.#limits = {
      maxRequestBytes: check('maxRequestBytes', 1),
      idleTimeoutMs: check('idleTimeoutMs', 0, 2 ** 31 - 1),
      peerCheckIntervalMs: check('peerCheckIntervalMs', 1, 2 ** 31 - 1),
    };
    this.#maxRequestDepth = check('maxRequestDepth', 1);
    this.#shutdownTimeoutMs = check('shutdownTimeoutMs', 0);
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new TypeError(`SocketServer option onError must be a function, got ${describeValue(options.onError)}`);
    }
    this.#onError =
      options.onError ?? ((error) => process.emitWarning(`eric-sse socket server: ${formatErrorLine(error)}`, 'SocketServerWarning'));
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /**
   * Creates a server, listens on `socketPath` and shuts it down gracefully on SIGINT or
   * SIGTERM: open streams end and the socket file is removed. A second signal during the
   * shutdown gets Node's default behaviour (the process ends at once).
   */
  static async start(socketPath: string, options: SocketServerOptions = {}): Promise<SocketServer> {
    const server = new SocketServer(socketPath, options);
    await server.listen();
    const onSignal = (): void => {
      server.shutdown().catch((error: unknown) => server.#onError(error instanceof Error ? error : new Error(String(error))));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    server.#detachSignals = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    return server;
  }

  /** Number of open client connections. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Whether the server accepts connections. */
  get isListening(): boolean {
    return this.#state === 'listening';
  }

  /**
   * Listens and serves until the server shuts down (the seed's `main`): resolves after
   * `shutdown()` (or a signal, with `start`) has completed.
   */
  async main(): Promise<void> {
    await this.listen();
    await this.onClose();
  }

  /** Resolves once the server has shut down (after `shutdown()`, or a signal with `start`). */
  onClose(): Promise<void> {
    return this.#closed;
  }

  /**
   * Starts accepting connections; resolves once it does. A stale socket file left at the path
   * by a crashed server is replaced.
   * @throws Error with code `EADDRINUSE` when a live server answers at the path, `EEXIST` when
   *   the path is not a socket, or the listen error; and when called twice.
   */
  async listen(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`SocketServer.listen() can be called once; the server is ${this.#state}`);
    this.#state = 'starting';
    this.#starting = this.#listen();
    return this.#starting;
  }

  async #listen(): Promise<void> {
    try {
      await clearStaleSocket(this.socketPath);
      const server = net.createServer({ allowHalfOpen: true }, (socket) => this.connectCallback(socket));
      await listenWithMode(server, this.socketPath, this.#mode);
      server.on('error', (error) => this.#onError(error));
      this.#server = server;
      const stats = await lstat(this.socketPath);
      this.#socketFile = { dev: stats.dev, ino: stats.ino };
      this.#state = 'listening';
    } catch (error) {
      this.#state = 'closed';
      this.#resolveClosed();
      throw error;
    }
  }

  /**
   * Shuts the server down gracefully: stops accepting, ends open streams (stopping their
   * listeners), lets running commands finish, and removes the socket file. Connections still
   * open after `shutdownTimeoutMs` are closed abruptly. Calling it again returns the same promise.
   */
  shutdown(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /**
   * Runs one raw command and yields what the server writes back: an id, `ack`, JSON event lines
   * (each ending with a newline) for `l` and `w`, or one error line `ClassName: message`.
   * Never throws for a bad command; testable without a socket. An event counts as delivered
   * once it is yielded.
   */
  async *handleCommand(raw: string, options: HandleCommandOptions = {}): AsyncGenerator<string, void, undefined> {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`handleCommand options must be an object, got ${describeValue(options)}`);
    }
    const carrier: StreamCarrier = {
      signal: options.signal ?? kNeverAborted,
      dropUnflushed: () => undefined,
      tracksWrites: false,
    };
    for await (const chunk of this.#answer(raw, carrier)) {
      // Handed to the consumer: delivered, as far as the server can tell.
      chunk.onWritten?.();
      yield chunk.text;
    }
  }

  /** Runs one raw command for `carrier` (a connection, or `handleCommand`'s consumer). */
  async *#answer(raw: string, carrier: StreamCarrier): AsyncGenerator<AnswerChunk, void, undefined> {
    let command: Command;
    try {
      command = parseCommand(raw, { maxDepth: this.#maxRequestDepth });
    } catch (error) {
      yield { text: formatErrorLine(error) };
      return;
    }
    try {
      yield* this.#run(command, carrier);
    } catch (error) {
      yield { text: formatErrorLine(error) };
    }
  }

  async *#run(command: Command, carrier: StreamCarrier): AsyncGenerator<AnswerChunk, void, undefined> {
    switch (command.verb) {
      case 'c':
        yield { text: this.cc.add().id };
        return;
      case 'r':
        yield { text: this.cc.get(command.channelId).addListener().id };
        return;
      case 'd':
        this.#keepNumbers(command.message, command.numbers);
        await this.cc.get(command.channelId).dispatch(command.listenerId, command.message);
        yield { text: ACK };
        return;
      case 'b':
        this.#keepNumbers(command.message, command.numbers);
        await this.cc.get(command.channelId).broadcast(command.message);
        yield { text: ACK };
        return;
      case 'rl':
        await this.cc.get(command.channelId).removeListener(command.listenerId);
        yield { text: ACK };
        return;
      case 'rc':
        this.cc.rm(command.channelId);
        yield { text: ACK };
        return;
      case 'l': {
        const channel = this.cc.get(command.channelId);
        yield* this.#stream(channel, channel.getListener(command.listenerId), carrier, false);
        return;
      }
      case 'w': {
        const channel = this.cc.get(command.channelId);
        yield* this.#stream(channel, channel.addListener(), carrier, true);
        return;
      }
    }
  }

  /** Remembers the number twin of a message that came in over the socket (see `python-numbers.ts`). */
  #keepNumbers(message: MessageContract, numbers: unknown): void {
    if (numbers !== undefined) this.#numberTwins.set(message, numbers);
  }

  /**
   * Streams a listener's events as JSON lines while it runs.
   *
   * A listener has at most one stream: a new one (a client that reconnects) ends the previous
   * one, waits until that one's undelivered messages are back in the queue, and takes over;
   * the listener keeps running. The listener is started first, and stopped when the stream
   * ends while still the listener's current stream (its client went away, the server shuts
   * down, the channel ended it); a stream that was taken over stops nothing. Events whose
   * write fails go back to the head of the queue. A watch's own listener is also removed,
   * since nobody else knows its id and its queue would otherwise keep growing.
   */
  async *#stream(
    channel: SSEChannel,
    listener: MessageQueueListener,
    carrier: StreamCarrier,
    removeAfter: boolean,
  ): AsyncGenerator<AnswerChunk, void, undefined> {
    const session = new StreamSession(carrier, (messages) => channel.requeue(listener.id, messages), (error) =>
      this.#onError(error instanceof Error ? error : new Error(formatErrorLine(error))),
    );
    const previous = this.#streams.get(listener);
    this.#streams.set(listener, session);
    const isCurrent = (): boolean => this.#streams.get(listener) === session;
    // The client went away or the server shuts down: stop the listener, unless a newer stream
    // took it over. A message in delivery is still yielded: written if the client is there (a
    // graceful shutdown), handed back if not.
    const onGone = (): void => {
      if (isCurrent()) listener.stopSync();
    };
    carrier.signal.addEventListener('abort', onGone, { once: true });
    try {
      if (previous) {
        previous.supersede();
        // Its undelivered messages go first; stop waiting if this client leaves or a newer one comes.
        const gone = new LinkedSignal([session.signal, carrier.signal]);
        try {
          await previous.settledOrAborted(gone.signal);
        } finally {
          gone.dispose();
        }
        session.inherit(previous); // a stream that supersedes this one waits for that one too
      }
      if (session.signal.aborted || carrier.signal.aborted) return;
      listener.startSync();
      let handedOut: MessageContract | undefined;
      const events = channel.messageStream(listener, {
        signal: session.signal,
        onHandOut: (msg) => {
          handedOut = msg;
        },
      });
      for await (const event of events) {
        const msg = handedOut;
        handedOut = undefined;
        const text = eventLine(event, msg && this.#numberTwins.get(msg));
        yield msg ? session.track(text, msg) : { text };
      }
    } finally {
      carrier.signal.removeEventListener('abort', onGone);
      if (isCurrent()) listener.stopSync();
      session.end();
      // Stay the listener's stream until the undelivered messages are back: a stream that
      // comes meanwhile waits for them, so that it gets them first.
      void session.settled.then(() => {
        if (isCurrent()) this.#streams.delete(listener);
      });
      if (removeAfter) await channel.removeListener(listener.id).catch(() => undefined);
    }
  }

  /**
   * Serves one client connection (the seed's `connect_callback`): reads its request up to the
   * half-close, answers it and closes. Called for each connection the server accepts; usable
   * with any `net.Server` created with `allowHalfOpen: true`. Refused once the server shuts down.
   */
  connectCallback(socket: net.Socket): void {
    if (this.#state !== 'listening') {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, (raw, carrier) => this.#answer(raw, carrier), this.#limits, this.#onError);
    this.#connections.add(connection);
    socket.once('close', () => this.#connections.delete(connection));
  }

  async #shutdown(): Promise<void> {
    this.#detachSignals?.();
    if (this.#state === 'new') {
      this.#state = 'closed';
      this.#resolveClosed();
      return;
    }
    if (this.#state === 'starting') await this.#starting?.catch(() => undefined);
    if (this.#state === 'closed') return; // listen() failed
    const server = this.#server;
    this.#state = 'closing';
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of this.#connections) connection.close();
      const force = setTimeout(() => {
        for (const connection of this.#connections) connection.destroy();
      }, this.#shutdownTimeoutMs);
      force.unref();
      await Promise.all([closed, ...[...this.#connections].map((connection) => connection.closed)]);
      clearTimeout(force);
      await this.#removeSocketFile();
    }
    this.#state = 'closed';
    this.#resolveClosed();
  }

  /** Removes the socket file if it is still the one this server created (Node usually has already). */
  async #removeSocketFile(): Promise<void> {
    const own = this.#socketFile;
    if (!own) return;
    try {
      const stats = await lstat(this.socketPath);
      if (stats.dev === own.dev && stats.ino === own.ino) await unlink(this.socketPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
