import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { InMemoryMessageQueueFactory, Message, SSEChannel, type Queue } from 'eric-sse';

describe('streamDelaySeconds', () => {
  it('spaces deliveries: the next message stays queued for at least the delay', async () => {
    // Only lower bounds: a slow machine can only make the gaps longer.
    const queues: Queue[] = [];
    const factory = new InMemoryMessageQueueFactory();
    const channel = new SSEChannel({
      streamDelaySeconds: 0.05,
      queuesFactory: { create: (owner) => { const q = factory.create(owner); queues.push(q); return q; } },
    });
    const listener = channel.addListener();
    listener.startSync();
    for (const n of [1, 2, 3]) await channel.dispatch(listener.id, new Message('n', n));
    const stream = channel.messageStream(listener);
    const times: number[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const result = await stream.next();
      times.push(performance.now());
      sizes.push(await queues[0]!.size!());
      expect(result.value).toMatchObject({ data: i + 1 });
    }
    expect(sizes).toEqual([2, 1, 0]);
    // setTimeout may fire up to about 1 ms early against performance.now().
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(48);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(48);
    listener.stopSync();
  });

  it('does not delay the first delivery', async () => {
    // With a delay of an hour, the first message still arrives (the test would time out otherwise).
    const channel = new SSEChannel({ streamDelaySeconds: 3600 });
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, new Message('now'));
    expect((await channel.messageStream(listener).next()).value).toMatchObject({ event: 'now' });
    listener.stopSync();
  });

  it('ends promptly when the listener stops during the delay, leaving the next message queued', async () => {
    const channel = new SSEChannel({ streamDelaySeconds: 3600 });
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, new Message('one'));
    await channel.dispatch(listener.id, new Message('two'));
    const stream = channel.messageStream(listener);
    expect((await stream.next()).value).toMatchObject({ event: 'one' });
    const next = stream.next(); // now sleeping for an hour
    await new Promise((resolve) => setImmediate(resolve));
    listener.stopSync();
    expect(await next).toEqual({ done: true, value: undefined });
    listener.startSync();
    expect((await channel.deliverNext(listener.id)).type).toBe('two');
  });
});
