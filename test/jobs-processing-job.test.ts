import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ndjsonRows, ProcessingJob, type JobEvent } from 'eric-sse';
import { fixture } from './processing-helpers.js';

function runJob(rows: AsyncIterable<unknown> | Iterable<unknown>, options: { workers?: number; ordered?: boolean; total?: number; maxPendingRows?: number } = {}) {
  const events: JobEvent[] = [];
  const job = new ProcessingJob(rows, { handler: fixture('row-handler.js'), workers: 2, ...options, onEvent: (e) => events.push(e) });
  return { job, events, done: job.run() };
}

describe('ProcessingJob', () => {
  it.each([false, true])('10,000 rows (ordered: %s): every result once, with its index; progress; one end', async (ordered) => {
    const rows = Array.from({ length: 10_000 }, (_, n) => ({ n }));
    const { job, events, done } = runJob(rows, { ordered, total: rows.length });
    const summary = await done;
    expect(summary).toMatchObject({ done: 10_000, failed: 0, cancelled: false });
    const results = events.filter((e) => e.event === 'result').map((e) => e.data as { index: number; data: number });
    expect(results).toHaveLength(10_000);
    const indexes = results.map((r) => r.index);
    if (ordered) expect(indexes).toEqual(rows.map((_, i) => i));
    else expect([...indexes].sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
    for (const { index, data } of results) expect(data).toBe(index * index);
    expect(events.at(-1)).toEqual({ event: 'end', data: summary });
    expect(events.filter((e) => e.event === 'end')).toHaveLength(1);
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data as { done: number; total: number });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: 10_000, total: 10_000 });
    expect(job.state).toBe('completed');
  });

  it('a row whose handler throws is an error event with its index; the job goes on', async () => {
    const rows = Array.from({ length: 100 }, (_, n) => ({ n, fail: n % 10 === 3 }));
    const { events, done } = runJob(rows, { ordered: true });
    expect(await done).toMatchObject({ done: 100, failed: 10 });
    const errors = events.filter((e) => e.event === '_eric_error').map((e) => e.data);
    expect(errors).toHaveLength(10);
    expect(errors[0]).toEqual({ index: 3, name: 'RangeError', message: 'row 3 asked to fail' });
  });

  it('NDJSON input: a malformed line is an error event for that line, in row order, and the job goes on', async () => {
    const text = ['{"n":1}', '{"n":2', '', '{"n":3}', 'nope', '{"n":4}'].join('\n');
    const { events, done } = runJob(ndjsonRows(Readable.from([text])), { ordered: true });
    expect(await done).toMatchObject({ done: 5, failed: 2 });
    const rowEvents = events.filter((e) => e.event !== 'progress' && e.event !== 'end');
    expect(rowEvents.map((e) => [(e.data as { index: number }).index, e.event])).toEqual([
      [0, 'result'],
      [1, '_eric_error'],
      [2, 'result'],
      [3, '_eric_error'],
      [4, 'result'],
    ]);
    expect((rowEvents[1]!.data as { message: string }).message).toMatch(/^Line 2 is not valid JSON/);
    expect((rowEvents[3]!.data as { message: string }).message).toMatch(/^Line 5 is not valid JSON/);
  });

  it('cancel(): no further rows start and the job ends cancelled, also while the input waits', async () => {
    async function* endless() {
      for (let n = 0; ; n += 1) {
        if (n === 50) await new Promise(() => {}); // an input that stops sending
        yield { n };
      }
    }
    const { job, events, done } = runJob(endless());
    while (!events.some((e) => e.event === 'result')) await sleep(5);
    job.cancel();
    const summary = await done;
    expect(summary.cancelled).toBe(true);
    expect(job.state).toBe('cancelled');
    expect(summary.done).toBeLessThanOrEqual(50);
    expect(events.at(-1)?.event).toBe('end');
  });

  it('reads the input only maxPendingRows ahead of processing', async () => {
    let read = 0;
    let maxAhead = 0;
    const counts = { done: 0 };
    function* rows() {
      for (let n = 0; n < 5000; n += 1) {
        read += 1;
        maxAhead = Math.max(maxAhead, read - counts.done);
        yield { n };
      }
    }
    const job = new ProcessingJob(rows(), {
      handler: fixture('row-handler.js'),
      workers: 1,
      maxPendingRows: 100,
      onEvent: () => (counts.done = job.counts.done),
    });
    expect(await job.run()).toMatchObject({ done: 5000 });
    expect(maxAhead).toBeLessThanOrEqual(101);
  });

  it('a handler module that cannot be loaded fails the job, saying why', async () => {
    const events: JobEvent[] = [];
    const job = new ProcessingJob([1, 2], { handler: fixture('not-loadable-handler.js'), workers: 1, onEvent: (e) => events.push(e) });
    const summary = await job.run();
    expect(job.state).toBe('failed');
    expect(summary.error).toMatch(/not-loadable-handler\.js/);
    expect(events.at(-1)?.event).toBe('end');
  });

  it('refuses bad options by name', () => {
    expect(() => new ProcessingJob([], { handler: fixture('row-handler.js'), workers: '2' as never, onEvent: () => undefined })).toThrow(
      /workers.*"2" \(string\)/,
    );
    expect(() => new ProcessingJob(5 as never, { handler: fixture('row-handler.js'), workers: 1, onEvent: () => undefined })).toThrow(/iterable/);
  });
});
