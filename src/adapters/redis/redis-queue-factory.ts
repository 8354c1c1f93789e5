import { hostname } from 'node:os';
import { RepositoryError } from '../../engine/errors.js';
import { assertMessage, type MessageContract } from '../../engine/message.js';
import { AbstractMessageQueueFactory, type ListenerRegistry, type QueueOwner } from '../../engine/queue.js';
import { encodeMessage } from './codec.js';
import { RedisConnection, type RedisTarget } from './connection.js';
import { redisKeys } from './keys.js';
import { RedisQueue } from './redis-queue.js';
import { kBroadcast, kRegister, kUnregister } from './scripts.js';

/** Options of `RedisQueueFactory`. */
export interface RedisQueueFactoryOptions {
  /**
   * URL of the Redis server, e.g. `redis://user:pass@host:6379/0`. Ignored when `nodes` is given.
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string;
  /**
   * URLs of some nodes of a Redis Cluster (the client discovers the rest), e.g.
   * `['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000']`. When given, the factory works in
   * cluster mode.
   */
  nodes?: string[];
  /**
   * Prefix of every key, so that several applications can share one Redis.
   * @default 'eric-sse:'
   */
  prefix?: string;
  /**
   * How long, in milliseconds, a message taken by a consumer may stay unacknowledged
   * before another consumer may take it over (a consumer that died, say). A live consumer
   * renews its hold every third of this time, so a slow handler keeps its message. Waiting
   * consumers also look for such messages at this pace.
   * @default 30000
   */
  visibilityTimeoutMs?: number;
  /**
   * Deadline of every Redis operation, in milliseconds: past it (Redis unreachable, say)
   * `dispatch`, `broadcast` and the other queue operations reject with `RepositoryError`.
   * @default 5000
   */
  operationTimeoutMs?: number;
  /**
   * This process's consumer name in every consumer group. Stable for the process; give a
   * name that survives restarts to have a restarted process's holds renewed by it.
   * @default `${hostname()}-${process.pid}`
   */
  consumerName?: string;
}

/** Name of the consumer group of every listener's stream. */
const kGroup = 'eric-sse';
/** How long a removed listener's tombstone keeps consumers elsewhere from recreating its stream. */
const kTombstoneMs = 24 * 60 * 60 * 1000;

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`RedisQueueFactory option "${name}" must be a positive integer (milliseconds), got ${String(value)} (${typeof value})`);
  }
  return value;
}

function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`RedisQueueFactory option "${name}" must be a non-empty string, got ${JSON.stringify(value) ?? String(value)} (${typeof value})`);
  }
  return value;
}

function ownerIds(owner: QueueOwner): [string, string] {
  if (typeof owner !== 'object' || owner === null) {
    throw new TypeError('RedisQueueFactory.create expects { channelId, listenerId }');
  }
  const channelId = owner.channelId;
  const listenerId = owner.listenerId;
  if (typeof channelId !== 'string' || channelId.length === 0 || typeof listenerId !== 'string' || listenerId.length === 0) {
    throw new TypeError(`RedisQueueFactory needs a non-empty channelId and listenerId, got ${JSON.stringify(channelId)} and ${JSON.stringify(listenerId)}`);
  }
  return [channelId, listenerId];
}

/**
 * Queues in Redis, shared by every process (on any machine) that uses the same Redis,
 * prefix, channel id and listener id: each listener's queue is a Redis Stream with a
 * consumer group (see `RedisQueue`), and a registry of each channel's listeners lets
 * `broadcast` in any process reach listeners registered in any other.
 *
 * @example
 * ```js
 * const queuesFactory = new RedisQueueFactory({ url: 'redis://127.0.0.1:6379' });
 * const channel = new DataProcessingChannel({ id: 'orders', maxWorkers: 4, queuesFactory });
 * await channel.registerListener(new MessageQueueListener({ id: 'billing' }));
 * // … dispatch, broadcast, processQueue as with the in-memory backend …
 * await channel.close();
 * await queuesFactory.close();
 * ```
 */
export class RedisQueueFactory extends AbstractMessageQueueFactory {
  /** The key prefix. */
  readonly prefix: string;
  /** See `RedisQueueFactoryOptions.visibilityTimeoutMs`. */
  readonly visibilityTimeoutMs: number;
  /** See `RedisQueueFactoryOptions.operationTimeoutMs`. */
  readonly operationTimeoutMs: number;
  /** This process's consumer name. */
  readonly consumerName: string;
  /** The shared registry of each channel's listeners (used by the channels). */
  override readonly registry: ListenerRegistry;
  readonly #connection: RedisConnection;
  /** Queues that may wait, ended by `close()`. */
  readonly #queues = new Set<RedisQueue>();
  #closed = false;

  /**
   * @throws TypeError or RangeError naming the option that is malformed.
   */
  constructor(options: RedisQueueFactoryOptions = {}) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`RedisQueueFactory expects an options object, got ${options === null ? 'null' : typeof options}`);
    }
    let target: RedisTarget;
    if (options.nodes !== undefined) {
      if (!Array.isArray(options.nodes) || options.nodes.length === 0) {
        throw new TypeError('RedisQueueFactory option "nodes" must be a non-empty array of node URLs');
      }
      target = { nodes: options.nodes.map((node, i) => nonEmptyString(`nodes[${i}]`, node)) };
    } else {
      target = { url: nonEmptyString('url', options.url ?? 'redis://127.0.0.1:6379') };
    }
    const prefix = options.prefix ?? 'eric-sse:';
    if (typeof prefix !== 'string') throw new TypeError(`RedisQueueFactory option "prefix" must be a string, got ${typeof prefix}`);
    this.prefix = prefix;
    this.visibilityTimeoutMs = positiveInteger('visibilityTimeoutMs', options.visibilityTimeoutMs ?? 30_000);
    this.operationTimeoutMs = positiveInteger('operationTimeoutMs', options.operationTimeoutMs ?? 5_000);
    this.consumerName = nonEmptyString('consumerName', options.consumerName ?? `${hostname()}-${process.pid}`);
    this.#connection = new RedisConnection(target, this.operationTimeoutMs);
    this.registry = {
      register: (owner) => this.#register(owner),
      unregister: (owner) => this.#unregister(owner),
      broadcast: (channelId, msg) => this.#broadcast(channelId, msg),
    };
  }

  /** Opens the queue of one listener of one channel (no I/O until it is used). */
  create(owner: QueueOwner): RedisQueue {
    const [channelId, listenerId] = ownerIds(owner);
    if (this.#closed) throw new RepositoryError('RedisQueueFactory is closed');
    return new RedisQueue({
      connection: this.#connection,
      keys: redisKeys(this.prefix, channelId, listenerId),
      group: kGroup,
      consumer: this.consumerName,
      visibilityTimeoutMs: this.visibilityTimeoutMs,
      track: (queue) => this.#queues.add(queue),
      untrack: (queue) => this.#queues.delete(queue),
    });
  }

  /**
   * Ids of the listeners registered with `channelId` by any process, in registration order
   * (what a service needs to find its channels' listeners again after a restart).
   */
  async listenerIds(channelId: string): Promise<string[]> {
    const [id] = ownerIds({ channelId, listenerId: '-' });
    const keys = redisKeys(this.prefix, id, '');
    try {
      return await this.#connection.send<string[]>(keys.registry, ['ZRANGE', keys.registry, '0', '-1']);
    } catch (error) {
      if (error instanceof RepositoryError) throw error;
      throw new RepositoryError(`Redis ZRANGE failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }

  /**
   * Ends every connection: waiting consumers reject, later operations reject with
   * `RepositoryError`. Messages taken and not acknowledged stay pending in Redis (another
   * consumer takes them over after `visibilityTimeoutMs`). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const queue of this.#queues) queue.dispose();
    this.#queues.clear();
    await this.#connection.close();
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #register(owner: QueueOwner): Promise<void> {
    const [channelId, listenerId] = ownerIds(owner);
    const keys = redisKeys(this.prefix, channelId, listenerId);
    await this.#run('register', () =>
      this.#connection.eval(kRegister, [keys.registry, keys.stream, keys.tombstone], [listenerId, kGroup]),
    );
  }

  async #unregister(owner: QueueOwner): Promise<void> {
    const [channelId, listenerId] = ownerIds(owner);
    const keys = redisKeys(this.prefix, channelId, listenerId);
    await this.#run('unregister', () =>
      this.#connection.eval(kUnregister, [keys.registry, keys.stream, keys.tombstone, keys.wakeups], [listenerId, String(kTombstoneMs)]),
    );
  }

  async #broadcast(channelId: string, msg: MessageContract): Promise<void> {
    assertMessage(msg);
    const keys = redisKeys(this.prefix, channelId, '');
    await this.#run('broadcast', () =>
      this.#connection.eval(kBroadcast, [keys.registry], [keys.streamPrefix, encodeMessage(msg), kGroup]),
    );
  }

  async #run(what: string, operation: () => Promise<unknown>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      if (error instanceof RepositoryError) throw error;
      throw new RepositoryError(`Redis ${what} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }
}
