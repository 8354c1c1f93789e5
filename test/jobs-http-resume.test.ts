// Resuming a job's stream: a reader whose connection is destroyed mid-job comes back with
// Last-Event-ID (header or ?lastEventId=) and gets every later event exactly once.
import { describe, expect, it } from 'vitest';
import { openStream } from './http-helpers.js';
import { dataOf, readJob, startJobService } from './jobs-helpers.js';

describe('resuming a job stream', () => {
  it.each(['header', 'query'])('after the connection is destroyed mid-job, Last-Event-ID (%s) resumes: no loss, no duplicate', async (how) => {
    const { base, submit, getJson } = await startJobService();
    const rows = Array.from({ length: 600 }, (_, n) => ({ n, ms: 5 }));
    const id = await submit({ handler: 'slow', rows, workers: 2 });
    const first = await openStream(`${base}/jobs/${id}/stream`);
    await first.until(40);
    first.abort();
    await first.done;
    const seen = first.events();
    expect((await getJson<{ state: string }>(`/jobs/${id}`)).state).toBe('running');
    const lastId = seen.at(-1)!.id;
    const url = how === 'query' ? `${base}/jobs/${id}/stream?lastEventId=${encodeURIComponent(lastId)}` : `${base}/jobs/${id}/stream`;
    const rest = await readJob(url, how === 'header' ? { lastEventId: lastId } : undefined).finished;
    const all = [...seen.map((e) => ({ type: e.event, data: e.data, id: e.id })), ...rest];
    expect(all.some((e) => e.type === '_eric_events_lost')).toBe(false);
    const sequences = all.map((e) => Number(e.id.split('-')[1]));
    expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    const results = dataOf<{ index: number; data: number }>(all, 'result');
    expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
    for (const { index, data } of results) expect(data).toBe(index);
    expect(all.at(-1)?.type).toBe('end');
  });

  it('an unknown Last-Event-ID gets the events-lost notice first (its place in the log is unknown), then the stream ends with the job', async () => {
    const { base, submit } = await startJobService();
    const id = await submit({ handler: 'slow', rows: Array.from({ length: 40 }, (_, n) => ({ n, ms: 5 })), workers: 1 });
    const response = await fetch(`${base}/jobs/${id}/stream`, { headers: { 'last-event-id': 'nope' } });
    const text = await response.text();
    expect(text).toMatch(/^retry: 3000\n\nevent: _eric_events_lost\ndata: \{"reason":"unknown","lastEventId":"nope"\}\n\n/);
    expect(text).toMatch(/event: end\ndata: \{"done":40,[^\n]*\n\n$/);
  });
});
