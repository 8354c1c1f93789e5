// GET /health, GET /stats and GET /metrics (Prometheus text, one registry per service).
import { describe, expect, it } from 'vitest';
import { readJob, startJobService } from './jobs-helpers.js';

/** The value of one sample line of Prometheus text, e.g. `eric_sse_jobs{state="completed"}`. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('health, stats and metrics', () => {
  it('GET /health answers ok, without a token even when the service has one', async () => {
    const { base } = await startJobService({ token: 'secret' });
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/stats`)).status).toBe(401);
  });

  it('GET /stats and GET /metrics: rows processed and failed, jobs by state, queued messages per channel, stream clients', async () => {
    const { base, submit, getJson, createChannel, subscribe, dispatch } = await startJobService({ jobs: { maxWorkers: 2 } });
    const id = await submit({ handler: 'rows', rows: Array.from({ length: 100 }, (_, n) => ({ n, fail: n % 10 === 0 })) });
    await readJob(`${base}/jobs/${id}/stream`).finished;
    const channel = await createChannel('metered');
    const listener = await subscribe(channel);
    await dispatch(channel, listener, 'one', 1);
    await dispatch(channel, listener, 'two', 2);
    const open = readJob(`${base}/jobs/${await submit({ handler: 'slow', rows: Array.from({ length: 2000 }, (_, n) => ({ n, ms: 5 })), workers: 1 })}/stream`);
    await open.log.until((log) => log.events.some((e) => e.type === 'result'));

    const stats = await getJson<Record<string, unknown>>('/stats');
    expect(stats).toMatchObject({
      maxWorkers: 2,
      handlers: ['rows', 'slow'],
      streams: { listeners: 0, jobs: 1 },
      queuedMessages: { metered: 2 },
      jobs: { running: 1, completed: 1, cancelled: 0, failed: 0 },
      workerThreads: { total: 1 },
    });
    expect((stats.rows as { processed: number }).processed).toBeGreaterThanOrEqual(101);
    expect((stats.rows as { failed: number }).failed).toBe(10);

    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sample(text, 'eric_sse_job_rows_failed_total')).toBe(10);
    expect(sample(text, 'eric_sse_job_rows_processed_total')).toBeGreaterThanOrEqual(101);
    expect(sample(text, 'eric_sse_jobs{state="completed"}')).toBe(1);
    expect(sample(text, 'eric_sse_jobs{state="running"}')).toBe(1);
    expect(sample(text, 'eric_sse_queued_messages{channel="metered"}')).toBe(2);
    expect(sample(text, 'eric_sse_stream_clients{kind="job"}')).toBe(1);
    expect(sample(text, 'eric_sse_stream_clients{kind="listener"}')).toBe(0);
    expect(sample(text, 'eric_sse_worker_threads')).toBe(1);
    expect(sample(text, 'eric_sse_worker_threads_busy')).toBeLessThanOrEqual(1);
    expect(sample(text, 'eric_sse_job_rows_per_second')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('# HELP process_cpu_user_seconds_total');
  });
});
