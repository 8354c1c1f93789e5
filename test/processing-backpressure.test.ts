import { describe, expect, it } from 'vitest';
import {
  AbstractMessageQueueFactory,
  DataProcessingChannel,
  InMemoryQueue,
  Message,
  WorkerListener,
  type MessageContract,
  type Queue,
} from 'eric-sse';
import { fixture } from './processing-helpers.js';

/** An in-memory queue that counts what was popped. */
class CountingQueue extends InMemoryQueue {
  popped = 0;

  override async pop(): Promise<MessageContract> {
    const msg = await super.pop();
    this.popped += 1;
    return msg;
  }

  override async popOrWait(signal: AbortSignal): Promise<MessageContract> {
    const msg = await super.popOrWait(signal);
    this.popped += 1;
    return msg;
  }

  override async popMany(max: number): Promise<MessageContract[]> {
    const taken = await super.popMany(max);
    this.popped += taken.length;
    return taken;
  }
}

class CountingFactory extends AbstractMessageQueueFactory {
  last: CountingQueue | undefined;

  create(): Queue {
    this.last = new CountingQueue();
    return this.last;
  }
}

const total = 20_000;

async function setup(): Promise<{ channel: DataProcessingChannel; listener: WorkerListener; queue: CountingQueue }> {
  const factory = new CountingFactory();
  const channel = new DataProcessingChannel({ maxWorkers: 2, queuesFactory: factory });
  const listener = new WorkerListener(fixture('echo-handler.js'));
  channel.registerListener(listener);
  for (let i = 0; i < total; i += 1) await channel.dispatch(listener.id, new Message('n', i));
  return { channel, listener, queue: factory.last! };
}

describe('processQueue is bounded', () => {
  it('pops only a bounded number of messages ahead of a slow consumer', async () => {
    const { channel, listener, queue } = await setup();
    let consumed = 0;
    let maxAhead = 0;
    for await (const _event of channel.processQueue(listener)) {
      consumed += 1;
      maxAhead = Math.max(maxAhead, queue.popped - consumed);
      // A slow consumer: give the engine many turns of the event loop per item.
      for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
      if (consumed === 3000) break;
    }
    // 4 short tasks per thread x 2 threads x 256 messages per task, twice: the high-water mark.
    expect(maxAhead).toBeLessThanOrEqual(4096);
    expect(queue.popped).toBeLessThan(total);
    await channel.close();
  });

  it('stops popping on break: popped-but-unyielded and unpopped messages stay queued, in order, for a later run', async () => {
    const { channel, listener, queue } = await setup();
    const first: number[] = [];
    for await (const event of channel.processQueue(listener, { ordered: true })) {
      first.push(event.data as number);
      if (first.length === 500) break;
    }
    expect(first).toEqual(Array.from({ length: 500 }, (_, i) => i));
    const poppedAtBreak = queue.popped;
    expect(poppedAtBreak).toBeLessThan(total);
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(queue.popped).toBe(poppedAtBreak);
    const later: number[] = [];
    for await (const event of channel.processQueue(listener, { ordered: true, until: 'empty' })) later.push(event.data as number);
    // Messages popped but not yielded went back to the head of the queue: nothing is lost,
    // and the next run starts right after the last yielded one, in order.
    expect(later).toEqual(Array.from({ length: total - 500 }, (_, i) => 500 + i));
    await channel.close();
  });

  it('stops popping when the signal aborts, rejecting with its reason', async () => {
    const { channel, listener, queue } = await setup();
    const controller = new AbortController();
    const reason = new Error('enough');
    let seen = 0;
    await expect(
      (async () => {
        for await (const _event of channel.processQueue(listener, { signal: controller.signal })) {
          seen += 1;
          if (seen === 100) controller.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    const poppedAtAbort = queue.popped;
    expect(poppedAtAbort).toBeLessThan(total);
    // Let in-flight tasks finish: nothing more is popped.
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(queue.popped).toBe(poppedAtAbort);
    expect(await queue.size()).toBeGreaterThan(0);
    // Every message not yielded before the abort is still there for a later run.
    const later = new Set<number>();
    for await (const event of channel.processQueue(listener, { until: 'empty' })) later.add(event.data as number);
    expect(later.size + seen).toBe(total);
    await channel.close();
  });

  it('close() hands popped-but-unyielded messages back to the queue', async () => {
    const { channel, listener } = await setup();
    const seen: number[] = [];
    for await (const event of channel.processQueue(listener, { ordered: true })) {
      seen.push(event.data as number);
      if (seen.length === 10) await channel.close();
    }
    await listener.start();
    const next = await channel.deliverNext(listener.id);
    expect(next.payload).toBe(seen.length);
  });
});
