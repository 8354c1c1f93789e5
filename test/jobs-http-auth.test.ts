// Jobs on a service with a bearer token: every jobs route needs it; the stream also takes
// ?token= (browsers' EventSource cannot send headers).
import { describe, expect, it } from 'vitest';
import { dataOf, readJob, startJobService } from './jobs-helpers.js';

describe('jobs with a bearer token', () => {
  it('401 without the token on every jobs route; with it, a job runs and its stream takes ?token=', async () => {
    const { base, submit } = await startJobService({ token: 'sesame' });
    for (const [method, path] of [
      ['GET', '/handlers'],
      ['POST', '/jobs'],
      ['GET', '/jobs'],
      ['GET', '/jobs/x'],
      ['GET', '/jobs/x/stream'],
      ['DELETE', '/jobs/x'],
    ] as const) {
      expect((await fetch(base + path, { method })).status, `${method} ${path}`).toBe(401);
    }
    const id = await submit({ handler: 'rows', rows: [{ n: 4 }] });
    expect((await fetch(`${base}/jobs/${id}/stream`)).status).toBe(401);
    const events = await readJob(`${base}/jobs/${id}/stream?token=sesame`).finished;
    expect(dataOf(events, 'result')).toEqual([{ index: 0, data: 16 }]);
    expect((await fetch(`${base}/jobs/${id}?token=sesame`)).status).toBe(401); // the query token is for streams only
  });
});
