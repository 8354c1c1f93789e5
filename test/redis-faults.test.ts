// Redis going away: a restart (AOF, appendfsync always) mid-run loses nothing; while it is
// down, dispatch and broadcast reject with RepositoryError in bounded time, and a waiting
// consumer resumes by itself when it returns.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Message, MessageQueueListener, RedisQueueFactory, RepositoryError, SSEChannel } from 'eric-sse';
import { redisAvailable, startConsumer, startRedis, uniquePrefix, until } from './redis-helpers.js';

describe.skipIf(!redisAvailable)('Redis faults', () => {
  const factories: RedisQueueFactory[] = [];
  afterEach(async () => {
    await Promise.all(factories.splice(0).map((factory) => factory.close()));
  });

  function factoryFor(url: string, prefix: string): RedisQueueFactory {
    const factory = new RedisQueueFactory({ url, prefix, operationTimeoutMs: 1000, visibilityTimeoutMs: 1000 });
    factories.push(factory);
    return factory;
  }

  it('a Redis restart (AOF, appendfsync always) mid-run loses nothing', { timeout: 90_000 }, async () => {
    const server = await startRedis({ aof: true });
    const prefix = uniquePrefix();
    const channelId = randomUUID();
    const listenerId = randomUUID();
    const producer = new SSEChannel({ id: channelId, queuesFactory: factoryFor(server.url, prefix) });
    await producer.registerListener(new MessageQueueListener({ id: listenerId }));
    const total = 5000;
    for (let i = 0; i < total; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => producer.dispatch(listenerId, new Message('n', i + j))));
    }
    const consumer = startConsumer({ url: server.url, prefix, channelId, listenerId, visibilityTimeoutMs: 1000, consumerName: 'c', delayMs: 2 });
    await consumer.ready;
    await until(() => consumer.processed.length >= 500, 'the consumer to process some messages');
    expect(consumer.processed.length).toBeLessThan(total); // mid-run
    await server.kill(); // abrupt: appendfsync always has every acknowledged write on disk
    await server.restart();
    await until(() => new Set(consumer.processed).size >= total, `all ${total} messages to be processed`).catch((error: unknown) => {
      const stream = `${prefix}{${channelId}}:queue:${listenerId}`;
      console.log(`restart test stuck: ${new Set(consumer.processed).size} processed; XLEN ${server.cli('XLEN', stream)}; ` +
        `XPENDING ${server.cli('XPENDING', stream, 'eric-sse').replace(/\n/g, ' ')}; XINFO ${server.cli('XINFO', 'GROUPS', stream).replace(/\n/g, ' ')}; stderr: ${consumer.stderr()}`);
      throw error;
    });
    const distinct = new Set(consumer.processed);
    const lost = Array.from({ length: total }, (_, i) => String(i)).filter((n) => !distinct.has(n));
    console.log(
      `restart test: sent ${total}, processed ${distinct.size} distinct (${consumer.processed.length} in all), ` +
        `duplicates ${consumer.processed.length - distinct.size}, lost ${lost.length}`,
    );
    expect(lost).toEqual([]);
    consumer.child.kill('SIGTERM');
    await consumer.exited;
  });

  it('while Redis is down, dispatch and broadcast reject with RepositoryError; a waiting stream resumes after', { timeout: 60_000 }, async () => {
    const server = await startRedis({ aof: true });
    const channel = new SSEChannel({ id: randomUUID(), queuesFactory: factoryFor(server.url, uniquePrefix()) });
    const listener = new MessageQueueListener();
    await channel.registerListener(listener);
    listener.startSync();
    await channel.dispatch(listener.id, new Message('before'));
    const stream = channel.messageStream(listener);
    expect((await stream.next()).value).toMatchObject({ event: 'before' });
    const waiting = stream.next(); // waits on the empty queue (blocking read)

    await server.stop();
    const dispatched = channel.dispatch(listener.id, new Message('lost?'));
    await expect(dispatched).rejects.toBeInstanceOf(RepositoryError);
    await expect(dispatched).rejects.toThrow(/Redis/);
    const broadcast = channel.broadcast(new Message('everyone'));
    await expect(broadcast).rejects.toBeInstanceOf(RepositoryError);
    expect((await broadcast.catch((error: unknown) => error)) instanceof AggregateError).toBe(false);

    await server.restart();
    // The waiting stream retries by itself; what is dispatched once Redis is back reaches it.
    let sent = false;
    for (let attempt = 0; !sent; attempt += 1) {
      try {
        await channel.dispatch(listener.id, new Message('after'));
        sent = true;
      } catch (error) {
        if (!(error instanceof RepositoryError) || attempt > 50) throw error;
      }
    }
    const resumed = (await waiting).value;
    expect(resumed).toBeDefined();
    // Accepted before the outage, or the broadcast/dispatch that raced the outage, then 'after'.
    const events = [resumed!.event];
    while (events.at(-1) !== 'after') events.push((await stream.next()).value!.event);
    expect(events.at(-1)).toBe('after');
    listener.stopSync();
    await stream.return();
  });

  it('a factory that cannot reach Redis rejects within its deadline', { timeout: 30_000 }, async () => {
    const server = await startRedis();
    const url = server.url;
    await server.stop(); // nothing listens on that port now
    const channel = new SSEChannel({ id: randomUUID(), queuesFactory: factoryFor(url, uniquePrefix()) });
    const listener = new MessageQueueListener();
    await expect(channel.registerListener(listener)).rejects.toBeInstanceOf(RepositoryError);
    const failure = await channel.dispatch(listener.id, new Message('x')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RepositoryError);
    expect((failure as Error).message).toMatch(/within 1000 ms|failed/);
  });
});
