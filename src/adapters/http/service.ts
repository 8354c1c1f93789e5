/**
 * The eric-sse HTTP service: eric-api's REST routes over channels, resumable event streams,
 * processing jobs, health and metrics, bearer-token protection, CORS on request, pino
 * logging, graceful shutdown. A Fastify 5
 * instance, so that later features (processing jobs, a page, other containers) are route
 * plugins registered beside these.
 */
import os from 'node:os';
import type { Duplex } from 'node:stream';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { describeValue } from '../../engine/validation.js';
import { bearerAuth } from './auth.js';
import { ChannelRegistry } from './channel-registry.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { JobHandlers, type JobHandlerLocation } from './jobs/job-handlers.js';
import { checkJobSetting, JobStore, type JobSettings } from './jobs/job-store.js';
import { OpenStreams } from './open-streams.js';
import { ericApiRoutes } from './routes/eric-api.js';
import { jobRoutes } from './routes/jobs.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { streamRoutes } from './routes/stream.js';
import { uiRoutes } from './routes/ui.js';
import { isServiceChannels, type ServiceChannels } from './service-channels.js';
import type { ServiceContext, StreamSettings } from './service-context.js';

/** A pino level, or `silent`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Options of {@link createService}. */
export interface ServiceOptions {
  /**
   * The channels served: a `ChannelRegistry` (in this process; a new, empty one by default)
   * or a `RedisChannelRegistry` (in Redis: shared by service processes, kept across
   * restarts). The service closes it once it has closed.
   */
  channels?: ServiceChannels;
  /**
   * When set, every request must carry `Authorization: Bearer <token>` (streams may pass
   * `?token=<token>` instead, for browsers' `EventSource`); others get 401.
   */
  token?: string | undefined;
  /** Origins allowed to call the service from a browser (CORS); none by default (CORS off). */
  cors?: string | string[] | undefined;
  /**
   * Largest request body accepted, in bytes; a larger one gets 413.
   * @default 1048576 (1 MiB)
   */
  bodyLimit?: number;
  /**
   * Log level (pino, to stdout): `info` writes a line per request and per stream.
   * @default 'info'
   */
  logLevel?: LogLevel;
  /** Event-stream settings; each has its default (see {@link StreamSettings}). */
  stream?: Partial<StreamSettings>;
  /**
   * The handlers processing jobs may run, by name (`GET /handlers` lists them): a module path
   * (relative to the working directory) or `file:` URL, optionally with `#exportName`.
   * @example { square: './handlers.js#square', resize: new URL('./resize.js', import.meta.url) }
   */
  handlers?: Record<string, JobHandlerLocation>;
  /** Processing-job settings; each has its default (see {@link JobSettings}). */
  jobs?: Partial<JobSettings>;
  /**
   * Serve the live page at `/ui/` (its static files need no token; its API calls do).
   * @default true
   */
  page?: boolean;
}

const kDefaultStreamSettings: Readonly<StreamSettings> = {
  retryMs: 3000,
  heartbeatMs: 15_000,
  maxBlockedMs: 30_000,
  historySize: 1000,
};
const kDefaultBodyLimit = 1024 * 1024;
const kLogLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function checkCount(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return value;
}

const kJobSettingMinimums: Readonly<Record<keyof JobSettings, number>> = {
  historySize: 1,
  keepFinishedMs: 0,
  maxFinishedJobs: 0,
  maxWorkers: 1,
  bodyLimit: 1,
  maxRunningJobs: 1,
};

function jobSettingsOf(jobs: Partial<JobSettings> = {}): JobSettings {
  const settings: JobSettings = {
    historySize: 100_000,
    keepFinishedMs: 15 * 60_000,
    maxFinishedJobs: 20,
    maxWorkers: os.availableParallelism(),
    bodyLimit: 64 * 1024 * 1024,
    maxRunningJobs: 16,
  };
  for (const key of Object.keys(settings) as Array<keyof JobSettings>) {
    if (jobs[key] !== undefined) settings[key] = checkJobSetting(key, jobs[key], kJobSettingMinimums[key]);
  }
  return settings;
}

function streamSettingsOf(stream: Partial<StreamSettings> = {}): StreamSettings {
  const settings = { ...kDefaultStreamSettings };
  for (const key of Object.keys(settings) as Array<keyof StreamSettings>) {
    if (stream[key] !== undefined) settings[key] = checkCount(`stream.${key}`, stream[key], key === 'historySize' ? 1 : 0);
  }
  return settings;
}

/** The request's URL without secrets, for logs. */
function redactedUrl(url: string): string {
  return url.replace(/([?&]token=)[^&]*/g, '$1[redacted]');
}

/**
 * Creates the service (not listening yet): call `listen({ host, port })` on it, and `close()`
 * to stop it gracefully (open streams get the `MESSAGE_TYPE_CLOSED` event and end; queues keep
 * everything not delivered). More routes can be registered before it listens; they find the
 * shared state in `app.eric`.
 *
 * @example
 * const app = createService({ token: process.env.ERIC_SSE_TOKEN });
 * await app.listen({ host: '127.0.0.1', port: 8000 });
 */
export function createService(options: ServiceOptions = {}): FastifyInstance {
  const { channels = new ChannelRegistry(), token, cors: origins, logLevel = 'info' } = options;
  const bodyLimit = checkCount('bodyLimit', options.bodyLimit ?? kDefaultBodyLimit, 1);
  const streamSettings = streamSettingsOf(options.stream);
  const jobs = new JobStore(jobSettingsOf(options.jobs));
  const handlers = new JobHandlers(options.handlers);
  if (!kLogLevels.includes(logLevel)) {
    throw new TypeError(`logLevel must be one of ${kLogLevels.join(', ')}, got ${describeValue(logLevel)}`);
  }
  if (token !== undefined && (typeof token !== 'string' || token.length === 0)) {
    throw new TypeError(`token must be a non-empty string, got ${describeValue(token)}`);
  }
  if (!isServiceChannels(channels)) {
    throw new TypeError(`channels must be a ChannelRegistry or a RedisChannelRegistry (ServiceChannels), got ${describeValue(channels)}`);
  }

  const app = Fastify({
    logger: { level: logLevel },
    logController: new LogController({ disableRequestLogging: true }), // one line per request, written below
    bodyLimit,
    // Types as sent: a message type 42 is refused, not turned into "42".
    ajv: { customOptions: { coerceTypes: false } },
  });
  const closing = new AbortController();
  const streams = new OpenStreams(streamSettings.historySize);
  const context: ServiceContext = { channels, streams, streamSettings, closing: closing.signal, handlers, jobs };
  app.decorate('eric', context);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: redactedUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  // CORS before authentication, so that a refused request still carries CORS headers.
  // A list, so that only a listed Origin is echoed back (a lone string would be sent to anyone).
  if (origins !== undefined) void app.register(cors, { origin: typeof origins === 'string' ? [origins] : origins });
  if (token !== undefined) void app.register(bearerAuth, { token });
  void app.register(ericApiRoutes);
  void app.register(streamRoutes);
  void app.register(jobRoutes);
  void app.register(monitoringRoutes);
  if (options.page !== false) void app.register(uiRoutes);
  // Node hands CONNECT (and Upgrade) requests to these events, not to Fastify; without a
  // listener it would drop the connection silently. Answer them: the service tunnels nothing.
  const refusal = JSON.stringify({ message: 'CONNECT and Upgrade requests are not served here' });
  const refuse = (_request: unknown, socket: Duplex): void => {
    socket.on('error', () => undefined);
    socket.end(
      'HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(refusal)}\r\n\r\n${refusal}`,
    );
  };
  app.server.on('connect', refuse);
  app.server.on('upgrade', refuse);
  app.addHook('preClose', async () => {
    closing.abort();
    await streams.closeAll();
  });
  // Once the streams have ended (and handed back what they took): a Redis registry's
  // connections are needed until then.
  app.addHook('onClose', async () => {
    await channels.close();
  });
  return app;
}
