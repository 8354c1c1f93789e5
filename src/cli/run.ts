/**
 * `eric-sse run`: batch ETL from the command line. Rows (NDJSON, or CSV with a header row)
 * go through a handler module in worker threads (a `ProcessingJob`) and the results come out
 * as NDJSON or CSV. Reading is paced by processing and by the output, so memory stays flat
 * whatever the input's size; failed rows are reported with their line numbers.
 */
import { createReadStream, createWriteStream, fstatSync, openSync } from 'node:fs';
import os from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { ProcessingJob, JOB_EVENT_PROGRESS, JOB_EVENT_RESULT, type JobProgress, type JobSummary } from '../engine/jobs/processing-job.js';
import { RowError } from '../engine/jobs/rows.js';
import { errorParts } from '../engine/errors.js';
import { MESSAGE_TYPE_INTERNAL_ERROR } from '../engine/message.js';
import { untilAborted } from '../engine/until-aborted.js';
import { parseHandlerSpec, type HandlerSpec } from './handler-spec.js';
import { readRows, type RowFormat } from './run-input.js';
import { LineWriter, resultFormatter, UnwritableResultError } from './run-output.js';
import { ProgressLine, summaryLine, type RunOutcome } from './run-progress.js';
import { parseCount, parseFlags, stringFlag, UsageError, type Output } from './usage.js';

/** `eric-sse run --help`. */
export const kRunUsage = `Usage: eric-sse run --handler MODULE[#EXPORT] [options]

Runs every row of the input through the handler in worker threads and writes the results.
The handler module's default export (or EXPORT) gets { type: 'row', payload: row } and
returns the output row; returning undefined passes the row through unchanged.

  --handler MODULE[#EXPORT]  handler module (a .js/.mjs file, or a file: URL); required
  --workers N                worker threads (default: ${os.availableParallelism()}, the available cores)
  --ordered                  write results in input order (default: as they complete)
  --input FILE|-             rows to read (default: - , standard input)
  --output FILE|-            where results go (default: - , standard output)
  --errors FILE              failed rows as NDJSON {"line","index","name","message","row"}
                             (default: a line each on standard error)
  --format ndjson|csv        input format; CSV needs a header row, its values are strings
                             (default: csv for a .csv --input, else ndjson)
  --output-format ndjson|csv output format; a CSV output takes its columns from the first
                             result (default: the input format)
  --allow-failures           exit 0 even when rows failed
  --progress                 show progress on standard error even when it is not a terminal
  -h, --help                 show this help

On a terminal, a progress line on standard error (when the results go elsewhere) and a
summary at the end (also off a terminal when rows failed or the run was interrupted). Ctrl-C stops reading, lets the rows already read finish,
and exits 130; a second Ctrl-C drops them. A closed output pipe (... | head) ends the run
quietly. Exit status: 0 done, 1 rows failed (or the run failed), 2 usage error, 130 interrupted.
`;

const kOptions = {
  handler: { type: 'string' },
  workers: { type: 'string' },
  ordered: { type: 'boolean' },
  input: { type: 'string' },
  output: { type: 'string' },
  errors: { type: 'string' },
  format: { type: 'string' },
  'output-format': { type: 'string' },
  'allow-failures': { type: 'boolean' },
  progress: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Least time between two progress updates, in milliseconds. */
const kProgressIntervalMs = 250;

/** `eric-sse run`'s settings, as parsed from the command line. */
export interface RunCommand {
  handler: HandlerSpec;
  workers: number;
  ordered: boolean;
  /** A file path, or `-` for standard input. */
  input: string;
  /** A file path, or `-` for standard output. */
  output: string;
  /** A file path for failed rows (NDJSON), or `undefined` for standard error. */
  errors: string | undefined;
  inputFormat: RowFormat;
  outputFormat: RowFormat;
  allowFailures: boolean;
  progress: boolean;
}

function parseFormat(flag: string, text: string | undefined): RowFormat | undefined {
  if (text === undefined) return undefined;
  if (text !== 'ndjson' && text !== 'csv') throw new UsageError(`${flag} expects ndjson or csv, got ${JSON.stringify(text)}`);
  return text;
}

/** Parses `eric-sse run`'s arguments; `undefined` means `--help` was asked for. */
export function runCommand(args: string[]): RunCommand | undefined {
  const values = parseFlags(args, kOptions);
  if (values.help) return undefined;
  const handlerText = stringFlag(values, 'handler');
  if (handlerText === undefined) throw new UsageError('run needs --handler MODULE[#EXPORT]');
  const workers = parseCount('--workers', stringFlag(values, 'workers')) ?? os.availableParallelism();
  if (workers < 1) throw new UsageError('--workers must be at least 1');
  const input = stringFlag(values, 'input') ?? '-';
  const inputFormat = parseFormat('--format', stringFlag(values, 'format')) ?? (input.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson');
  return {
    handler: parseHandlerSpec('--handler', handlerText),
    workers,
    ordered: values.ordered ?? false,
    input,
    output: stringFlag(values, 'output') ?? '-',
    errors: stringFlag(values, 'errors'),
    inputFormat,
    outputFormat: parseFormat('--output-format', stringFlag(values, 'output-format')) ?? inputFormat,
    allowFailures: values['allow-failures'] ?? false,
    progress: values.progress ?? false,
  };
}

/** Opens `file` with `flags`, or reports which file could not be opened and why. */
function open(flag: string, file: string, flags: 'r' | 'w'): number {
  try {
    return openSync(file, flags);
  } catch (error) {
    throw new UsageError(`cannot ${flags === 'r' ? 'read' : 'write'} ${flag} ${JSON.stringify(file)}: ${errorParts(error).message}`);
  }
}

/** The input stream and, for a regular file, its size (for the ETA). */
function openInput(file: string): { stream: Readable; size: number | undefined; isStdin: boolean } {
  const fd = file === '-' ? 0 : open('--input', file, 'r');
  const stat = fstatSync(fd);
  const size = stat.isFile() ? stat.size : undefined;
  if (file === '-') return { stream: process.stdin, size, isStdin: true };
  return { stream: createReadStream('', { fd }), size, isStdin: false };
}

function openOutput(flag: string, file: string): { stream: Writable; isStdio: boolean } {
  if (file === '-') return { stream: process.stdout, isStdio: true };
  return { stream: createWriteStream('', { fd: open(flag, file, 'w') }), isStdio: false };
}


/** Runs `eric-sse run` with its arguments (after the command name); resolves with the exit code. */
export async function run(args: string[], output: Output): Promise<number> {
  const command = runCommand(args);
  if (command === undefined) {
    output.out(kRunUsage);
    return 0;
  }
  const input = openInput(command.input);
  if (input.isStdin && process.stdin.isTTY === true) {
    output.err('eric-sse: reading rows from the terminal (end with Ctrl-D); --input FILE reads a file\n');
  }
  const results = openOutput('--output', command.output);
  const errorsFile = command.errors === undefined ? undefined : openOutput('--errors', command.errors);
  return execute(command, input, results, errorsFile, output);
}

async function execute(
  command: RunCommand,
  input: ReturnType<typeof openInput>,
  results: ReturnType<typeof openOutput>,
  errorsFile: ReturnType<typeof openOutput> | undefined,
  output: Output,
): Promise<number> {
  const started = Date.now();
  const stopReading = new AbortController();
  let stoppedBy: RunOutcome['stoppedBy'];
  let job: ProcessingJob | undefined;
  const onOutputGone = (): void => {
    stoppedBy ??= 'output closed';
    stopReading.abort();
    // Nobody reads the results any more: drop the rows in flight too.
    job?.cancel();
  };
  const writer = new LineWriter(results.stream, onOutputGone);
  const errorWriter = errorsFile === undefined ? undefined : new LineWriter(errorsFile.stream, onOutputGone);
  // On a terminal, unless the results are printed on that same terminal (they would tear the line).
  const resultsOnTerminal = results.isStdio && process.stdout.isTTY === true;
  const showProgress = command.progress || (process.stderr.isTTY === true && !resultsOnTerminal);
  const showSummary = command.progress || process.stderr.isTTY === true;
  const progress = showProgress ? new ProgressLine((text) => output.err(text), process.stderr.isTTY === true) : undefined;
  const formatter = resultFormatter(command.outputFormat, (line) => writer.write(line));

  /** Rows read and not yet reported, by index: their line (and the row, for the errors file). */
  const pending = new Map<number, { line: number; row: unknown }>();
  let read = 0;
  let unwritable = 0;

  const reportFailure = (index: number, name: string, message: string): void => {
    const entry = pending.get(index);
    pending.delete(index);
    const line = entry?.line;
    if (errorWriter !== undefined) {
      const record: Record<string, unknown> = { line, index, name, message };
      if (entry?.row !== undefined) record.row = entry.row;
      errorWriter.write(JSON.stringify(record));
    } else {
      progress?.clear();
      // A RowError's message already names its line.
      const where = line === undefined || message.startsWith(`Line ${line} `) ? '' : `line ${line}: `;
      output.err(`eric-sse: ${where}${name}: ${message}\n`);
    }
  };

  async function* rows(): AsyncGenerator<unknown> {
    const source = readRows(input.stream, command.inputFormat);
    try {
      for (;;) {
        // The output is behind: read no more until it has caught up.
        await untilAborted(writer.drained(), stopReading.signal);
        const next = await untilAborted(source.next(), stopReading.signal);
        if (next === undefined || next.done) return;
        const { value, line } = next.value;
        pending.set(read, { line, row: value instanceof RowError ? undefined : value });
        read += 1;
        yield value;
      }
    } finally {
      // A read may be blocked (a pipe that stays open): ending the stream ends it.
      if (stopReading.signal.aborted) input.stream.destroy();
      source.return(undefined).catch(() => undefined);
    }
  }

  const fractionRead = (): number | undefined => {
    const bytesRead = (input.stream as Readable & { bytesRead?: unknown }).bytesRead;
    return input.size !== undefined && input.size > 0 && typeof bytesRead === 'number' ? Math.min(1, bytesRead / input.size) : undefined;
  };

  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts += 1;
    stoppedBy = 'interrupt';
    if (interrupts === 1) {
      progress?.clear();
      output.err(`eric-sse: interrupted: stopped reading; finishing the ${formatPending(pending.size)} already read (Ctrl-C again to drop them)\n`);
      stopReading.abort();
    } else {
      job?.cancel();
    }
  };
  process.on('SIGINT', onInterrupt);

  job = new ProcessingJob(rows(), {
    handler: command.handler.url,
    ...(command.handler.exportName === undefined ? {} : { exportName: command.handler.exportName }),
    workers: command.workers,
    ordered: command.ordered,
    progressIntervalMs: kProgressIntervalMs,
    onEvent: ({ event, data }) => {
      if (event === JOB_EVENT_RESULT) {
        const { index, data: result } = data as { index: number; data: unknown };
        let line: string;
        try {
          line = formatter.format(result);
        } catch (error) {
          if (!(error instanceof UnwritableResultError)) throw error;
          unwritable += 1;
          reportFailure(index, error.name, error.message);
          return;
        }
        pending.delete(index);
        writer.write(line);
      } else if (event === MESSAGE_TYPE_INTERNAL_ERROR) {
        const { index, name, message } = data as { index: number; name: string; message: string };
        reportFailure(index, name, message);
      } else if (event === JOB_EVENT_PROGRESS && progress !== undefined ) {
        const figures = data as JobProgress;
        progress.update({ ...figures, failed: figures.failed + unwritable, fractionRead: fractionRead(), elapsedMs: Date.now() - started });
      }
    },
  });

  let summary: JobSummary;
  try {
    summary = await job.run();
  } finally {
    process.off('SIGINT', onInterrupt);
    if (input.isStdin || !input.stream.destroyed) input.stream.destroy();
  }
  await writer.close(!results.isStdio);
  await errorWriter?.close(!errorsFile!.isStdio);
  progress?.clear();

  if (summary.error !== undefined) stoppedBy ??= 'failure';
  const outcome: RunOutcome = { read, done: summary.done, failed: summary.failed + unwritable, elapsedMs: Date.now() - started };
  if (stoppedBy !== undefined) outcome.stoppedBy = stoppedBy;
  if (summary.error !== undefined) output.err(`eric-sse: the run failed: ${summary.error}\n`);
  const failure = writer.failure ?? errorWriter?.failure;
  if (failure !== undefined) output.err(`eric-sse: cannot write the output: ${failure.message}\n`);
  if (stoppedBy === 'output closed' && failure === undefined) return 0;
  if (showSummary || outcome.failed > 0 || stoppedBy !== undefined) output.err(`${summaryLine(outcome)}\n`);
  if (stoppedBy === 'interrupt') return 130;
  if (summary.error !== undefined || failure !== undefined) return 1;
  return outcome.failed > 0 && !command.allowFailures ? 1 : 0;
}

function formatPending(n: number): string {
  return n === 1 ? '1 row' : `${n.toLocaleString('en-US')} rows`;
}
