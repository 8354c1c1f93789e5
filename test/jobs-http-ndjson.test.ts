// POST /jobs with an application/x-ndjson body: rows read as they come (paced by processing,
// never the whole upload in memory), a malformed line is an error event for that line and the
// job goes on, options in the query string.
import { once } from 'node:events';
import http from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { dataOf, readJob, startJobService } from './jobs-helpers.js';

/** POST /jobs with an NDJSON body (a string, or a stream sent as it is produced). */
function postNdjson(base: string, query: string, body: string | Readable, signal?: AbortSignal) {
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers: { 'content-type': 'application/x-ndjson' } };
  if (typeof body === 'string') init.body = body;
  else {
    init.body = Readable.toWeb(body) as ReadableStream;
    init.duplex = 'half';
  }
  if (signal) init.signal = signal;
  return fetch(`${base}/jobs?${query}`, init);
}

describe('NDJSON uploads', () => {
  it('rows line by line; a malformed line is an error event for its row (with its line number) and the job goes on', async () => {
    const { base } = await startJobService();
    const lines = Array.from({ length: 1000 }, (_, n) => JSON.stringify({ n }));
    lines[10] = '{"n": 10,';
    lines[500] = 'not json';
    const text = `${lines.slice(0, 300).join('\n')}\n\n${lines.slice(300).join('\r\n')}\n`; // a blank line is skipped; CRLF too
    const response = await postNdjson(base, 'handler=rows&ordered=true&workers=2', text);
    expect(response.status).toBe(202);
    const { job_id: id } = (await response.json()) as { job_id: string };
    expect(response.headers.get('location')).toBe(`/jobs/${id}`);
    const events = await readJob(`${base}/jobs/${id}/stream`).finished;
    const errors = dataOf<{ index: number; name: string; message: string }>(events, '_eric_error');
    expect(errors.map((e) => e.index)).toEqual([10, 500]);
    expect(errors[0]!.message).toMatch(/^Line 11 is not valid JSON/);
    expect(errors[1]!.message).toMatch(/^Line 502 is not valid JSON/);
    const results = dataOf<{ index: number; data: number }>(events, 'result');
    expect(results.map((r) => r.index)).toEqual(lines.map((_, i) => i).filter((i) => i !== 10 && i !== 500));
    for (const { index, data } of results) expect(data).toBe(index * index);
    expect(dataOf(events, 'end')[0]).toMatchObject({ done: 1000, failed: 2, cancelled: false });
  });

  it('reading the upload is paced by processing; a cancelled job lets the rest of the upload drain and the response end', async () => {
    const { base, getJson } = await startJobService();
    const total = 100_000;
    let produced = 0;
    const pad = 'x'.repeat(200);
    const body = new Readable({
      read() {
        if (produced === total) this.push(null);
        else this.push(`${JSON.stringify({ n: produced++, ms: 5, pad })}\n`);
      },
    });
    const response = await postNdjson(base, 'handler=slow&workers=1', body);
    expect(response.status).toBe(202);
    const id = response.headers.get('location')!.split('/')[2]!;
    const answer = response.text(); // ends once the upload has been read
    await readJob(`${base}/jobs/${id}/stream`).log.until((log) => log.events.filter((e) => e.type === 'result').length >= 50);
    // 50 rows done of 100,000 (20 MB): the service has read at most a bounded window ahead
    // (maxPendingRows plus socket and stream buffers), not the upload.
    expect(produced).toBeLessThan(total / 2);
    expect((await fetch(`${base}/jobs/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(JSON.parse(await answer)).toEqual({ job_id: id });
    expect(produced).toBe(total);
    expect(await getJson(`/jobs/${id}`)).toMatchObject({ state: 'cancelled' });
  });

  it('a client that goes away mid-upload: the job fails saying the upload was cut off; the rows read before it ran', async () => {
    const { base, port, getJson } = await startJobService();
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/jobs?handler=slow&workers=1', headers: { 'content-type': 'application/x-ndjson' } });
    request.on('error', () => undefined); // destroyed below
    const answered = once(request, 'response') as Promise<[http.IncomingMessage]>;
    for (let n = 0; n < 200; n += 1) request.write(`${JSON.stringify({ n, ms: 1 })}\n`);
    const [response] = await answered;
    const id = response.headers.location!.split('/')[2]!;
    const reader = readJob(`${base}/jobs/${id}/stream`);
    await reader.log.until((log) => log.events.some((e) => e.type === 'result'));
    request.destroy(); // mid-upload: no end of the body ever comes
    const events = await reader.finished;
    expect(dataOf(events, 'end')[0]).toMatchObject({ error: expect.stringMatching(/cut off/), cancelled: false });
    expect(dataOf(events, 'result').length).toBeGreaterThan(0);
    expect(await getJson(`/jobs/${id}`)).toMatchObject({ state: 'failed', error: expect.stringMatching(/cut off/) });
  });

  it('options in the query: an unknown handler, a non-integer workers, a bad ordered: 400 naming it', async () => {
    const { base } = await startJobService();
    const cases: Array<[string, RegExp]> = [
      ['handler=nope', /^handler: no handler named "nope"; registered: rows, slow$/],
      ['workers=2', /querystring must have required property 'handler'/],
      ['handler=rows&workers=1.5', /^querystring\/workers must be a positive integer, got "1\.5" \(string\)$/],
      ['handler=rows&workers=0', /^querystring\/workers must be a positive integer, got "0" \(string\)$/],
      ['handler=rows&ordered=maybe', /^querystring\/ordered must be true or false, got "maybe" \(string\)$/],
    ];
    for (const [query, message] of cases) {
      const response = await postNdjson(base, query, '1\n2\n');
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { message: string }).message, query).toMatch(message);
    }
  });
});
