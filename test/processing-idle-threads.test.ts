import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DataProcessingChannel, Message } from 'eric-sse';
import { workerSetup } from './processing-helpers.js';

/** Processes one message through the (single) thread and returns its result: the ticks so far. */
async function ticksNow(channel: DataProcessingChannel, listenerId: string, listener: Parameters<DataProcessingChannel['processQueue']>[0]): Promise<number> {
  await channel.dispatch(listenerId, new Message('tick'));
  const results: unknown[] = [];
  for await (const event of channel.processQueue(listener, { until: 'empty' })) results.push(event.data);
  expect(results).toHaveLength(1);
  return results[0] as number;
}

describe('idleThreads', () => {
  it.each([
    ['by default', {}],
    ["with 'run'", { idleThreads: 'run' as const }],
  ])("%s an idle thread's event loop keeps turning: a handler module's timer ticks between batches", async (_name, option) => {
    const { channel, listener } = workerSetup('ticking-handler.js', { maxWorkers: 1, ...option });
    const before = await ticksNow(channel, listener.id, listener);
    await sleep(200); // the thread has no batch meanwhile
    const after = await ticksNow(channel, listener.id, listener);
    // About 40 ticks in 200 ms; a loaded machine delays timers, so ask for far fewer.
    expect(after - before).toBeGreaterThanOrEqual(5);
  });

  it("'sleep' blocks an idle thread: the handler module's timer does not tick between batches", async () => {
    const { channel, listener } = workerSetup('ticking-handler.js', { maxWorkers: 1, idleThreads: 'sleep' });
    const before = await ticksNow(channel, listener.id, listener);
    await sleep(200);
    const after = await ticksNow(channel, listener.id, listener);
    // At most a tick or two around each batch, never the ~40 of a turning loop.
    expect(after - before).toBeLessThan(5);
  });

  it('rejects values other than sleep and run', () => {
    expect(() => new DataProcessingChannel({ maxWorkers: 1, idleThreads: 'spin' as never })).toThrow(/idleThreads must be 'sleep' or 'run'/);
  });
});
