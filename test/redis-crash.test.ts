// At-least-once across processes: three competing consumer processes, one killed with
// SIGKILL mid-run; every message is processed, none lost (duplicates counted and reported).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message, MessageQueueListener, RedisQueueFactory, SSEChannel } from 'eric-sse';
import { redisAvailable, startConsumer, startRedis, uniquePrefix, until, type RedisServer } from './redis-helpers.js';

const kMessages = 10_000;

describe.skipIf(!redisAvailable)('Redis: a consumer killed mid-run loses nothing', () => {
  let server: RedisServer;
  const factories: RedisQueueFactory[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(factories.map((factory) => factory.close()));
  });

  it(`${kMessages} messages, 3 consumer processes, one SIGKILLed: 0 lost`, { timeout: 120_000 }, async () => {
    const prefix = uniquePrefix();
    const channelId = randomUUID();
    const listenerId = randomUUID();
    const visibilityTimeoutMs = 1000;
    const consumers = [0, 1, 2].map((i) =>
      startConsumer({ url: server.url, prefix, channelId, listenerId, visibilityTimeoutMs, consumerName: `consumer-${i}` }),
    );
    await Promise.all(consumers.map((consumer) => consumer.ready));

    const factory = new RedisQueueFactory({ url: server.url, prefix });
    factories.push(factory);
    const producer = new SSEChannel({ id: channelId, queuesFactory: factory });
    await producer.registerListener(new MessageQueueListener({ id: listenerId }));
    for (let i = 0; i < kMessages; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => producer.dispatch(listenerId, new Message('n', i + j))));
    }

    const victim = consumers[0]!;
    const seen = (): Set<string> => new Set(consumers.flatMap((consumer) => consumer.processed));
    // Mid-run: once it has done some work (or, should the others outrun it, half of all is done).
    await until(() => victim.processed.length >= 300 || seen().size >= kMessages / 2, 'the run to be under way');
    victim.child.kill('SIGKILL');
    await victim.exited;
    const seenAtKill = seen().size;
    expect(seenAtKill).toBeLessThan(kMessages);

    await until(() => seen().size >= kMessages, `all ${kMessages} messages to be processed`, 90_000);

    const all = consumers.flatMap((consumer) => consumer.processed);
    const distinct = seen();
    const lost = Array.from({ length: kMessages }, (_, i) => String(i)).filter((n) => !distinct.has(n));
    const duplicates = all.length - distinct.size;
    console.log(
      `crash test: sent ${kMessages}, processed ${distinct.size} distinct (${all.length} in all; per consumer ` +
        `${consumers.map((c) => c.processed.length).join('/')}, the first SIGKILLed when ${seenAtKill} were done), duplicates ${duplicates}, lost ${lost.length}`,
    );
    expect(lost).toEqual([]);
    expect(distinct.size).toBe(kMessages);
    // Only the victim's unacknowledged messages may run twice: a bounded number.
    expect(duplicates).toBeLessThan(1000);
    for (const consumer of consumers.slice(1)) {
      consumer.child.kill('SIGTERM');
      await consumer.exited;
    }
  });
});
