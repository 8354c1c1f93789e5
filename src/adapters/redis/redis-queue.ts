import { setTimeout as sleep } from 'node:timers/promises';
import { debuglog } from 'node:util';
import { InvalidListenerException, NoMessagesException, RepositoryError } from '../../engine/errors.js';
import { assertMessage, type MessageContract } from '../../engine/message.js';
import type { Queue } from '../../engine/queue.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { isErrorReply, type RedisConnection } from './connection.js';
import type { RedisKeys } from './keys.js';
import { kAck, kDropWakeup, kEnsureGroup, kRequeue, kRenew, kSize, kTake } from './scripts.js';

const debug = debuglog('eric-sse');

/** Most entry ids in one script call (Lua's `unpack` has a stack limit). */
const kMaxIdsPerCall = 1_000;
/** Longest pause between two attempts of a waiting consumer while Redis is unreachable, in ms. */
const kMaxRetryDelayMs = 2_000;
/** Blocking connections a queue keeps between waits (one per concurrent waiter is created on demand). */
const kMaxIdleBlockers = 1;

/** What a `RedisQueue` shares with its factory. */
export interface RedisQueueContext {
  /** The factory's connection for ordinary commands. */
  readonly connection: RedisConnection;
  /** The keys of this queue. */
  readonly keys: RedisKeys;
  /** Consumer-group name and this process's consumer name. */
  readonly group: string;
  readonly consumer: string;
  /** See `RedisQueueFactoryOptions.visibilityTimeoutMs`. */
  readonly visibilityTimeoutMs: number;
  /** Called when the queue starts waiting, so that the factory's `close()` can end the wait. */
  readonly track: (queue: RedisQueue) => void;
  /** Called by `delete()`: the factory may forget the queue. */
  readonly untrack: (queue: RedisQueue) => void;
}

function isNoGroup(error: unknown): boolean {
  return isErrorReply(error) && error.message.includes('NOGROUP');
}

/** Wraps an error reply (anything but our own errors) as `RepositoryError`. */
function asRepositoryError(error: unknown, what: string): unknown {
  if (error instanceof RepositoryError || error instanceof InvalidListenerException) return error;
  return new RepositoryError(`Redis ${what} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/**
 * A listener's queue in Redis: a Stream with a consumer group, shared by every process that
 * opens the same channel id and listener id (competing consumers).
 *
 * `push` appends an entry (XADD). Taking (`pop`, `popMany`, `popOrWait`) first claims
 * entries left pending longer than the visibility timeout (XAUTOCLAIM: a dead consumer's,
 * or handed back by `requeue`), then reads new ones (XREADGROUP), in one script. A taken
 * message stays pending, held by this process (its hold renewed while it is processed),
 * until `ack` deletes it; if the process dies, another consumer takes it over after the
 * visibility timeout: at-least-once, nothing lost. `popOrWait` waits with a blocking
 * XREADGROUP on a connection of its own: no polling.
 */
export class RedisQueue implements Queue {
  readonly #ctx: RedisQueueContext;
  /** Entry id of each message taken from this queue. */
  readonly #entryIds = new WeakMap<MessageContract, string>();
  /** Entry ids taken and neither acknowledged nor handed back: the holds to renew. */
  readonly #held = new Set<string>();
  #renewTimer: NodeJS.Timeout | undefined;
  /** Where the next XAUTOCLAIM scan of the pending entries starts. */
  #claimCursor = '0-0';
  /** When pending entries were last claimed first (see the `kTake` script), in ms since the epoch. */
  #claimedFirstAt = 0;
  /** Whether the next take claims pending entries first (messages were handed back). */
  #claimFirst = true;
  /** Whether the stream and group are known to exist (else the next push creates them). */
  #ready = false;
  /** Connections of the blocking reads in progress. */
  readonly #blockers = new Set<RedisConnection>();
  /** Connections of finished blocking reads, kept for the next wait (at most `kMaxIdleBlockers`). */
  readonly #idleBlockers: RedisConnection[] = [];
  /** Wakes this process's waiters (after `requeue`), so that they claim what came back. */
  readonly #wakeups = new Set<AbortController>();
  #disposed = false;

  constructor(ctx: RedisQueueContext) {
    this.#ctx = ctx;
  }

  /** Appends a message (XADD); rejects with `InvalidListenerException` if the listener was removed. */
  async push(msg: MessageContract): Promise<void> {
    assertMessage(msg);
    const { connection, keys } = this.#ctx;
    const json = encodeMessage(msg);
    try {
      if (this.#ready) {
        // NOMKSTREAM: a stream deleted meanwhile (listener removed) is not silently recreated.
        const id = await connection.send(keys.stream, ['XADD', keys.stream, 'NOMKSTREAM', '*', 'm', json]);
        if (id !== null) return;
      }
      await this.#ensureGroup();
      await connection.send(keys.stream, ['XADD', keys.stream, '*', 'm', json]);
    } catch (error) {
      throw asRepositoryError(error, 'XADD');
    }
  }

  /** Takes the next message (held until `ack`); rejects with `NoMessagesException` when none waits. */
  async pop(): Promise<MessageContract> {
    const [msg] = await this.#take(1);
    if (msg === undefined) throw new NoMessagesException('The queue is empty');
    return msg;
  }

  /** Takes up to `max` messages in one round trip (held until `ack`); none when the queue is empty. */
  async popMany(max: number): Promise<MessageContract[]> {
    if (!Number.isInteger(max) || max < 1) return [];
    return this.#take(max);
  }

  /**
   * Takes the next message, waiting for one with a blocking read (no polling). While Redis
   * is unreachable it retries with backoff; rejects with `signal.reason` when aborted (taking
   * nothing), with `InvalidListenerException` when the listener was removed.
   */
  async popOrWait(signal: AbortSignal): Promise<MessageContract> {
    let delay = 0;
    for (;;) {
      if (signal.aborted) throw signal.reason;
      try {
        const [msg] = await this.#take(1);
        if (signal.aborted) {
          // Aborted while taking: hand it back, take nothing.
          if (msg !== undefined) await this.requeue([msg]);
          throw signal.reason;
        }
        if (msg !== undefined) return msg;
        // Never block while a scan of the pending list is unfinished: idle entries may wait there.
        if (this.#claimCursor !== '0-0') continue;
        const read = await this.#blockingRead(signal);
        if (read !== undefined) return read;
        delay = 0;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof InvalidListenerException || this.#disposed) throw error;
        // Redis unreachable (or restarting): retry with backoff until it returns.
        delay = Math.min(Math.max(2 * delay, 50), kMaxRetryDelayMs);
        debug('redis queue %s: waiting consumer retries in %d ms: %s', this.#ctx.keys.stream, delay, (error as Error)?.message);
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /**
   * Hands taken messages back, first in line for every consumer of the queue (in any
   * process), and wakes waiting consumers. Messages not taken from this queue are appended.
   */
  async requeue(messages: MessageContract[]): Promise<void> {
    if (messages.length === 0) return;
    const { connection, keys, group, consumer, visibilityTimeoutMs } = this.#ctx;
    const known: string[] = [];
    const foreign: MessageContract[] = [];
    for (const msg of messages) {
      const id = this.#entryIds.get(msg);
      if (id === undefined) foreign.push(msg);
      else known.push(id);
    }
    try {
      for (let i = 0; i < known.length; i += kMaxIdsPerCall) {
        const ids = known.slice(i, i + kMaxIdsPerCall);
        await connection.eval(kRequeue, [keys.stream, keys.wakeups], [group, consumer, String(visibilityTimeoutMs), ...ids]);
        for (const id of ids) this.#held.delete(id);
      }
      // Messages that did not come from this queue: appended, as a push would.
      for (const msg of foreign) await this.push(msg);
    } catch (error) {
      if (!isNoGroup(error)) {
        // Not handed back in Redis: stop renewing the holds, so that after the visibility
        // timeout another consumer may take them (the caller may also keep them: at-least-once).
        for (const id of known) this.#held.delete(id);
        this.#updateRenewal();
        throw asRepositoryError(error, 'requeue');
      }
      // The stream is gone (deleted): nothing to hand back.
    }
    this.#claimCursor = '0-0';
    this.#claimFirst = true;
    this.#updateRenewal();
    for (const wakeup of this.#wakeups) wakeup.abort();
  }

  /** Confirms delivery of taken messages: deletes them from the stream (XACK + XDEL), in one round trip per 1,000. */
  async ack(messages: MessageContract[]): Promise<void> {
    const ids: string[] = [];
    for (const msg of messages) {
      const id = this.#entryIds.get(msg);
      if (id !== undefined) ids.push(id);
    }
    if (ids.length === 0) return;
    const { connection, keys, group } = this.#ctx;
    try {
      for (let i = 0; i < ids.length; i += kMaxIdsPerCall) {
        await connection.eval(kAck, [keys.stream], [group, ...ids.slice(i, i + kMaxIdsPerCall)]);
      }
    } catch (error) {
      // A deleted stream has nothing left to acknowledge.
      if (!isNoGroup(error)) throw asRepositoryError(error, 'XACK');
    }
    for (const id of ids) this.#held.delete(id);
    this.#updateRenewal();
  }

  /** Number of messages waiting: not taken, or taken by a consumer that let its hold expire. */
  async size(): Promise<number> {
    const { connection, keys, group, visibilityTimeoutMs } = this.#ctx;
    try {
      return Number(await connection.eval(kSize, [keys.stream, keys.wakeups], [group, String(visibilityTimeoutMs)]));
    } catch (error) {
      throw asRepositoryError(error, 'size');
    }
  }

  /** Deletes the stream and every message in it (the queue can be used again: it is recreated). */
  async delete(): Promise<void> {
    const { connection, keys } = this.#ctx;
    try {
      await connection.send(keys.stream, ['DEL', keys.stream, keys.wakeups]);
    } catch (error) {
      throw asRepositoryError(error, 'DEL');
    }
    this.#ready = false;
    this.#held.clear();
    this.#updateRenewal();
    this.#claimCursor = '0-0';
    for (const blocker of this.#idleBlockers.splice(0)) void blocker.close();
    this.#ctx.untrack(this);
  }

  /** Ends this queue's waits and renewals (the factory closes). */
  dispose(): void {
    this.#disposed = true;
    for (const blocker of this.#blockers) blocker.destroy();
    this.#blockers.clear();
    for (const blocker of this.#idleBlockers.splice(0)) blocker.destroy();
    this.#held.clear();
    this.#updateRenewal();
  }

  async #take(count: number): Promise<MessageContract[]> {
    const { connection, keys, group, consumer, visibilityTimeoutMs } = this.#ctx;
    // Pending entries first after a requeue, and at least every half visibility timeout
    // (so a busy stream still serves what a dead consumer left); else only when short of new ones.
    const now = Date.now();
    const claimFirst = this.#claimFirst || now - this.#claimedFirstAt >= visibilityTimeoutMs / 2;
    if (claimFirst) {
      this.#claimFirst = false;
      this.#claimedFirstAt = now;
    }
    const args = (): string[] => [group, consumer, String(count), String(visibilityTimeoutMs), this.#claimCursor, claimFirst ? '1' : '0'];
    let reply: string[];
    try {
      try {
        reply = await connection.eval<string[]>(kTake, [keys.stream, keys.wakeups], args());
      } catch (error) {
        if (!isNoGroup(error)) throw error;
        await this.#ensureGroup();
        reply = await connection.eval<string[]>(kTake, [keys.stream, keys.wakeups], args());
      }
    } catch (error) {
      throw asRepositoryError(error, 'XREADGROUP');
    }
    this.#ready = true;
    this.#claimCursor = String(reply[0] ?? '0-0');
    // More idle entries may follow those claimed: claim first again, so they stay first in line.
    if (Number(reply[1]) === 1) this.#claimFirst = true;
    const taken: MessageContract[] = [];
    for (let i = 2; i + 1 < reply.length; i += 2) taken.push(this.#hold(reply[i]!, reply[i + 1]!));
    return taken;
  }

  /**
   * Waits for a new entry with a blocking XREADGROUP on a connection of its own, at most
   * the visibility timeout (then the caller claims what a dead consumer left, and waits
   * again). Resolves `undefined` when that time passes or `requeue` wakes it.
   */
  async #blockingRead(signal: AbortSignal): Promise<MessageContract | undefined> {
    const { connection, keys, group, consumer, visibilityTimeoutMs } = this.#ctx;
    if (this.#disposed) throw new RepositoryError('The Redis connection is closed (RedisQueueFactory.close() was called)');
    this.#ctx.track(this);
    const blocker = this.#idleBlockers.pop() ?? connection.duplicate();
    const wakeup = new AbortController();
    let destroyed = false;
    const end = (): void => {
      destroyed = true;
      blocker.destroy();
    };
    this.#blockers.add(blocker);
    this.#wakeups.add(wakeup);
    signal.addEventListener('abort', end, { once: true });
    wakeup.signal.addEventListener('abort', end, { once: true });
    try {
      const args = ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', '1', 'BLOCK', String(visibilityTimeoutMs), 'STREAMS', keys.stream, '>'];
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = await blocker.send(keys.stream, args, Number.POSITIVE_INFINITY);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        // Woken by requeue: an entry delivered to this read meanwhile stays pending and is
        // claimed after the visibility timeout; nothing is lost.
        if (wakeup.signal.aborted) return undefined;
        if (isNoGroup(error)) {
          await this.#ensureGroup();
          return undefined;
        }
        throw error;
      }
      const entry = reply?.[0]?.[1]?.[0];
      if (entry === undefined) return undefined;
      if (entry[1][0] === 'n') {
        // A wake-up entry (messages were handed back): drop it; the caller claims them.
        this.#claimFirst = true;
        this.#claimCursor = '0-0';
        await connection.eval(kDropWakeup, [keys.stream, keys.wakeups], [group, entry[0]]);
        return undefined;
      }
      return this.#hold(entry[0], entry[1][1]!);
    } catch (error) {
      // A connection that failed is not reused.
      end();
      throw error;
    } finally {
      signal.removeEventListener('abort', end);
      wakeup.signal.removeEventListener('abort', end);
      this.#wakeups.delete(wakeup);
      this.#blockers.delete(blocker);
      if (!destroyed && !this.#disposed && this.#idleBlockers.length < kMaxIdleBlockers) this.#idleBlockers.push(blocker);
      else if (!destroyed) void blocker.close();
    }
  }

  /** Decodes a taken entry and records this process's hold on it. */
  #hold(id: string, json: string): MessageContract {
    const msg = decodeMessage(json);
    this.#entryIds.set(msg, id);
    this.#held.add(id);
    this.#updateRenewal();
    return msg;
  }

  /** Creates the stream and group, unless the listener was removed (then throws `InvalidListenerException`). */
  async #ensureGroup(): Promise<void> {
    const { connection, keys, group } = this.#ctx;
    const created = await connection.eval(kEnsureGroup, [keys.stream, keys.tombstone], [group]);
    if (Number(created) === 0) {
      throw new InvalidListenerException(`Listener ${keys.listenerId} of channel ${keys.channelId} was removed`);
    }
    this.#ready = true;
  }

  /**
   * Renews the holds on taken messages every third of the visibility timeout while there
   * are any, so that a slow handler's message is not taken over by another consumer.
   */
  #updateRenewal(): void {
    if (this.#held.size === 0) {
      clearInterval(this.#renewTimer);
      this.#renewTimer = undefined;
      return;
    }
    if (this.#renewTimer !== undefined) return;
    const every = Math.max(1, Math.floor(this.#ctx.visibilityTimeoutMs / 3));
    this.#renewTimer = setInterval(() => void this.#renew(), every);
    this.#renewTimer.unref();
  }

  async #renew(): Promise<void> {
    const { connection, keys, group, consumer } = this.#ctx;
    const ids = [...this.#held];
    try {
      for (let i = 0; i < ids.length; i += kMaxIdsPerCall) {
        await connection.eval(kRenew, [keys.stream], [group, consumer, ...ids.slice(i, i + kMaxIdsPerCall)]);
      }
    } catch (error) {
      debug('redis queue %s: renewing holds failed: %s', keys.stream, (error as Error)?.message);
    }
  }
}
