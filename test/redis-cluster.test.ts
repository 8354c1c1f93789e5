// Redis Cluster: competing consumer processes on a 3-master cluster; keys of one channel
// share a hash tag, so the scripts that touch several of them run in one slot.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message, MessageQueueListener, RedisQueueFactory, SSEChannel } from 'eric-sse';
import { redisAvailable, startConsumer, startRedisCluster, uniquePrefix, until, type RedisServer } from './redis-helpers.js';

describe.skipIf(!redisAvailable)('Redis Cluster', () => {
  let nodes: RedisServer[];
  const factories: RedisQueueFactory[] = [];
  beforeAll(async () => {
    nodes = await startRedisCluster(3);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(factories.map((factory) => factory.close()));
  });

  it('competing consumer processes split a queue; broadcast reaches every listener', { timeout: 90_000 }, async () => {
    const prefix = uniquePrefix();
    const urls = nodes.map((node) => node.url);
    const factory = new RedisQueueFactory({ nodes: urls, prefix });
    factories.push(factory);
    // Three channels: their hash tags spread them over the masters.
    const channels = [0, 1, 2].map(() => new SSEChannel({ id: randomUUID(), queuesFactory: factory }));
    const total = 2000;
    for (const channel of channels) {
      const worker = new MessageQueueListener({ id: 'workers' });
      const audit = new MessageQueueListener({ id: 'audit' });
      await channel.registerListener(worker);
      await channel.registerListener(audit);
      audit.startSync();
      await channel.broadcast(new Message('hello'));
      expect((await channel.deliverNext(audit.id)).type).toBe('hello');
      await channel.removeListener(audit.id);
      worker.startSync();
      expect((await channel.deliverNext(worker.id)).type).toBe('hello');
    }

    const channel = channels[0]!;
    const consumers = [0, 1].map((i) =>
      startConsumer({ url: urls.join(','), prefix, channelId: channel.id, listenerId: 'workers', visibilityTimeoutMs: 2000, consumerName: `c${i}` }),
    );
    await Promise.all(consumers.map((consumer) => consumer.ready));
    for (let i = 0; i < total; i += 250) {
      await Promise.all(Array.from({ length: 250 }, (_, j) => channel.dispatch('workers', new Message('n', i + j))));
    }
    const seen = (): Set<string> => new Set(consumers.flatMap((consumer) => consumer.processed));
    await until(() => seen().size >= total, `all ${total} messages to be processed`);
    const all = consumers.flatMap((consumer) => consumer.processed);
    console.log(`cluster test: sent ${total}, processed ${seen().size} distinct, ${all.length} in all (per consumer ${consumers.map((c) => c.processed.length).join('/')})`);
    expect(seen().size).toBe(total);
    expect(all.length).toBe(total); // nobody died: each message processed exactly once
    for (const consumer of consumers) {
      consumer.child.kill('SIGTERM');
      await consumer.exited;
    }
  });
});
