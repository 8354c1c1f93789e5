#!/usr/bin/env node
/**
 * The `eric-sse` command: `eric-sse serve --http [HOST:]PORT` runs the HTTP service,
 * `eric-sse serve --socket PATH` the Unix-socket server; `--help`, `--version`.
 */
import { createRequire } from 'node:module';
import { kServeUsage, serve } from './serve.js';
import { UsageError, type Output } from './usage.js';

const kUsage = `Usage: eric-sse <command> [options]

Commands:
  serve --http [HOST:]PORT   serve channels over HTTP: eric-api's REST routes and resumable
                             server-sent event streams (default 127.0.0.1:8000), and
                             processing jobs (--handler NAME=MODULE[#EXPORT])
  serve --socket PATH        serve channels over a Unix domain socket, wire-compatible with
                             Python eric_sse

Options:
  -h, --help                 show this help ("eric-sse serve --help" for every serve option)
  -v, --version              show the version

${kServeUsage}`;

const kConsole: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

function version(): string {
  const manifest = createRequire(import.meta.url)('../../package.json') as { version: string };
  return manifest.version;
}

/** Runs the command line; resolves with the exit code. */
export async function main(args: string[], output: Output = kConsole, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      output.out(kUsage);
      return 0;
    }
    if (command === '--version' || command === '-v') {
      output.out(`${version()}\n`);
      return 0;
    }
    if (command === 'serve') return await serve(rest, output, env);
    throw new UsageError(`unknown command ${JSON.stringify(command)}; the only command is "serve"`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`eric-sse: ${error.message}\nRun "eric-sse --help" for usage.\n`);
    return 2;
  }
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
