// The jobs routes refuse bad input with a 400 naming it, answer 404 for unknown jobs, cap
// workers at the service's maximum, list handlers and jobs; createService checks handlers.
import { describe, expect, it } from 'vitest';
import { createService } from 'eric-sse';
import { fixture } from './processing-helpers.js';
import { readJob, startJobService } from './jobs-helpers.js';

describe('jobs routes: validation and listing', () => {
  it('GET /handlers lists the registered names, in order', async () => {
    const { getJson } = await startJobService();
    expect(await getJson('/handlers')).toEqual(['rows', 'slow']);
  });

  it('bad JSON bodies: 400 naming the problem', async () => {
    const { post } = await startJobService();
    const cases: Array<[unknown, RegExp]> = [
      [{ handler: 'nope', rows: [1] }, /^handler: no handler named "nope"; registered: rows, slow$/],
      [{ handler: 'rows', rows: [1], workers: 1.5 }, /^body\/workers must be a positive integer, got 1\.5 \(number\)$/],
      [{ handler: 'rows', rows: [1], workers: '2' }, /^body\/workers must be a positive integer, got "2" \(string\)$/],
      [{ handler: 'rows', rows: [1], workers: 0 }, /^body\/workers must be a positive integer, got 0 \(number\)$/],
      [{ handler: 'rows', rows: [1], ordered: 'yes' }, /^body\/ordered must be a boolean, got "yes" \(string\)$/],
      [{ handler: 'rows' }, /^body must have required property 'rows'$/],
      [{ handler: 'rows', rows: { a: 1 } }, /^body\/rows must be an array, got an object$/],
      [{ rows: [] }, /^body must have required property 'handler'$/],
      [{ handler: 5, rows: [] }, /^body\/handler must be a string, got 5 \(number\)$/],
      [[1, 2], /^body must be a JSON object .*got an array$/],
    ];
    for (const [body, message] of cases) {
      const response = await post(body);
      const text = await response.text();
      expect(response.status, text).toBe(400);
      expect((JSON.parse(text) as { message: string }).message).toMatch(message);
    }
  });

  it('unknown jobs: 404 on every job route, before any stream starts', async () => {
    const { base } = await startJobService();
    for (const [method, path] of [
      ['GET', '/jobs/nope'],
      ['GET', '/jobs/nope/stream'],
      ['DELETE', '/jobs/nope'],
    ] as const) {
      const response = await fetch(base + path, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await response.json()) as { message: string }).message).toMatch(/^No job with id "nope"/);
    }
  });

  it('workers are capped by maxWorkers; no workers means maxWorkers; GET /jobs lists jobs with their counts', async () => {
    const { base, submit, getJson } = await startJobService({ jobs: { maxWorkers: 2 } });
    const capped = await submit({ handler: 'rows', rows: [{ n: 1 }], workers: 64 });
    const unset = await submit({ handler: 'rows', rows: [{ n: 2 }, { n: 3 }], ordered: true });
    await readJob(`${base}/jobs/${capped}/stream`).finished;
    await readJob(`${base}/jobs/${unset}/stream`).finished;
    const list = await getJson<Array<Record<string, unknown>>>('/jobs');
    expect(list).toEqual([
      expect.objectContaining({ id: capped, handler: 'rows', state: 'completed', workers: 2, ordered: false, done: 1, failed: 0, total: 1 }),
      expect.objectContaining({ id: unset, handler: 'rows', state: 'completed', workers: 2, ordered: true, done: 2, failed: 0, total: 2 }),
    ]);
    expect(list[0]).toEqual(expect.objectContaining({ createdAt: expect.any(String), endedAt: expect.any(String), elapsedMs: expect.any(Number) }));
  });

  it('finished jobs are forgotten beyond maxFinishedJobs, oldest first', async () => {
    const { base, submit } = await startJobService({ jobs: { maxFinishedJobs: 1 } });
    const first = await submit({ handler: 'rows', rows: [{ n: 1 }] });
    await readJob(`${base}/jobs/${first}/stream`).finished;
    const second = await submit({ handler: 'rows', rows: [{ n: 1 }] });
    await readJob(`${base}/jobs/${second}/stream`).finished;
    // `end` is written before the job's slot is given up: wait for the store to catch up.
    while ((await fetch(`${base}/jobs/${first}`)).status !== 404) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await fetch(`${base}/jobs/${second}`)).status).toBe(200);
  });

  it('a job body over the jobs body limit: 413', async () => {
    const { post } = await startJobService({ jobs: { bodyLimit: 1000 } });
    const response = await post({ handler: 'rows', rows: Array.from({ length: 500 }, (_, n) => n) });
    expect(response.status).toBe(413);
  });

  it('createService refuses bad handlers and job settings, naming them', () => {
    expect(() => createService({ logLevel: 'silent', handlers: { rows: './no/such/module.js' } })).toThrow(/handler "rows": no module at ".*no\/such\/module\.js"/);
    expect(() => createService({ logLevel: 'silent', handlers: { 'a b': fixture('row-handler.js').href } })).toThrow(/handler name "a b" must be/);
    expect(() => createService({ logLevel: 'silent', handlers: { rows: `${fixture('row-handler.js').href}#not-a-name` } })).toThrow(/"not-a-name" is not an export name/);
    expect(() => createService({ logLevel: 'silent', jobs: { maxWorkers: 0 } })).toThrow(/jobs\.maxWorkers must be an integer >= 1, got 0 \(number\)/);
  });
});
