#!/usr/bin/env node
/**
 * The `eric-sse` command: `eric-sse serve --http [HOST:]PORT` runs the HTTP service,
 * `eric-sse serve --socket PATH` the Unix-socket server, `eric-sse run` batch ETL through a
 * handler, `eric-sse bench` a worker-count comparison; `--help`, `--version`. A usage mistake
 * anywhere prints the command's usage lines and exits 2.
 */
import { createRequire } from 'node:module';
import { bench, kBenchUsage } from './bench.js';
import { kRunUsage, run } from './run.js';
import { kServeUsage, serve } from './serve.js';
import { UsageError, type Output } from './usage.js';

const kUsage = `Usage: eric-sse <command> [options]

Commands:
  serve --http [HOST:]PORT   serve channels over HTTP: eric-api's REST routes and resumable
                             server-sent event streams (default 127.0.0.1:8000), and
                             processing jobs (--handler NAME=MODULE[#EXPORT])
  serve --socket PATH        serve channels over a Unix domain socket, wire-compatible with
                             Python eric_sse
  run --handler MODULE       run NDJSON or CSV rows through a handler in worker threads
                             ("eric-sse run --help")
  bench --handler MODULE     compare worker counts on a handler: rows/s, latency, speed-up,
                             a recommendation ("eric-sse bench --help")

Options:
  -h, --help                 show this help ("eric-sse serve --help" for every serve option)
  -v, --version              show the version

${kServeUsage}`;

const kConsole: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Each command's usage text, by command name. */
const kCommandUsage = { serve: kServeUsage, run: kRunUsage, bench: kBenchUsage } as const;

/** The "Usage:" lines at the head of a usage text. */
function synopsis(usage: string): string {
  const lines = usage.split('\n');
  const end = lines.findIndex((line, i) => i > 0 && !line.startsWith('       '));
  return `${lines.slice(0, end).join('\n')}\n`;
}

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
    if (command === 'run') return await run(rest, output);
    if (command === 'bench') return await bench(rest, output);
    throw new UsageError(`unknown ${command.startsWith('-') ? 'option' : 'command'} ${JSON.stringify(command)}; the commands are ${Object.keys(kCommandUsage).join(', ')}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const topic = command !== undefined && Object.hasOwn(kCommandUsage, command) ? command : undefined;
    const usage = topic === undefined ? kUsage : kCommandUsage[topic as keyof typeof kCommandUsage];
    output.err(`eric-sse: ${error.message}\n\n${synopsis(usage)}Run "eric-sse ${topic === undefined ? '' : `${topic} `}--help" for every option.\n`);
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
