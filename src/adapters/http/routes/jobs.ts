/**
 * Processing jobs over HTTP: `GET /handlers`, `POST /jobs` (JSON rows, or an NDJSON body
 * streamed row by row), `GET /jobs`, `GET /jobs/J`, `GET /jobs/J/stream` (a resumable
 * `text/event-stream` of the job's log) and `DELETE /jobs/J` (cancel).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidMessageFormat } from '../../../engine/errors.js';
import { ndjsonRows } from '../../../engine/jobs/rows.js';
import { describeValue } from '../../../engine/validation.js';
import { lastEventIdOf, writeEventStream } from '../event-stream.js';
import type { JobRequest, JobStore } from '../jobs/job-store.js';
import type { JobHandlers } from '../jobs/job-handlers.js';

/** The JSON body of `POST /jobs`. */
interface JobBody {
  handler: string;
  rows: unknown[];
  workers?: number;
  ordered?: boolean;
}

/** The query of `POST /jobs` with an NDJSON body (every value a string, as sent). */
interface JobQuery {
  handler?: string;
  workers?: string;
  ordered?: string;
  total?: string;
}

const kJobQuery = {
  type: 'object',
  properties: { handler: { type: 'string' }, workers: { type: 'string' }, ordered: { type: 'string' }, total: { type: 'string' } },
} as const;

const kJobParams = { type: 'object', properties: { jobId: { type: 'string' } } } as const;

const kNdjson = 'application/x-ndjson';

/** A positive whole number given as text (a query parameter); 400 naming `name` otherwise. */
function countParameter(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,14}$/.test(text)) throw new InvalidMessageFormat(`querystring/${name} must be a positive integer, got ${describeValue(text)}`);
  return Number(text);
}

/** `true`/`false` given as text; 400 naming `name` otherwise. */
function booleanParameter(name: string, text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new InvalidMessageFormat(`querystring/${name} must be true or false, got ${describeValue(text)}`);
}

/** The job's settings from a request's options; `workers` capped at the service's maximum. */
function jobRequest(handlers: JobHandlers, jobs: JobStore, options: { handler: string | undefined; workers: number | undefined; ordered: boolean | undefined; total?: number | undefined }): JobRequest {
  if (options.handler === undefined) throw new InvalidMessageFormat('querystring must have required property \'handler\'');
  const { maxWorkers } = jobs.settings;
  return {
    handler: handlers.get(options.handler),
    workers: Math.min(options.workers ?? maxWorkers, maxWorkers),
    ordered: options.ordered ?? false,
    total: options.total,
  };
}

/** `POST /jobs`: a JSON body with the rows, or an NDJSON body read as the job goes. */
function submitRoute(app: FastifyInstance): void {
  const { jobs, handlers } = app.eric;
  // The body stream itself, unread: the job reads it row by row, paced by processing, so
  // an upload of any size is held in memory only a bounded number of rows ahead.
  app.addContentTypeParser(kNdjson, (_request: FastifyRequest, payload: Readable, done: (error: Error | null, body?: unknown) => void) => done(null, payload));
  app.post<{ Body: JobBody | Readable; Querystring: JobQuery }>(
    '/jobs',
    { bodyLimit: jobs.settings.bodyLimit, schema: { querystring: kJobQuery } },
    async (request, reply) => {
      const isNdjson = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === kNdjson;
      if (isNdjson) return submitNdjson(request.body as Readable, request.query, reply);
      const body = validateJobBody(request.body);
      const job = jobRequest(handlers, jobs, { handler: body.handler, workers: body.workers, ordered: body.ordered, total: body.rows.length });
      const stored = jobs.start(body.rows, job);
      request.log.info({ jobId: stored.id, handler: stored.handler, workers: stored.job.workers }, 'job started');
      return reply.code(202).header('location', `/jobs/${stored.id}`).send({ job_id: stored.id });
    },
  );

  /** An NDJSON upload: the job reads the body as it comes; options in the query. */
  function submitNdjson(input: Readable, query: JobQuery, reply: FastifyReply): FastifyReply {
    const job = jobRequest(handlers, jobs, {
      handler: query.handler,
      workers: countParameter('workers', query.workers),
      ordered: booleanParameter('ordered', query.ordered),
      total: countParameter('total', query.total),
    });
    const upload = uploadStream(input);
    const stored = jobs.start(ndjsonRows(upload.rows), job);
    void stored.finished.then(() => upload.release());
    reply.log.info({ jobId: stored.id, handler: stored.handler, workers: stored.job.workers }, 'job started');
    // The answer is written at once (and `Location` names the job), but the response ends only
    // once the upload has been read: HTTP clients (fetch, node:http) stop sending a request
    // body once its response has completed.
    const answer = JSON.stringify({ job_id: stored.id });
    const uploaded = finished(input).catch(() => undefined);
    async function* body(): AsyncGenerator<string> {
      yield answer;
      await uploaded;
    }
    return reply
      .code(202)
      .header('location', `/jobs/${stored.id}`)
      .type('application/json; charset=utf-8')
      .send(Readable.from(body(), { objectMode: false }));
  }
}

/**
 * The request body as a stream for the job to read, through `pipe` (so that reading the
 * request stays paced by processing). It fails, naming why, when the client goes away
 * mid-upload; `release()` detaches it once the job has ended: the rest of an upload the job
 * did not read (cancelled, failed) is then read and dropped, so that the client's request
 * completes instead of stalling.
 */
function uploadStream(input: Readable): { rows: PassThrough; release(): void } {
  const rows = new PassThrough();
  let released = false;
  const cutOff = (error?: Error): void => {
    if (released || input.readableEnded) return;
    rows.destroy(new Error(`The upload was cut off before its end (${error?.message ?? 'the client went away'})`));
  };
  input.once('error', cutOff);
  input.once('close', () => cutOff());
  input.pipe(rows);
  return {
    rows,
    release() {
      released = true;
      input.unpipe(rows);
      rows.destroy();
      if (!input.readableEnded) input.resume();
    },
  };
}

/** Checks a JSON job body, naming the field that is wrong (no route schema: the route also takes NDJSON streams). */
function validateJobBody(body: unknown): JobBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidMessageFormat(`body must be a JSON object {"handler", "rows", "workers"?, "ordered"?} (or send ${kNdjson} rows with the options as query parameters), got ${describeValue(body)}`);
  }
  const { handler, rows, workers, ordered } = body as Record<string, unknown>;
  if (handler === undefined) throw new InvalidMessageFormat("body must have required property 'handler'");
  if (typeof handler !== 'string') throw new InvalidMessageFormat(`body/handler must be a string, got ${describeValue(handler)}`);
  if (rows === undefined) throw new InvalidMessageFormat("body must have required property 'rows'");
  if (!Array.isArray(rows)) throw new InvalidMessageFormat(`body/rows must be an array, got ${describeValue(rows)}`);
  if (workers !== undefined && (typeof workers !== 'number' || !Number.isSafeInteger(workers) || workers < 1)) {
    throw new InvalidMessageFormat(`body/workers must be a positive integer, got ${describeValue(workers)}`);
  }
  if (ordered !== undefined && typeof ordered !== 'boolean') throw new InvalidMessageFormat(`body/ordered must be a boolean, got ${describeValue(ordered)}`);
  return body as JobBody;
}

/** `GET /jobs/J/stream`: the job's log as a resumable event stream that ends after `end`. */
function streamRoute(app: FastifyInstance): void {
  const { jobs, streamSettings } = app.eric;
  const { historySize: _historySize, ...writerSettings } = streamSettings;
  app.get<{ Params: { jobId: string } }>(
    '/jobs/:jobId/stream',
    {
      exposeHeadRoute: false, // a HEAD would run the stream for nothing
      config: { tokenInQuery: true },
      schema: { params: kJobParams, querystring: { type: 'object', properties: { lastEventId: { type: 'string' }, token: { type: 'string' } } } },
    },
    async (request, reply) => {
      const stored = jobs.get(request.params.jobId); // 404 before anything starts
      const lastEventId = lastEventIdOf(request.raw);
      // A reader that has seen `end` (an EventSource reconnecting after the response ended)
      // gets 204, which tells EventSource to stop reconnecting.
      if (stored.job.state !== 'running' && lastEventId !== undefined && lastEventId === stored.history.lastId) {
        return reply.code(204).send();
      }
      const tracked = jobs.trackStream();
      try {
        reply.hijack();
        const result = await writeEventStream(request.raw, reply.raw, stored.events(lastEventId, tracked.signal), {
          ...writerSettings,
          signal: tracked.signal,
          headers: reply.getHeaders() as OutgoingHttpHeaders,
        });
        request.log[result.reason === 'failed' ? 'error' : 'info'](
          { jobId: stored.id, lastEventId, reason: result.reason, events: result.eventsWritten, err: result.error },
          'job stream ended',
        );
      } finally {
        tracked.end();
      }
    },
  );
}

/** The jobs routes, as one plugin (encapsulated: its NDJSON parser applies here only). */
export const jobRoutes: FastifyPluginAsync = async (app) => {
  const { jobs, handlers } = app.eric;

  app.get('/handlers', async () => handlers.names());
  submitRoute(app);
  app.get('/jobs', async () => jobs.list().map((stored) => stored.status()));
  app.get<{ Params: { jobId: string } }>('/jobs/:jobId', { schema: { params: kJobParams } }, async (request) => jobs.get(request.params.jobId).status());
  app.delete<{ Params: { jobId: string } }>('/jobs/:jobId', { schema: { params: kJobParams } }, async (request) => {
    const stored = jobs.get(request.params.jobId);
    stored.job.cancel();
    await stored.finished; // rows not started are skipped: this is quick
    return stored.status();
  });
  streamRoute(app);
  app.addHook('preClose', async () => {
    await jobs.close();
  });
};
