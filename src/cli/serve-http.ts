/** `eric-sse serve --http [HOST:]PORT`: the HTTP service (eric-api routes, resumable streams, jobs). */
import { parseHandlerSpec } from '../adapters/http/jobs/job-handlers.js';
import { createService, type LogLevel, type ServiceOptions } from '../adapters/http/service.js';
import { parseCount, stringFlag, UsageError, type FlagValues, type Output } from './usage.js';

/** Where the service listens by default: this machine only. */
export const kDefaultHost = '127.0.0.1';
/** The default port, eric-api's. */
export const kDefaultPort = 8000;

/** The HTTP transport's settings, as parsed from the command line. */
export interface HttpCommand {
  host: string;
  port: number;
  options: ServiceOptions;
}

const kLogLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `PORT`, `HOST:PORT` or `[IPv6]:PORT`; an empty value means the default address. */
export function parseAddress(text: string): { host: string; port: number } {
  if (text === '') return { host: kDefaultHost, port: kDefaultPort };
  const match = /^(?:(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) {
    throw new UsageError(`--http expects [HOST:]PORT such as 8000 or 0.0.0.0:8000, got ${JSON.stringify(text)}`);
  }
  const host = match[1]?.replace(/^\[|\]$/g, '') ?? kDefaultHost;
  return { host, port };
}

/** The HTTP transport's settings from parsed flags (and `ERIC_SSE_TOKEN` from the environment). */
export function httpCommand(address: string, values: FlagValues, env: NodeJS.ProcessEnv): HttpCommand {
  const { host, port } = parseAddress(address);
  const options: ServiceOptions = {};
  // An empty ERIC_SSE_TOKEN counts as unset; an empty --token is a mistake.
  const token = stringFlag(values, 'token') ?? (env.ERIC_SSE_TOKEN || undefined);
  if (token !== undefined) {
    if (token === '') throw new UsageError('--token must not be empty');
    options.token = token;
  }
  const cors = values.cors as string[] | undefined;
  if (cors && cors.length > 0) options.cors = cors.length === 1 ? cors[0] : cors;
  const logLevel = stringFlag(values, 'log-level');
  if (logLevel !== undefined) {
    if (!kLogLevels.includes(logLevel)) {
      throw new UsageError(`--log-level expects one of ${kLogLevels.join(', ')}, got ${JSON.stringify(logLevel)}`);
    }
    options.logLevel = logLevel as LogLevel;
  }
  const bodyLimit = parseCount('--body-limit', stringFlag(values, 'body-limit'));
  if (bodyLimit !== undefined) {
    if (bodyLimit < 1) throw new UsageError('--body-limit must be at least 1 byte');
    options.bodyLimit = bodyLimit;
  }
  const stream: NonNullable<ServiceOptions['stream']> = {};
  const flags = {
    'retry-ms': 'retryMs',
    'heartbeat-ms': 'heartbeatMs',
    'max-blocked-ms': 'maxBlockedMs',
    'history-size': 'historySize',
  } as const;
  for (const [flag, key] of Object.entries(flags)) {
    const value = parseCount(`--${flag}`, stringFlag(values, flag));
    if (value !== undefined) stream[key] = value;
  }
  if (stream.historySize === 0) throw new UsageError('--history-size must be at least 1');
  options.stream = stream;
  const handlers: Record<string, string> = {};
  for (const spec of (values.handler as string[] | undefined) ?? []) {
    let parsed;
    try {
      parsed = parseHandlerSpec(spec);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (parsed.name in handlers) throw new UsageError(`--handler ${JSON.stringify(parsed.name)} is given twice`);
    handlers[parsed.name] = parsed.location;
  }
  options.handlers = handlers;
  const jobs: NonNullable<ServiceOptions['jobs']> = {};
  const jobFlags = { 'max-workers': 'maxWorkers', 'job-history-size': 'historySize', 'job-body-limit': 'bodyLimit' } as const;
  for (const [flag, key] of Object.entries(jobFlags)) {
    const value = parseCount(`--${flag}`, stringFlag(values, flag));
    if (value === undefined) continue;
    if (value < 1) throw new UsageError(`--${flag} must be at least 1`);
    jobs[key] = value;
  }
  options.jobs = jobs;
  return { host, port, options };
}

/** Serves until SIGINT/SIGTERM, then closes gracefully; resolves with the exit code. */
export async function serveHttp({ host, port, options }: HttpCommand, output: Output): Promise<number> {
  let app;
  try {
    app = createService(options);
  } catch (error) {
    // A handler module that does not exist, a bad handler name: the operator's to fix.
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  try {
    await app.listen({ host, port });
  } catch (error) {
    output.err(`eric-sse: cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}\n`);
    await app.close();
    return 1;
  }
  const address = app.server.address();
  const where = typeof address === 'object' && address ? address : { address: host, port };
  const shown = where.address.includes(':') ? `[${where.address}]` : where.address;
  output.out(`eric-sse: serving on http://${shown}:${where.port}${options.token === undefined ? '' : ' (bearer token required)'}\n`);
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // Open streams get the closed message and end; queues keep what was not delivered.
      app.close().then(resolve, (error: unknown) => {
        output.err(`eric-sse: ${error instanceof Error ? error.message : String(error)}\n`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await stopped;
  output.out('eric-sse: stopped\n');
  return 0;
}
