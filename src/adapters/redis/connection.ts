import { createHash } from 'node:crypto';
import { debuglog } from 'node:util';
import { RepositoryError } from '../../engine/errors.js';

const debug = debuglog('eric-sse');

/** Longest wait between two reconnection attempts, in milliseconds. */
const kMaxReconnectDelayMs = 2_000;

type RedisModule = typeof import('redis');
/**
 * The `redis` client, loaded on first use: importing eric-sse does not pay for it (it takes
 * longer to load than the whole engine) unless a Redis backend is used.
 */
let redisModule: Promise<RedisModule> | undefined;
/** `redis`'s class of error replies, once loaded. */
let errorReplyClass: RedisModule['ErrorReply'] | undefined;

function loadRedis(): Promise<RedisModule> {
  redisModule ??= import('redis').then((module) => {
    errorReplyClass = module.ErrorReply;
    return module;
  });
  return redisModule;
}

/** Where to connect: one server by URL, or the nodes of a Redis Cluster. */
export type RedisTarget = { readonly url: string } | { readonly nodes: readonly string[] };

/** The commands this adapter needs from a client or a cluster: raw commands routed by key. */
interface Commander {
  connect(): Promise<unknown>;
  destroy(): void;
  close(): Promise<void>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  send(key: string, args: string[], timeoutMs: number | undefined): Promise<unknown>;
}

function reconnectStrategy(retries: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 6), kMaxReconnectDelayMs);
}

async function createCommander(target: RedisTarget, connectTimeoutMs: number): Promise<Commander> {
  const { createClient, createCluster } = await loadRedis();
  const socket = { connectTimeout: connectTimeoutMs, reconnectStrategy };
  if ('url' in target) {
    const client = createClient({ url: target.url, socket });
    return {
      connect: () => client.connect(),
      destroy: () => client.destroy(),
      close: () => client.close(),
      on: (event, listener) => client.on(event, listener),
      send: (_key, args, timeout) => client.sendCommand(args, timeout === undefined ? undefined : { timeout }),
    };
  }
  const cluster = createCluster({
    rootNodes: target.nodes.map((url) => ({ url })),
    defaults: { socket },
    // Topology first; a connection to a node only once a command goes there.
    minimizeConnections: true,
  });
  return {
    connect: () => cluster.connect(),
    destroy: () => cluster.destroy(),
    close: () => cluster.close(),
    on: (event, listener) => cluster.on(event, listener),
    send: (key, args, timeout) => cluster.sendCommand(key, false, args, timeout === undefined ? undefined : { timeout }),
  };
}

/** Rejects with a `RepositoryError` when `promise` has not settled within `ms`. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RepositoryError(`Redis did not answer ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Whether `error` is Redis's answer to a command (as opposed to a connection failure). */
export function isErrorReply(error: unknown): error is Error {
  return errorReplyClass !== undefined && error instanceof errorReplyClass;
}

/** A Lua script run by its SHA-1 (loaded on first use on each server). */
export class Script {
  readonly sha: string;

  constructor(readonly body: string) {
    this.sha = createHash('sha1').update(body).digest('hex');
  }
}

/**
 * One connection (or cluster client) to Redis, connected on first use, reconnecting with
 * backoff. Every command has a deadline: a failure to get an answer in time, or a broken
 * connection, rejects with `RepositoryError`; Redis's own error replies are passed through
 * (`isErrorReply`) for the caller to interpret (NOGROUP, say).
 */
export class RedisConnection {
  readonly #target: RedisTarget;
  readonly #timeoutMs: number;
  #commander: Commander | undefined;
  #connecting: Promise<void> | undefined;
  /** Whether the first connection succeeded. */
  #connected = false;
  #closed = false;

  /**
   * @param target - the server URL or the cluster nodes.
   * @param timeoutMs - the deadline of every command (and of connecting), in milliseconds.
   */
  constructor(target: RedisTarget, timeoutMs: number) {
    this.#target = target;
    this.#timeoutMs = timeoutMs;
  }

  /** A new connection to the same Redis (for blocking reads, which need one of their own). */
  duplicate(): RedisConnection {
    return new RedisConnection(this.#target, this.#timeoutMs);
  }

  /**
   * Sends a command routed by `key`. `timeoutMs` overrides the deadline (`Infinity` for a
   * blocking read, which ends by its own BLOCK timeout or by `destroy()`).
   */
  async send<T = unknown>(key: string, args: string[], timeoutMs = this.#timeoutMs): Promise<T> {
    if (this.#closed) throw new RepositoryError('The Redis connection is closed (RedisQueueFactory.close() was called)');
    const finite = Number.isFinite(timeoutMs);
    try {
      let left = timeoutMs;
      if (!this.#connected) {
        const started = Date.now();
        const connecting = this.#connect();
        await (finite ? withDeadline(connecting, timeoutMs, `a connection (${args[0]})`) : connecting);
        left = Math.max(1, timeoutMs - (Date.now() - started));
      }
      const reply = this.#commander!.send(key, args, finite ? left : undefined);
      return (await (finite ? withDeadline(reply, left, args[0]!) : reply)) as T;
    } catch (error) {
      if (isErrorReply(error) || error instanceof RepositoryError) throw error;
      throw new RepositoryError(`Redis ${args[0]} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }

  /** Runs a Lua script (EVALSHA, loading it with EVAL when the server does not know it). */
  async eval<T = unknown>(script: Script, keys: string[], args: string[]): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.send<T>(keys[0]!, ['EVALSHA', script.sha, ...tail]);
    } catch (error) {
      if (!(isErrorReply(error) && error.message.startsWith('NOSCRIPT'))) throw error;
      return this.send<T>(keys[0]!, ['EVAL', script.body, ...tail]);
    }
  }

  /** Ends the connection at once; pending commands reject. */
  destroy(): void {
    const wasOpen = !this.#closed;
    this.#closed = true;
    if (!wasOpen || this.#connecting === undefined) return;
    try {
      this.#commander?.destroy();
    } catch (error) {
      debug('redis destroy: %s', (error as Error)?.message);
    }
  }

  /** Ends the connection once pending commands are answered (or at the deadline). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#connecting === undefined) return;
    const commander = this.#commander;
    if (commander === undefined) return;
    try {
      if (this.#connected) await withDeadline(commander.close(), this.#timeoutMs, 'QUIT');
      else commander.destroy();
    } catch {
      commander.destroy();
    }
  }

  #connect(): Promise<void> {
    // node-redis retries a failed connect by itself (reconnectStrategy): one attempt at a time.
    this.#connecting ??= this.#open().then(
      () => {
        this.#connected = true;
      },
      (error: unknown) => {
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  async #open(): Promise<void> {
    if (this.#commander === undefined) {
      const commander = await createCommander(this.#target, this.#timeoutMs);
      // A client with no 'error' listener would crash the process on every lost connection.
      commander.on('error', (error) => debug('redis connection error: %s', (error as Error)?.message ?? error));
      this.#commander = commander;
    }
    // Closed while loading the client: never connect.
    if (this.#closed) throw new RepositoryError('The Redis connection is closed');
    await this.#commander.connect();
  }
}
