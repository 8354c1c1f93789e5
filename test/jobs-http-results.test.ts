// A job's results over HTTP, read by a real EventSource: every row once with its index and
// result, in row order with `ordered`; failed rows as error events while the job goes on;
// progress events; one `end`; a late reader still gets everything from the start.
import { describe, expect, it } from 'vitest';
import { dataOf, readJob, startJobService } from './jobs-helpers.js';

interface Result {
  index: number;
  data: unknown;
}

describe('job results over HTTP', () => {
  it.each([false, true])('10,000 rows (ordered: %s): every result once and correct, progress, one end', async (ordered) => {
    const { base, submit, getJson } = await startJobService();
    const rows = Array.from({ length: 10_000 }, (_, n) => ({ n }));
    const id = await submit({ handler: 'rows', rows, ordered, workers: 2 });
    const events = await readJob(`${base}/jobs/${id}/stream`).finished;
    const results = dataOf<Result>(events, 'result');
    expect(results).toHaveLength(10_000);
    const indexes = results.map((r) => r.index);
    if (ordered) expect(indexes).toEqual(rows.map((_, i) => i));
    else expect(new Set(indexes).size).toBe(10_000);
    for (const { index, data } of results) expect(data).toBe(index * index);
    const progress = dataOf<{ done: number; failed: number; total: number; rowsPerSecond: number }>(events, 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: 10_000, failed: 0, total: 10_000 });
    expect(events.at(-1)?.type).toBe('end');
    expect(dataOf(events, 'end')).toEqual([{ done: 10_000, failed: 0, cancelled: false, elapsedMs: expect.any(Number) }]);
    // Ids grow one by one: the stream is the job's log, nothing skipped.
    const sequences = events.map((e) => Number(e.id.split('-')[1]));
    expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    expect(await getJson(`/jobs/${id}`)).toMatchObject({ id, handler: 'rows', state: 'completed', done: 10_000, failed: 0, total: 10_000, ordered });
  });

  it('a handler that throws for some rows: one error event each, with index, name and message; the others succeed', async () => {
    const { base, submit, getJson } = await startJobService();
    const rows = Array.from({ length: 500 }, (_, n) => ({ n, fail: n % 50 === 7 }));
    const id = await submit({ handler: 'rows', rows, ordered: true });
    const events = await readJob(`${base}/jobs/${id}/stream`).finished;
    const errors = dataOf<{ index: number; name: string; message: string }>(events, '_eric_error');
    expect(errors.map((e) => e.index)).toEqual(Array.from({ length: 10 }, (_, k) => k * 50 + 7));
    expect(errors[0]).toEqual({ index: 7, name: 'RangeError', message: 'row 7 asked to fail' });
    expect(dataOf<Result>(events, 'result')).toHaveLength(490);
    expect(dataOf(events, 'end')[0]).toMatchObject({ done: 500, failed: 10, cancelled: false });
    expect(await getJson(`/jobs/${id}`)).toMatchObject({ state: 'completed', done: 500, failed: 10 });
  });

  it('a late reader (after the job ended) gets every event from the start; another reader at the same time too', async () => {
    const { base, submit, getJson } = await startJobService();
    const id = await submit({ handler: 'rows', rows: Array.from({ length: 2000 }, (_, n) => ({ n })) });
    const first = await readJob(`${base}/jobs/${id}/stream`).finished;
    expect((await getJson<{ state: string }>(`/jobs/${id}`)).state).toBe('completed');
    const [late, other] = await Promise.all([readJob(`${base}/jobs/${id}/stream`).finished, readJob(`${base}/jobs/${id}/stream`).finished]);
    expect(late).toEqual(first);
    expect(other).toEqual(first);
    expect(dataOf(late, 'result')).toHaveLength(2000);
  });

  it('a late reader beyond the history gets the events-lost notice, then the rest to the end', async () => {
    const { base, submit } = await startJobService({ jobs: { historySize: 50 } });
    const id = await submit({ handler: 'rows', rows: Array.from({ length: 300 }, (_, n) => ({ n })), ordered: true });
    await readJob(`${base}/jobs/${id}/stream`).finished.catch(() => undefined);
    const late = await readJob(`${base}/jobs/${id}/stream`).finished;
    expect(late[0]?.type).toBe('_eric_events_lost');
    expect(JSON.parse(late[0]!.data)).toMatchObject({ reason: 'expired', lost: expect.any(Number) });
    expect(late).toHaveLength(51);
    expect(late.at(-1)?.type).toBe('end');
  });

  it('an EventSource that reconnects after the end gets 204 and stops', async () => {
    const { base, submit } = await startJobService();
    const id = await submit({ handler: 'rows', rows: [{ n: 1 }] });
    const events = await readJob(`${base}/jobs/${id}/stream`).finished;
    const response = await fetch(`${base}/jobs/${id}/stream`, { headers: { 'last-event-id': events.at(-1)!.id } });
    expect(response.status).toBe(204);
  });
});
