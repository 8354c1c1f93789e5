/** `eric-sse serve --socket PATH`: the Unix-socket server, wire-compatible with Python eric_sse. */
import { SocketServer, type SocketServerOptions } from '../adapters/socket/socket-server.js';
import { parseCount, stringFlag, UsageError, type FlagValues, type Output } from './usage.js';

/** Options of the socket transport, as parsed from the command line. */
export interface SocketCommand {
  socketPath: string;
  options: SocketServerOptions;
}

function parseMode(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^0?[0-7]{3}$/.test(text)) throw new UsageError(`--mode expects octal permission bits such as 600 or 660, got ${JSON.stringify(text)}`);
  return Number.parseInt(text, 8);
}

/** The socket transport's options from parsed flags. */
export function socketCommand(socketPath: string, values: FlagValues): SocketCommand {
  const options: SocketServerOptions = {};
  const mode = parseMode(stringFlag(values, 'mode'));
  const maxRequestBytes = parseCount('--max-request-bytes', stringFlag(values, 'max-request-bytes'));
  const idleTimeoutMs = parseCount('--idle-timeout-ms', stringFlag(values, 'idle-timeout-ms'));
  if (mode !== undefined) options.mode = mode;
  if (maxRequestBytes !== undefined) options.maxRequestBytes = maxRequestBytes;
  if (idleTimeoutMs !== undefined) options.idleTimeoutMs = idleTimeoutMs;
  return { socketPath, options };
}

/** Serves until SIGINT/SIGTERM (then shuts down gracefully); resolves with the exit code. */
export async function serveSocket({ socketPath, options }: SocketCommand, output: Output): Promise<number> {
  let server: SocketServer;
  try {
    server = await SocketServer.start(socketPath, {
      ...options,
      onError: (error) => output.err(`eric-sse: ${error.name}: ${error.message}\n`),
    });
  } catch (error) {
    output.err(`eric-sse: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  output.out(`eric-sse: serving on ${server.socketPath}\n`);
  await server.onClose();
  output.out('eric-sse: stopped\n');
  return 0;
}
