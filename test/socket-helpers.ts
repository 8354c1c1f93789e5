// Shared helpers of the socket tests: temporary socket paths, servers that are always shut
// down, and raw clients that send exactly the bytes a Python eric_sse client sends.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { SocketServer, type SocketServerOptions } from 'eric-sse';

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test, in reverse order of registration. */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** A fresh socket path in a private temporary directory (removed after the test). */
export function tempSocketPath(name = 's.sock'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eric-sock-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

/** A listening server on a fresh path, shut down after the test. */
export async function startServer(options: SocketServerOptions = {}, socketPath = tempSocketPath()): Promise<SocketServer> {
  const server = new SocketServer(socketPath, { peerCheckIntervalMs: 20, ...options });
  await server.listen();
  onCleanup(() => server.shutdown());
  return server;
}

/** Connects to `socketPath`; resolves once connected. */
export function connect(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path: socketPath, allowHalfOpen: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Collects everything the server writes until it closes the connection. */
export function readAll(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * Sends raw bytes as one request and half-closes (as Python's `write_eof()`), then resolves
 * with the whole answer.
 */
export async function rawRequest(socketPath: string, request: string | Uint8Array): Promise<string> {
  const socket = await connect(socketPath);
  const answer = readAll(socket);
  socket.end(request);
  try {
    return await answer;
  } finally {
    socket.destroy();
  }
}

/** Python's `json.dumps` of a flat request, e.g. `{"v": "b", "c": "x"}`, as Python clients send it. */
export function pythonRequest(fields: Record<string, string | number | null>): string {
  return `{${Object.entries(fields)
    .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`)
    .join(', ')}}`;
}

/** Reads lines from a socket, one at a time. */
export class LineReader {
  readonly #pending: string[] = [];
  readonly #waiters: Array<(line: string | undefined) => void> = [];
  #buffer = '';
  #ended = false;

  constructor(socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let newline: number;
      while ((newline = this.#buffer.indexOf('\n')) !== -1) {
        this.#push(this.#buffer.slice(0, newline));
        this.#buffer = this.#buffer.slice(newline + 1);
      }
    });
    socket.on('close', () => {
      if (this.#buffer.length > 0) this.#push(this.#buffer);
      this.#buffer = '';
      this.#ended = true;
      for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    });
  }

  /** The next line (without its newline), or `undefined` once the connection has closed. */
  next(): Promise<string | undefined> {
    const line = this.#pending.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #push(line: string): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(line);
    else this.#pending.push(line);
  }
}

/** Opens a raw `l` (or `w`) stream and returns its line reader and socket. */
export async function openStream(
  socketPath: string,
  request: Record<string, string>,
): Promise<{ socket: net.Socket; lines: LineReader }> {
  const socket = await connect(socketPath);
  const lines = new LineReader(socket);
  socket.end(pythonRequest(request));
  return { socket, lines };
}

/** A UUID v4, as channel and listener ids are. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** `promise`, or a rejection naming `what` after `ms` milliseconds: a bound on a hang, not a speed goal. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}
