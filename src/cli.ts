#!/usr/bin/env node
/**
 * The `eric-sse` command. `eric-sse serve --socket PATH` runs a `SocketServer` until SIGINT or
 * SIGTERM, then shuts it down gracefully (open streams end, the socket file is removed).
 */
import { parseArgs } from 'node:util';
import { SocketServer, type SocketServerOptions } from './adapters/socket/socket-server.js';

const kUsage = `Usage: eric-sse serve --socket PATH [options]

Serves eric-sse channels over a Unix domain socket, with the protocol of Python eric_sse
(one JSON command per connection: {"v": verb, "c": channel, "t": type, "p": payload, "r": listener}).
Stops gracefully on SIGINT or SIGTERM.

Options:
  --socket PATH              socket file to create (required); a stale one is replaced
  --mode MODE                permission bits of the socket file, octal (default 600)
  --max-request-bytes N      largest request accepted, in bytes (default 1048576)
  --idle-timeout-ms N        time a client may take to send its request, in ms; 0 = none (default 10000)
  -h, --help                 show this help
`;

/** A command-line mistake: reported with the usage hint and exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

function parseCount(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} expects a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

function parseMode(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^0?[0-7]{3}$/.test(text)) throw new UsageError(`--mode expects octal permission bits such as 600 or 660, got ${JSON.stringify(text)}`);
  return Number.parseInt(text, 8);
}

/** Parses the arguments; `undefined` means help was asked for. */
function parseCommandLine(args: string[]): { socketPath: string; options: SocketServerOptions } | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        socket: { type: 'string' },
        mode: { type: 'string' },
        'max-request-bytes': { type: 'string' },
        'idle-timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError('missing command; the only command is "serve"');
  if (command !== 'serve') throw new UsageError(`unknown command ${JSON.stringify(command)}; the only command is "serve"`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (!values.socket) throw new UsageError('serve needs --socket PATH');
  const options: SocketServerOptions = {};
  const mode = parseMode(values.mode);
  const maxRequestBytes = parseCount('--max-request-bytes', values['max-request-bytes']);
  const idleTimeoutMs = parseCount('--idle-timeout-ms', values['idle-timeout-ms']);
  if (mode !== undefined) options.mode = mode;
  if (maxRequestBytes !== undefined) options.maxRequestBytes = maxRequestBytes;
  if (idleTimeoutMs !== undefined) options.idleTimeoutMs = idleTimeoutMs;
  return { socketPath: values.socket, options };
}

async function main(args: string[]): Promise<number> {
  let command;
  try {
    command = parseCommandLine(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`eric-sse: ${error.message}\nRun "eric-sse --help" for usage.\n`);
    return 2;
  }
  if (command === undefined) {
    process.stdout.write(kUsage);
    return 0;
  }
  let server: SocketServer;
  try {
    server = await SocketServer.start(command.socketPath, {
      ...command.options,
      onError: (error) => process.stderr.write(`eric-sse: ${error.name}: ${error.message}\n`),
    });
  } catch (error) {
    process.stderr.write(`eric-sse: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  process.stdout.write(`eric-sse: serving on ${server.socketPath}\n`);
  await server.onClose();
  process.stdout.write('eric-sse: stopped\n');
  return 0;
}

// Exit codes through process.exitCode: the process ends by itself once the server is closed.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`eric-sse: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
