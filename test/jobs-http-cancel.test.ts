// DELETE /jobs/J cancels: no further rows start, the stream ends with `end` saying cancelled,
// and the job's state says so.
import { describe, expect, it } from 'vitest';
import { dataOf, readJob, startJobService } from './jobs-helpers.js';

describe('cancelling a job', () => {
  it('DELETE /jobs/J: rows not started are skipped, the stream ends with end {cancelled: true}', async () => {
    const { base, submit, getJson } = await startJobService();
    const rows = Array.from({ length: 5000 }, (_, n) => ({ n, ms: 5 }));
    const id = await submit({ handler: 'slow', rows, workers: 1 });
    const reader = readJob(`${base}/jobs/${id}/stream`);
    await reader.log.until((log) => log.events.some((e) => e.type === 'result'));
    const response = await fetch(`${base}/jobs/${id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    const status = (await response.json()) as { state: string; done: number };
    expect(status.state).toBe('cancelled');
    expect(status.done).toBeLessThan(5000);
    const events = await reader.finished;
    const end = dataOf<{ cancelled: boolean; done: number }>(events, 'end');
    expect(end).toEqual([expect.objectContaining({ cancelled: true, done: status.done })]);
    expect(dataOf(events, 'result').length).toBeLessThanOrEqual(status.done);
    expect(await getJson(`/jobs/${id}`)).toMatchObject({ state: 'cancelled', done: status.done });
    expect((await getJson<Array<{ id: string; state: string }>>('/jobs')).find((j) => j.id === id)?.state).toBe('cancelled');
  });

  it('DELETE of a finished job answers its status unchanged; of an unknown job, 404', async () => {
    const { base, submit } = await startJobService();
    const id = await submit({ handler: 'rows', rows: [{ n: 3 }] });
    await readJob(`${base}/jobs/${id}/stream`).finished;
    const response = await fetch(`${base}/jobs/${id}`, { method: 'DELETE' });
    expect(await response.json()).toMatchObject({ state: 'completed', done: 1 });
    const unknown = await fetch(`${base}/jobs/nope`, { method: 'DELETE' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: expect.stringContaining('No job with id "nope"') });
  });

  it('closing the service cancels running jobs; their streams get end {cancelled: true}', async () => {
    const { app, base, submit } = await startJobService();
    const id = await submit({ handler: 'slow', rows: Array.from({ length: 5000 }, (_, n) => ({ n, ms: 5 })), workers: 1 });
    const reader = readJob(`${base}/jobs/${id}/stream`);
    await reader.log.until((log) => log.events.some((e) => e.type === 'result'));
    await app.close();
    const events = await reader.finished;
    expect(dataOf(events, 'end')).toEqual([expect.objectContaining({ cancelled: true })]);
  });
});
