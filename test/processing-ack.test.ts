import { describe, expect, it } from 'vitest';
import { DataProcessingChannel, Message, MESSAGE_TYPE_CLOSED, RepositoryError, WorkerListener } from 'eric-sse';
import { AckingFactory } from './ack-helpers.js';
import { closedAfterTest, fixture } from './processing-helpers.js';

async function setup(count: number) {
  const factory = new AckingFactory();
  const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 2, queuesFactory: factory }));
  const listener = new WorkerListener(fixture('echo-handler.js'));
  channel.registerListener(listener);
  for (let i = 0; i < count; i += 1) await channel.dispatch(listener.id, new Message('n', i));
  return { channel, listener, queue: factory.last! };
}

describe('processQueue acknowledges what it yields (Queue.ack)', () => {
  it('acknowledges every message once, in the order yielded', async () => {
    const { channel, listener, queue } = await setup(3000);
    await channel.notifyEnd();
    const yielded: unknown[] = [];
    for await (const event of channel.processQueue(listener)) yielded.push(event.data);
    expect(yielded).toHaveLength(3000);
    // Every data message acknowledged once, in yield order, then the closed message that ended the run.
    expect(queue.acked.slice(0, -1).map((m) => m.payload)).toEqual(yielded);
    expect(queue.acked.at(-1)?.type).toBe(MESSAGE_TYPE_CLOSED);
    expect(queue.inFlight.size).toBe(0);
  });

  it('on break: yielded messages are acknowledged, the others handed back unacknowledged', async () => {
    const { channel, listener, queue } = await setup(3000);
    let seen = 0;
    for await (const _event of channel.processQueue(listener, { ordered: true })) {
      seen += 1;
      if (seen === 700) break;
    }
    expect(queue.acked.map((m) => m.payload)).toEqual(Array.from({ length: 700 }, (_, i) => i));
    expect(queue.inFlight.size).toBe(0);
    expect(await queue.size()).toBe(2300);
  });

  it('a failing ack fails the run', async () => {
    const { channel, listener, queue } = await setup(10);
    await channel.notifyEnd();
    queue.failWith = new RepositoryError('ack lost');
    await expect(
      (async () => {
        for await (const _event of channel.processQueue(listener)) {
          // consume
        }
      })(),
    ).rejects.toThrow('ack lost');
  });
});
