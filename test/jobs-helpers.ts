// Shared helpers of the jobs-over-HTTP tests: a service with the fixture handlers, job
// submission, and an EventSource reader that collects a job's stream until its `end` event.
import { EventSource } from 'eventsource';
import { expect } from 'vitest';
import type { ServiceOptions } from 'eric-sse';
import { EventLog, onCleanup, startService } from './http-helpers.js';
import { fixture } from './processing-helpers.js';

/** The handlers every jobs test service registers. */
export const kHandlers = {
  rows: fixture('row-handler.js').href, // squares row.n; throws for { fail: true }
  slow: fixture('slow-row-handler.js').href, // waits row.ms, returns row.n
};

/** A listening service with the fixture handlers (see {@link kHandlers}), closed after the test. */
export async function startJobService(options: ServiceOptions = {}) {
  const service = await startService({ handlers: kHandlers, ...options });
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  /** POST /jobs with a JSON body; the raw answer. */
  const post = (body: unknown) =>
    fetch(`${service.base}/jobs`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** POST /jobs, expecting 202; the job id. */
  const submit = async (body: unknown): Promise<string> => {
    const response = await post(body);
    const text = await response.text();
    expect(response.status, text).toBe(202);
    return (JSON.parse(text) as { job_id: string }).job_id;
  };
  /** GET a JSON route, expecting 200. */
  const getJson = async <T = unknown>(path: string): Promise<T> => {
    const response = await fetch(service.base + path, { headers });
    const text = await response.text();
    expect(response.status, `GET ${path}: ${text}`).toBe(200);
    return JSON.parse(text) as T;
  };
  return { ...service, post, submit, getJson };
}

/** The event types of a job's stream. */
export const kJobEventTypes = ['result', '_eric_error', 'progress', 'end', '_eric_events_lost'];

/** Reads a job's stream with a real EventSource (closed after the test); `finished` resolves after `end`. */
export function readJob(url: string, init?: { lastEventId?: string }) {
  const source = new EventSource(url, init?.lastEventId === undefined ? {} : { fetch: (input, options) => fetch(input, { ...options, headers: { ...(options?.headers as Record<string, string>), 'last-event-id': init.lastEventId! } }) });
  onCleanup(() => source.close());
  const log = new EventLog(source, kJobEventTypes);
  const finished = log.until((l) => l.events.some((e) => e.type === 'end')).then(() => {
    source.close();
    return log.events;
  });
  return { source, log, finished };
}

/** Parsed data of the events of this type. */
export function dataOf<T>(events: Array<{ type: string; data: string }>, type: string): T[] {
  return events.filter((e) => e.type === type).map((e) => JSON.parse(e.data) as T);
}
