/**
 * `eric-sse bench`: compares worker counts on the user's own handler — rows/s, latency,
 * speed-up and parallel efficiency per count, several rounds with their spread, the machine
 * described, a recommendation; `--json` and `--svg` save the figures and a chart.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { errorParts } from '../engine/errors.js';
import { RowError } from '../engine/jobs/rows.js';
import type { Payload } from '../engine/message.js';
import { scalingChartSvg } from './bench/scaling-chart.js';
import { kRecommendTolerance, measureWorkerScaling, type WorkerScalingReport } from './bench/worker-scaling.js';
import { parseHandlerSpec, type HandlerSpec } from './handler-spec.js';
import { readRows, type RowFormat } from './run-input.js';
import { formatCount, formatDuration } from './run-progress.js';
import { parseCount, parseFlags, stringFlag, UsageError, type Output } from './usage.js';

/** Most sample rows read from `--input`: they are cycled through, so a sample is enough. */
const kMaxSampleRows = 100_000;

/** `eric-sse bench --help`. */
export const kBenchUsage = `Usage: eric-sse bench --handler MODULE[#EXPORT] [--input FILE | --payload JSON] [options]

Compares worker counts on your handler: for each count, rows/s (median of the rounds, with
their spread), p50/p99 dispatch-to-result latency, speed-up over the smallest count and
parallel efficiency; then the smallest count within ${kRecommendTolerance * 100}% of the best.

  --handler MODULE[#EXPORT]  handler module (a .js/.mjs file, or a file: URL); required
  --input FILE               sample rows, NDJSON or CSV (by extension, or --format), cycled
                             through; at most ${formatCount(kMaxSampleRows)} are read
  --format ndjson|csv        format of --input (default: csv for a .csv file, else ndjson)
  --payload JSON             the one sample row, when there is no --input (default: {})
  --rows N                   end a round after N rows, if sooner than its time
  --workers LIST             worker counts to compare (default: 1,2,4,8)
  --duration TIME            measuring time per worker count, split into the rounds
                             (default: 6s; TIME as 500ms, 5s, 2m or seconds)
  --rounds N                 timed rounds per worker count, interleaved (default: 3)
  --window N                 rows kept outstanding per worker thread (default: 64); latency
                             includes the wait behind them
  --warmup TIME              untimed warm-up per worker count (default: 1s)
  --json FILE                write the figures (and the machine) as JSON
  --svg FILE                 write a chart of rows/s against workers, with ideal scaling
  -h, --help                 show this help
`;

const kOptions = {
  handler: { type: 'string' },
  input: { type: 'string' },
  format: { type: 'string' },
  payload: { type: 'string' },
  rows: { type: 'string' },
  workers: { type: 'string' },
  duration: { type: 'string' },
  rounds: { type: 'string' },
  window: { type: 'string' },
  warmup: { type: 'string' },
  json: { type: 'string' },
  svg: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `eric-sse bench`'s settings, as parsed from the command line. */
export interface BenchCommand {
  handler: HandlerSpec;
  input: string | undefined;
  format: RowFormat;
  payload: Payload;
  rowsPerRound: number | undefined;
  workerCounts: number[];
  durationMs: number;
  rounds: number;
  windowPerWorker: number;
  warmupMs: number;
  json: string | undefined;
  svg: string | undefined;
}

/** `500ms`, `5s`, `1.5s`, `2m`, or a bare number of seconds, in milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} expects a time such as 500ms, 5s or 2m, got ${JSON.stringify(text)}`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(value * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000));
}

function parseWorkerCounts(text: string): number[] {
  const counts = text.split(',').map((part) => part.trim());
  if (counts.some((part) => !/^\d{1,4}$/.test(part) || Number(part) < 1)) {
    throw new UsageError(`--workers expects a list of positive whole numbers such as 1,2,4,8, got ${JSON.stringify(text)}`);
  }
  return [...new Set(counts.map(Number))].sort((a, b) => a - b);
}

/** Parses `eric-sse bench`'s arguments; `undefined` means `--help` was asked for. */
export function benchCommand(args: string[]): BenchCommand | undefined {
  const values = parseFlags(args, kOptions);
  if (values.help) return undefined;
  const handlerText = stringFlag(values, 'handler');
  if (handlerText === undefined) throw new UsageError('bench needs --handler MODULE[#EXPORT]');
  const input = stringFlag(values, 'input');
  const payloadText = stringFlag(values, 'payload');
  if (input !== undefined && payloadText !== undefined) throw new UsageError('bench takes --input FILE or --payload JSON, not both');
  let payload: Payload = {};
  if (payloadText !== undefined) {
    try {
      payload = JSON.parse(payloadText) as Payload;
    } catch (error) {
      throw new UsageError(`--payload expects JSON such as '{"n":1}': ${errorParts(error).message}`);
    }
  }
  const format = stringFlag(values, 'format');
  if (format !== undefined && format !== 'ndjson' && format !== 'csv') throw new UsageError(`--format expects ndjson or csv, got ${JSON.stringify(format)}`);
  const rounds = parseCount('--rounds', stringFlag(values, 'rounds')) ?? 3;
  if (rounds < 1) throw new UsageError('--rounds must be at least 1');
  const windowPerWorker = parseCount('--window', stringFlag(values, 'window')) ?? 64;
  if (windowPerWorker < 1) throw new UsageError('--window must be at least 1');
  const rowsPerRound = parseCount('--rows', stringFlag(values, 'rows'));
  if (rowsPerRound === 0) throw new UsageError('--rows must be at least 1');
  const durationMs = parseDuration('--duration', stringFlag(values, 'duration') ?? '6s');
  if (durationMs / rounds < 10) throw new UsageError(`--duration ${stringFlag(values, 'duration')} is too short for ${rounds} rounds (at least 10ms a round)`);
  return {
    handler: parseHandlerSpec('--handler', handlerText),
    input,
    format: format ?? (input?.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson'),
    payload,
    rowsPerRound,
    workerCounts: parseWorkerCounts(stringFlag(values, 'workers') ?? '1,2,4,8'),
    durationMs,
    rounds,
    windowPerWorker,
    warmupMs: parseDuration('--warmup', stringFlag(values, 'warmup') ?? '1s'),
    json: stringFlag(values, 'json'),
    svg: stringFlag(values, 'svg'),
  };
}

/** Reads up to `kMaxSampleRows` rows of `file`; a row that cannot be read is a usage error naming its line. */
async function readSample(file: string, format: RowFormat): Promise<Payload[]> {
  const stream = createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new UsageError(`cannot read --input ${JSON.stringify(file)}: ${errorParts(error).message}`);
  }
  const rows: Payload[] = [];
  try {
    for await (const { value } of readRows(stream, format)) {
      if (value instanceof RowError) throw new UsageError(`--input ${JSON.stringify(file)}: ${value.message}`);
      rows.push(value as Payload);
      if (rows.length >= kMaxSampleRows) break;
    }
  } finally {
    stream.destroy();
  }
  if (rows.length === 0) throw new UsageError(`--input ${JSON.stringify(file)} has no rows`);
  return rows;
}

function pad(text: string, width: number): string {
  return text.padStart(width);
}

/** The report as text: the machine, the table, the recommendation. */
export function formatBenchReport(report: WorkerScalingReport, handlerName: string): string {
  const { machine, settings, results } = report;
  const lines = [
    `eric-sse bench: ${handlerName}, ${formatCount(settings.sampleRows)} sample row${settings.sampleRows === 1 ? '' : 's'}`,
    `machine: ${machine.cpuModel}, ${machine.cpus} CPUs (${machine.availableParallelism} available), ${machine.totalMemoryGiB} GiB, ` +
      `Node ${machine.node}, ${machine.platform}/${machine.arch}, load ${machine.loadAverage}`,
    `rounds: ${settings.rounds} × ${formatDuration(settings.roundMs)} per worker count, interleaved, after a ${formatDuration(settings.warmupMs)} warm-up`,
    '',
    `${pad('workers', 7)}  ${pad('rows/s', 11)}  ${pad('spread', 7)}  ${pad('p50 ms', 8)}  ${pad('p99 ms', 8)}  ${pad('speed-up', 8)}  ${pad('efficiency', 10)}`,
  ];
  for (const r of results) {
    lines.push(
      `${pad(String(r.workers), 7)}  ${pad(formatCount(r.rowsPerSecond), 11)}  ${pad(`±${((r.spread / 2) * 100).toFixed(1)}%`, 7)}  ` +
        `${pad(r.p50Ms.toFixed(2), 8)}  ${pad(r.p99Ms.toFixed(2), 8)}  ${pad(`${r.speedup.toFixed(2)}x`, 8)}  ${pad(`${Math.round(r.efficiency * 100)}%`, 10)}` +
        (r.failed > 0 ? `  (${formatCount(r.failed)} rows failed)` : ''),
    );
  }
  const best = results.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
  const recommended = results.find((r) => r.workers === report.recommendedWorkers)!;
  lines.push('');
  const workers = (n: number): string => `${n} worker${n === 1 ? '' : 's'}`;
  lines.push(
    recommended === best
      ? `recommendation: ${workers(best.workers)} (the most rows/s, ${formatCount(best.rowsPerSecond)}; no smaller count comes within ${kRecommendTolerance * 100}%)`
      : `recommendation: ${workers(recommended.workers)} (${formatCount(recommended.rowsPerSecond)} rows/s, within ${kRecommendTolerance * 100}% of the best: ` +
          `${formatCount(best.rowsPerSecond)} rows/s with ${workers(best.workers)})`,
  );
  return `${lines.join('\n')}\n`;
}

/** Runs `eric-sse bench` with its arguments (after the command name); resolves with the exit code. */
export async function bench(args: string[], output: Output): Promise<number> {
  const command = benchCommand(args);
  if (command === undefined) {
    output.out(kBenchUsage);
    return 0;
  }
  const rows = command.input === undefined ? [command.payload] : await readSample(command.input, command.format);
  const isTerminal = process.stderr.isTTY === true;
  const handlerName = `${command.handler.url.pathname.split('/').pop()}${command.handler.exportName === undefined ? '' : `#${command.handler.exportName}`}`;
  const roundMs = Math.round(command.durationMs / command.rounds);
  let report: WorkerScalingReport;
  try {
    report = await measureWorkerScaling({
      handler: command.handler.url,
      ...(command.handler.exportName === undefined ? {} : { exportName: command.handler.exportName }),
      rows,
      workerCounts: command.workerCounts,
      roundMs,
      rounds: command.rounds,
      windowPerWorker: command.windowPerWorker,
      warmupMs: command.warmupMs,
      ...(command.rowsPerRound === undefined ? {} : { maxRowsPerRound: command.rowsPerRound }),
      onProgress: isTerminal ? (text) => output.err(`\r\x1b[2Keric-sse bench: ${text}…`) : undefined,
    });
  } catch (error) {
    if (isTerminal) output.err('\r\x1b[2K');
    output.err(`eric-sse: the benchmark failed: ${errorParts(error).message}\n`);
    return 1;
  }
  if (isTerminal) output.err('\r\x1b[2K');
  output.out(formatBenchReport(report, handlerName));
  const saved: string[] = [];
  try {
    if (command.json !== undefined) {
      writeFileSync(command.json, `${JSON.stringify({ handler: command.handler.url.href, export: command.handler.exportName ?? 'default', ...report }, null, 2)}\n`);
      saved.push(command.json);
    }
    if (command.svg !== undefined) {
      const subtitle = `${report.machine.cpuModel}, ${report.machine.availableParallelism} CPUs, Node ${report.machine.node}; median of ${command.rounds} rounds`;
      writeFileSync(command.svg, scalingChartSvg(report.results, `eric-sse bench: ${handlerName}`, subtitle));
      saved.push(command.svg);
    }
  } catch (error) {
    output.err(`eric-sse: cannot write the results: ${errorParts(error).message}\n`);
    return 1;
  }
  if (saved.length > 0) output.out(`saved ${saved.join(', ')}\n`);
  return 0;
}
