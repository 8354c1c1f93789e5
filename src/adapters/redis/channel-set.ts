/**
 * The set of channels a service keeps in Redis (eric-api's Redis repository keeps its
 * channels the same way), so that several service processes share them and a restarted one
 * finds them again. Listeners are in each channel's own registry (see `keys.ts`).
 */
import { RepositoryError } from '../../engine/errors.js';
import { isErrorReply, Script, type RedisConnection } from './connection.js';
import { redisKeys } from './keys.js';

/**
 * Adds a channel unless it is already there, scored by its creation time in microseconds
 * (Redis's clock, so every process agrees), kept strictly increasing so that two channels
 * created within one microsecond keep their order. Numbers go out through `%.0f`: Lua
 * would print a 16-digit number in exponent form. Returns 1 when added, 0 when it existed.
 * KEYS: channel set, last score. ARGV: channel id.
 */
const kAddChannel = new Script(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if now <= last then now = last + 1 end
local score = string.format('%.0f', now)
redis.call('SET', KEYS[2], score)
redis.call('ZADD', KEYS[1], score, ARGV[1])
return 1
`);

/**
 * The channel set's keys under `prefix`. Both share one hash tag (a script touches both,
 * in one Redis Cluster slot); `#` keeps it apart from channel ids chosen over HTTP.
 */
function channelSetKeys(prefix: string): { set: string; clock: string } {
  return { set: `${prefix}{#channels}:ids`, clock: `${prefix}{#channels}:clock` };
}

/** The channels of the service in Redis: a sorted set of ids by creation time. */
export class RedisChannelSet {
  readonly #connection: RedisConnection;
  readonly #prefix: string;
  readonly #keys: { set: string; clock: string };

  /**
   * @param connection - the queue factory's connection.
   * @param prefix - the queue factory's key prefix.
   */
  constructor(connection: RedisConnection, prefix: string) {
    this.#connection = connection;
    this.#prefix = prefix;
    this.#keys = channelSetKeys(prefix);
  }

  /** Adds the channel; resolves `false` when it was already there. */
  async add(channelId: string): Promise<boolean> {
    const { set, clock } = this.#keys;
    return Number(await this.#run('add channel', () => this.#connection.eval(kAddChannel, [set, clock], [channelId]))) === 1;
  }

  /** Removes the channel from the set; resolves `false` when it was not there. */
  async remove(channelId: string): Promise<boolean> {
    const { set } = this.#keys;
    return Number(await this.#run('ZREM', () => this.#connection.send(set, ['ZREM', set, channelId]))) === 1;
  }

  /** Whether the channel is in the set. */
  async has(channelId: string): Promise<boolean> {
    const { set } = this.#keys;
    return (await this.#run('ZSCORE', () => this.#connection.send(set, ['ZSCORE', set, channelId]))) !== null;
  }

  /** Ids of every channel, oldest first. */
  async ids(): Promise<string[]> {
    const { set } = this.#keys;
    return (await this.#run('ZRANGE', () => this.#connection.send(set, ['ZRANGE', set, '0', '-1']))) as string[];
  }

  /** How many channels there are (one cheap round trip: how a service checks Redis at start). */
  async size(): Promise<number> {
    const { set } = this.#keys;
    return Number(await this.#run('ZCARD', () => this.#connection.send(set, ['ZCARD', set])));
  }

  /** Whether the listener is in the channel's registry of listeners (any process registered it). */
  async hasListener(channelId: string, listenerId: string): Promise<boolean> {
    const { registry } = redisKeys(this.#prefix, channelId, listenerId);
    return (await this.#run('ZSCORE', () => this.#connection.send(registry, ['ZSCORE', registry, listenerId]))) !== null;
  }

  async #run(what: string, operation: () => Promise<unknown>): Promise<unknown> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof RepositoryError || !isErrorReply(error)) throw error;
      throw new RepositoryError(`Redis ${what} failed: ${error.message}`, { cause: error });
    }
  }
}
