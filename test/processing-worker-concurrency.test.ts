import { describe, expect, it } from 'vitest';
import { DataProcessingChannel, Message, WorkerListener } from 'eric-sse';
import { closedAfterTest, collect, fixture } from './processing-helpers.js';

async function peakOverlap(concurrency: number | undefined): Promise<{ ids: number[]; peak: number }> {
  const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 1 }));
  const listener = new WorkerListener(fixture('overlap-handler.js'), concurrency === undefined ? {} : { concurrency });
  channel.registerListener(listener);
  for (let i = 0; i < 200; i += 1) await channel.dispatch(listener.id, new Message('io', i));
  await channel.notifyEnd();
  const events = await collect(channel.processQueue(listener, { ordered: true }));
  const data = events.map((event) => event.data as { id: number; peak: number });
  return { ids: data.map((d) => d.id), peak: Math.max(...data.map((d) => d.peak)) };
}

describe('WorkerListener concurrency: async handlers overlap inside a thread', () => {
  it('runs one message at a time per thread by default', async () => {
    const { ids, peak } = await peakOverlap(undefined);
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(peak).toBe(1);
  });

  it('overlaps up to `concurrency` calls in one thread, results still complete and in order', async () => {
    const { ids, peak } = await peakOverlap(8);
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(8);
  });

  it.each([[0], [1.5], [-1], ['4']])('rejects concurrency %j with a RangeError', (concurrency) => {
    expect(() => new WorkerListener(fixture('echo-handler.js'), { concurrency: concurrency as number })).toThrow(
      /"concurrency" must be a positive integer/,
    );
  });
});
