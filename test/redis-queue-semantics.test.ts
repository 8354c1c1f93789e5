// What the Redis backend adds to the shared queue behaviour: options, at-least-once holds
// (visibility timeout, renewal), group recovery, batched acknowledgements, close().
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DataProcessingChannel,
  Message,
  MESSAGE_TYPE_INTERNAL_ERROR,
  MessageQueueListener,
  NoMessagesException,
  RedisQueueFactory,
  RepositoryError,
  type RedisQueueFactoryOptions,
} from 'eric-sse';
import { redisAvailable, startRedis, uniquePrefix, type RedisServer } from './redis-helpers.js';

describe('RedisQueueFactory options', () => {
  it.each([
    [{ url: 42 }, TypeError, /option "url" must be a non-empty string, got 42 \(number\)/],
    [{ url: '' }, TypeError, /option "url" must be a non-empty string, got ""/],
    [{ nodes: [] }, TypeError, /option "nodes" must be a non-empty array of node URLs/],
    [{ nodes: ['redis://a:1', 7] }, TypeError, /option "nodes\[1\]" must be a non-empty string, got 7 \(number\)/],
    [{ prefix: 1 }, TypeError, /option "prefix" must be a string, got number/],
    [{ visibilityTimeoutMs: 0 }, RangeError, /option "visibilityTimeoutMs" must be a positive integer \(milliseconds\), got 0/],
    [{ operationTimeoutMs: 1.5 }, RangeError, /option "operationTimeoutMs" must be a positive integer \(milliseconds\), got 1.5/],
    [{ consumerName: '' }, TypeError, /option "consumerName" must be a non-empty string/],
  ])('rejects %j', (options, type, message) => {
    expect(() => new RedisQueueFactory(options as unknown as RedisQueueFactoryOptions)).toThrow(type);
    expect(() => new RedisQueueFactory(options as unknown as RedisQueueFactoryOptions)).toThrow(message);
  });

  it('has documented defaults and opens no connection until used', async () => {
    const factory = new RedisQueueFactory();
    expect(factory.prefix).toBe('eric-sse:');
    expect(factory.visibilityTimeoutMs).toBe(30_000);
    expect(factory.operationTimeoutMs).toBe(5_000);
    expect(factory.consumerName).toMatch(new RegExp(`-${process.pid}$`));
    expect(() => factory.create({ channelId: '', listenerId: 'l' })).toThrow(/non-empty channelId and listenerId/);
    await factory.close();
    expect(() => factory.create({ channelId: 'c', listenerId: 'l' })).toThrow(RepositoryError);
  });
});

describe.skipIf(!redisAvailable)('Redis queue semantics', () => {
  let server: RedisServer;
  const factories: RedisQueueFactory[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(factories.splice(0).map((factory) => factory.close()));
  });

  function factory(options: RedisQueueFactoryOptions = {}): RedisQueueFactory {
    const made = new RedisQueueFactory({ url: server.url, ...options });
    factories.push(made);
    return made;
  }

  it('a message taken by a consumer that is gone goes to another after the visibility timeout', async () => {
    const prefix = uniquePrefix();
    const owner = { channelId: randomUUID(), listenerId: randomUUID() };
    const first = factory({ prefix, consumerName: 'first', visibilityTimeoutMs: 500 });
    const second = factory({ prefix, consumerName: 'second', visibilityTimeoutMs: 500 });
    await first.create(owner).push(new Message('job', 1));
    expect(await first.create(owner).pop()).toMatchObject({ type: 'job', payload: 1 });
    await first.close(); // gone without acknowledging: no renewal any more
    const taken = await second.create(owner).popOrWait(new AbortController().signal);
    expect(taken).toMatchObject({ type: 'job', payload: 1 });
  });

  it('a live consumer keeps what it is still processing (its hold is renewed)', async () => {
    const prefix = uniquePrefix();
    const owner = { channelId: randomUUID(), listenerId: randomUUID() };
    const slow = factory({ prefix, consumerName: 'slow', visibilityTimeoutMs: 2000 }).create(owner);
    const other = factory({ prefix, consumerName: 'other', visibilityTimeoutMs: 2000 }).create(owner);
    await slow.push(new Message('long-job'));
    const held = await slow.pop();
    await sleep(5000); // two and a half visibility timeouts: renewed every 667 ms meanwhile
    await expect(other.pop()).rejects.toBeInstanceOf(NoMessagesException);
    await slow.ack([held]);
    expect(await other.size()).toBe(0);
    expect(server.cli('XLEN', `${prefix}{${owner.channelId}}:queue:${owner.listenerId}`)).toBe('0');
  });

  it('messages handed back in one process wake a consumer waiting in another', async () => {
    const prefix = uniquePrefix();
    const owner = { channelId: randomUUID(), listenerId: randomUUID() };
    // A visibility timeout longer than the test: only the wake-up can deliver in time.
    const here = factory({ prefix, consumerName: 'here', visibilityTimeoutMs: 120_000 }).create(owner);
    const there = factory({ prefix, consumerName: 'there', visibilityTimeoutMs: 120_000 }).create(owner);
    await here.push(new Message('job'));
    const taken = await here.pop();
    const waiting = there.popOrWait(new AbortController().signal);
    await sleep(50); // let it block
    await here.requeue([taken]);
    expect((await waiting).type).toBe('job');
    await there.ack([await waiting]);
    expect(await here.size()).toBe(0);
  });

  it('a handed-back message behind many messages still being processed reaches a waiting consumer', async () => {
    const prefix = uniquePrefix();
    const owner = { channelId: randomUUID(), listenerId: randomUUID() };
    const here = factory({ prefix, consumerName: 'here', visibilityTimeoutMs: 120_000 }).create(owner);
    const there = factory({ prefix, consumerName: 'there', visibilityTimeoutMs: 120_000 }).create(owner);
    for (let i = 0; i < 50; i += 1) await here.push(new Message('n', i));
    const taken = await here.popMany(50); // all held by 'here', ahead of the one handed back
    const waiting = there.popOrWait(new AbortController().signal);
    await sleep(50); // let it block
    await here.requeue([taken[49]!]);
    expect((await waiting).payload).toBe(49);
  });

  it('once a processQueue loop has ended, what followed the closed message is back in the queue', async () => {
    const prefix = uniquePrefix();
    const channelId = randomUUID();
    const listenerId = randomUUID();
    const first = factory({ prefix, consumerName: 'first', visibilityTimeoutMs: 120_000 });
    const channel = new DataProcessingChannel({ id: channelId, maxWorkers: 2, queuesFactory: first });
    const listener = new MessageQueueListener({ id: listenerId });
    await channel.registerListener(listener);
    await channel.dispatch(listenerId, new Message('x'));
    await channel.notifyEnd();
    await channel.dispatch(listenerId, new Message('after-the-end'));
    const seen: string[] = [];
    for await (const event of channel.processQueue(listener)) seen.push(event.event);
    expect(seen).toEqual(['x']);
    await channel.close();
    await first.close(); // at once: the hand-back must not be cut off
    const other = factory({ prefix, consumerName: 'other', visibilityTimeoutMs: 120_000 }).create({ channelId, listenerId });
    expect((await other.pop()).type).toBe('after-the-end');
  });

  it('recreates a consumer group that disappeared (NOGROUP): nothing in the stream is lost', async () => {
    const prefix = uniquePrefix();
    const owner = { channelId: randomUUID(), listenerId: randomUUID() };
    const queue = factory({ prefix }).create(owner);
    await queue.push(new Message('a'));
    await queue.push(new Message('b'));
    expect(server.cli('XGROUP', 'DESTROY', `${prefix}{${owner.channelId}}:queue:${owner.listenerId}`, 'eric-sse')).toBe('1');
    expect((await queue.popMany(5)).map((m) => m.type)).toEqual(['a', 'b']);
  });

  it('an entry that is not an eric-sse message becomes an internal-error message, and the queue goes on', async () => {
    const prefix = uniquePrefix();
    const owner = { channelId: randomUUID(), listenerId: randomUUID() };
    const queue = factory({ prefix }).create(owner);
    await queue.push(new Message('first'));
    server.cli('XADD', `${prefix}{${owner.channelId}}:queue:${owner.listenerId}`, '*', 'm', 'not json');
    await queue.push(new Message('last'));
    const [first, bad, last] = await queue.popMany(3);
    expect(first!.type).toBe('first');
    expect(bad!.type).toBe(MESSAGE_TYPE_INTERNAL_ERROR);
    expect(bad!.payload).toMatchObject({ name: 'InvalidMessageFormat', raw: 'not json' });
    expect(last!.type).toBe('last');
    await queue.ack([first!, bad!, last!]);
    expect(await queue.size()).toBe(0);
  });

  it('processQueue acknowledges in batches, not one round trip per message', { timeout: 60_000 }, async () => {
    const prefix = uniquePrefix();
    const channel = new DataProcessingChannel({ id: randomUUID(), maxWorkers: 4, queuesFactory: factory({ prefix }) });
    const listener = new MessageQueueListener();
    await channel.registerListener(listener);
    const total = 2000;
    await Promise.all(Array.from({ length: total }, (_, i) => channel.dispatch(listener.id, new Message('n', i))));
    await channel.notifyEnd();
    const xackCalls = (): number => Number(/cmdstat_xack:calls=(\d+)/.exec(server.cli('INFO', 'commandstats'))?.[1] ?? 0);
    const before = xackCalls();
    let count = 0;
    for await (const _event of channel.processQueue(listener)) count += 1;
    const calls = xackCalls() - before;
    console.log(`ack batching: ${count} messages acknowledged in ${calls} XACK calls`);
    expect(count).toBe(total);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(total / 2);
    expect(server.cli('XLEN', `${prefix}{${channel.id}}:queue:${listener.id}`)).toBe('0');
    await channel.close();
  });

  it('close() ends a waiting consumer and later operations reject with RepositoryError', async () => {
    const made = factory({ prefix: uniquePrefix() });
    const queue = made.create({ channelId: randomUUID(), listenerId: randomUUID() });
    await queue.push(new Message('warm-up'));
    await queue.pop();
    const waiting = queue.popOrWait(new AbortController().signal);
    await sleep(50); // let it block
    await made.close();
    await expect(waiting).rejects.toBeInstanceOf(RepositoryError);
    await expect(queue.push(new Message('late'))).rejects.toBeInstanceOf(RepositoryError);
  });
});
