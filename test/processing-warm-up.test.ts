import { BroadcastChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { DataProcessingChannel, Message, MessageQueueListener, WorkerListener } from 'eric-sse';
import { closedAfterTest, collect, fixture, workerSetup } from './processing-helpers.js';

describe('warmUp', () => {
  it('starts every thread and loads the handler in each, before any message', async () => {
    const announced = new Set<number>();
    const announcements = new BroadcastChannel('eric-sse-test-announce');
    const allFour = new Promise<void>((resolve) => {
      announcements.onmessage = (event) => {
        announced.add((event as unknown as { data: number }).data);
        if (announced.size === 4) resolve();
      };
    });
    try {
      const { channel, listener } = workerSetup('announce-handler.js', { maxWorkers: 4 });
      await channel.warmUp(listener);
      await allFour; // each of the 4 threads imported the module (bounded by the test timeout)
      expect(announced.size).toBe(4);
      // And the listener processes as usual afterwards.
      await channel.dispatch(listener.id, new Message('m', 1));
      const events = await collect(channel.processQueue(listener, { until: 'empty' }));
      expect(events).toHaveLength(1);
      expect(announced.has((events[0]!.data as { threadId: number }).threadId)).toBe(true);
    } finally {
      announcements.close();
    }
  });

  it('rejects naming the module when it cannot be loaded', async () => {
    const { channel, listener } = workerSetup('not-loadable-handler.js');
    await expect(channel.warmUp(listener)).rejects.toThrow(/not-loadable-handler\.js/);
  });

  it('close() ends a warm-up waiting on a module that never finishes loading', async () => {
    const channel = new DataProcessingChannel({ maxWorkers: 1, closeTimeoutMs: 0 });
    const listener = new WorkerListener(fixture('never-loads-handler.js'));
    channel.registerListener(listener);
    const warming = expect(channel.warmUp(listener)).rejects.toThrow(/never-loads-handler\.js/);
    await channel.close();
    await warming;
  });

  it('needs a WorkerListener and an open channel', async () => {
    const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 1 }));
    await expect(channel.warmUp(new MessageQueueListener() as never)).rejects.toThrow(
      /warmUp expects a WorkerListener \(main-thread listeners need no warm-up\), got an object \(MessageQueueListener\)/,
    );
    await channel.close();
    await expect(channel.warmUp(new WorkerListener(fixture('echo-handler.js')))).rejects.toThrow(/closed/);
  });
});
