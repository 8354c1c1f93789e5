import { describe, expect, it } from 'vitest';
import {
  DataProcessingChannel,
  InMemoryMessageQueueFactory,
  InMemoryQueue,
  Message,
  QueueFullException,
  WorkerListener,
  type Queue,
  type QueueOwner,
} from 'eric-sse';
import { closedAfterTest, fixture } from './processing-helpers.js';

/** A bounded in-memory factory that keeps the queues it creates, so a test can watch their size. */
class WatchedFactory extends InMemoryMessageQueueFactory {
  readonly queues: InMemoryQueue[] = [];

  override create(owner?: QueueOwner): Queue {
    const queue = super.create(owner) as InMemoryQueue;
    this.queues.push(queue);
    return queue;
  }
}

function setup(capacity: number, whenFull: 'wait' | 'reject') {
  const factory = new WatchedFactory({ capacity, whenFull });
  const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 2, queuesFactory: factory }));
  const listener = new WorkerListener(fixture('echo-handler.js'));
  channel.registerListener(listener);
  return { channel, listener, queue: factory.queues[0]! };
}

describe('processQueue with a bounded queue', () => {
  it('a fast producer waits for room while processQueue consumes: every row comes out once, the queue never exceeds its capacity', async () => {
    const capacity = 64;
    const rows = 5_000;
    const { channel, listener, queue } = setup(capacity, 'wait');
    let largest = 0;
    const producer = (async () => {
      for (let i = 0; i < rows; i += 1) {
        await channel.dispatch(listener.id, new Message('row', i));
        largest = Math.max(largest, await queue.size());
      }
      await channel.notifyEnd();
    })();
    const seen = new Set<number>();
    for await (const { data } of channel.processQueue(listener)) seen.add(data as number);
    await producer;
    expect(seen.size).toBe(rows);
    expect(largest).toBeLessThanOrEqual(capacity);
  });

  it("with whenFull: 'reject', a producer that retries after QueueFullException loses nothing", async () => {
    const { channel, listener } = setup(16, 'reject');
    const rows = 1_000;
    let refused = 0;
    const producer = (async () => {
      for (let i = 0; i < rows; i += 1) {
        for (;;) {
          try {
            await channel.dispatch(listener.id, new Message('row', i));
            break;
          } catch (error) {
            if (!(error instanceof QueueFullException)) throw error;
            refused += 1;
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      }
      for (;;) {
        try {
          await channel.notifyEnd();
          break;
        } catch (error) {
          if (!(error instanceof QueueFullException)) throw error;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    })();
    const results: number[] = [];
    for await (const { data } of channel.processQueue(listener, { ordered: true })) results.push(data as number);
    await producer;
    expect(results).toEqual(Array.from({ length: rows }, (_, i) => i));
    expect(refused).toBeGreaterThan(0); // the producer did outrun the consumer
  });

  it('messages a run hands back on break go back even past the capacity: nothing accepted is lost', async () => {
    const { channel, listener, queue } = setup(8, 'wait');
    for (let i = 0; i < 8; i += 1) await channel.dispatch(listener.id, new Message('row', i));
    // Fills whatever room the first run makes, then waits for the second run.
    const refill = (async () => {
      for (let i = 8; i < 16; i += 1) await channel.dispatch(listener.id, new Message('row', i));
      await channel.notifyEnd();
    })();
    const first: number[] = [];
    for await (const { data } of channel.processQueue(listener, { ordered: true })) {
      first.push(data as number);
      break;
    }
    const rest: number[] = [];
    for await (const { data } of channel.processQueue(listener, { ordered: true })) rest.push(data as number);
    await refill;
    expect([...first, ...rest].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(await queue.size()).toBe(0);
  });
});
