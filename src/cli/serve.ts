/** `eric-sse serve`: over HTTP (`--http`) or a Unix socket (`--socket`). */
import os from 'node:os';
import { httpCommand, serveHttp } from './serve-http.js';
import { serveSocket, socketCommand } from './serve-socket.js';
import { parseFlags, UsageError, type Output } from './usage.js';

/** `eric-sse serve --help`. */
export const kServeUsage = `Usage: eric-sse serve --socket PATH [options]
       eric-sse serve --http [HOST:]PORT [options]

Serves eric-sse channels until SIGINT or SIGTERM, then stops gracefully.

Over HTTP (--http; HOST defaults to 127.0.0.1, a bare --http means 127.0.0.1:8000):
the REST routes of eric-api (GET /channels, PUT /create, POST /subscribe, POST /dispatch,
POST /broadcast, DELETE /listener/C/L, DELETE /channel/C, GET /) and GET /stream/C/L, a
text/event-stream that resumes with Last-Event-ID. On stop, open streams get the
_eric_channel_closed event and end; queued messages stay queued. A live page at /ui/
(GET / from a browser redirects there) runs jobs, compares worker counts and watches
channels; GET /health, GET /stats (JSON) and GET /metrics (Prometheus) report the service.
  --token TOKEN              require "Authorization: Bearer TOKEN" on every route (streams also
                             take ?token=TOKEN); default: the ERIC_SSE_TOKEN environment variable,
                             else no token
  --cors ORIGIN              allow browser requests from ORIGIN (repeatable); default: CORS off
  --log-level LEVEL          fatal, error, warn, info (a line per request; default), debug, trace, silent
  --body-limit N             largest request body, in bytes (default 1048576); larger gets 413
  --retry-ms N               reconnection time sent to clients, in ms (default 3000)
  --heartbeat-ms N           comment sent on idle streams after N ms; 0 = none (default 15000)
  --max-blocked-ms N         disconnect a client that stops reading for N ms; 0 = never (default 30000)
  --history-size N           events kept per listener for resuming clients (default 1000)
  --redis URL                keep channels, listeners and queued messages in Redis (redis:// or
                             rediss://): kept across restarts, shared by every service on it;
                             default: the REDIS_URL environment variable, else in memory

Processing jobs over HTTP (POST /jobs, GET /jobs/J/stream, ...; GET /handlers lists handlers):
  --handler NAME=MODULE[#EXPORT]
                             register a job handler: a module (path relative to the working
                             directory) run in worker threads, its default export or EXPORT
                             (repeatable); e.g. --handler cpu=examples/jobs/handlers.js#cpu
  --max-workers N            most worker threads one job may use; a job asking for more gets N
                             (default: os.availableParallelism(), here ${os.availableParallelism()})
  --max-running-jobs N       most jobs running at once; one more gets 429 (default 16)
  --job-history-size N       events kept per job for late and resuming readers (default 100000)
  --job-body-limit N         largest JSON body of POST /jobs, in bytes (default 67108864);
                             application/x-ndjson bodies are streamed and have no limit
Monitoring: GET /health (no token needed), GET /stats (JSON), GET /metrics (Prometheus).

Over a Unix domain socket (--socket), with the protocol of Python eric_sse
(one JSON command per connection: {"v": verb, "c": channel, "t": type, "p": payload, "r": listener}):
  --socket PATH              socket file to create; a stale one is replaced
  --mode MODE                permission bits of the socket file, octal (default 600)
  --max-request-bytes N      largest request accepted, in bytes (default 1048576)
  --idle-timeout-ms N        time a client may take to send its request, in ms; 0 = none (default 10000)

  -h, --help                 show this help
`;

const kOptions = {
  http: { type: 'string' },
  token: { type: 'string' },
  cors: { type: 'string', multiple: true },
  'log-level': { type: 'string' },
  'body-limit': { type: 'string' },
  'retry-ms': { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  'max-blocked-ms': { type: 'string' },
  'history-size': { type: 'string' },
  redis: { type: 'string' },
  handler: { type: 'string', multiple: true },
  'max-workers': { type: 'string' },
  'max-running-jobs': { type: 'string' },
  'job-history-size': { type: 'string' },
  'job-body-limit': { type: 'string' },
  socket: { type: 'string' },
  mode: { type: 'string' },
  'max-request-bytes': { type: 'string' },
  'idle-timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const kHttpOnly = [
  'token',
  'cors',
  'log-level',
  'body-limit',
  'retry-ms',
  'heartbeat-ms',
  'max-blocked-ms',
  'history-size',
  'redis',
  'handler',
  'max-workers',
  'max-running-jobs',
  'job-history-size',
  'job-body-limit',
];
const kSocketOnly = ['mode', 'max-request-bytes', 'idle-timeout-ms'];

/** A bare `--http` (last, or followed by another flag) stands for the default address. */
function withDefaultAddress(args: string[]): string[] {
  return args.map((arg, i) => (arg === '--http' && (i === args.length - 1 || args[i + 1]!.startsWith('-')) ? '--http=' : arg));
}

/** Runs `serve` with its arguments (after the command name); resolves with the exit code. */
export async function serve(args: string[], output: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const values = parseFlags(withDefaultAddress(args), kOptions);
  if (values.help) {
    output.out(kServeUsage);
    return 0;
  }
  const given = (names: string[]): string | undefined => names.find((name) => values[name as keyof typeof values] !== undefined);
  if (values.socket !== undefined && values.http !== undefined) throw new UsageError('serve takes --socket PATH or --http [HOST:]PORT, not both');
  if (values.socket !== undefined) {
    const wrong = given(kHttpOnly);
    if (wrong) throw new UsageError(`--${wrong} applies to --http only`);
    return serveSocket(socketCommand(values.socket, values), output);
  }
  if (values.http !== undefined) {
    const wrong = given(kSocketOnly);
    if (wrong) throw new UsageError(`--${wrong} applies to --socket only`);
    return serveHttp(httpCommand(values.http, values, env), output);
  }
  throw new UsageError('serve needs --socket PATH or --http [HOST:]PORT');
}
