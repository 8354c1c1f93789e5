/**
 * Worker-count comparison on any handler: the harness behind `eric-sse bench`, shared with
 * `npm run bench` (bench/worker-scaling.bench.js).
 *
 * For each worker count, a producer keeps a fixed window of rows outstanding on a
 * `DataProcessingChannel` (one dispatch per result), so throughput and dispatch → result
 * latency come from the same run. Each count first warms up (threads started, handler loaded,
 * JIT warm), then runs several timed rounds; rounds of the different counts are interleaved
 * (1, 2, 4, 1, 2, 4, ...) so that a noisy spell on a shared machine spreads over all counts.
 */
import os from 'node:os';
import { DataProcessingChannel } from '../../engine/data-processing-channel.js';
import { Message, MESSAGE_TYPE_INTERNAL_ERROR, UniqueMessage, type Payload } from '../../engine/message.js';
import { WorkerListener } from '../../engine/worker-listener.js';

/** Options of {@link measureWorkerScaling}. */
export interface WorkerScalingOptions {
  /** The handler module (a `file:` URL or a path). */
  handler: string | URL;
  /** The export to call. @default the default export */
  exportName?: string;
  /** Sample rows, cycled through as long as a round lasts; at least one. */
  rows: readonly Payload[];
  /** Worker counts to compare, e.g. `[1, 2, 4, 8]`. */
  workerCounts: readonly number[];
  /** Length of each timed round, in milliseconds. */
  roundMs: number;
  /** Timed rounds per worker count. @default 3 */
  rounds?: number;
  /** Untimed warm-up before a worker count's first round, in milliseconds. @default 500 */
  warmupMs?: number;
  /** Most rows per round (a round ends at `roundMs` or after this many rows). @default unlimited */
  maxRowsPerRound?: number;
  /**
   * Rows kept outstanding per worker thread: enough to keep every thread busy, few enough
   * that latency is mostly the handler's, not a wait behind the window. @default 64
   */
  windowPerWorker?: number;
  /** Told what is being measured, e.g. to show progress. */
  onProgress?: (text: string) => void;
}

/** One timed round of one worker count. */
export interface RoundFigures {
  /** Rows finished in the round (failed ones included). */
  rows: number;
  /** Rows finished per second. */
  rowsPerSecond: number;
}

/** The figures of one worker count. */
export interface WorkerCountFigures {
  workers: number;
  /** Median of the rounds' rows per second. */
  rowsPerSecond: number;
  /** Lowest and highest round, rows per second. */
  min: number;
  max: number;
  /** Spread of the rounds: (max - min) / median, as a fraction. */
  spread: number;
  /** Dispatch → result latency over every round, in milliseconds. */
  p50Ms: number;
  p99Ms: number;
  /** Median rows/s over that of the smallest worker count. */
  speedup: number;
  /** Speed-up per added thread: speedup / (workers / smallest count), 1 = ideal. */
  efficiency: number;
  /** Rows whose handler threw, over every round. */
  failed: number;
  rounds: RoundFigures[];
}

/** The machine the figures come from. */
export interface MachineDescription {
  cpuModel: string;
  /** Logical CPUs. */
  cpus: number;
  /** CPUs this process may use (`os.availableParallelism()`). */
  availableParallelism: number;
  totalMemoryGiB: number;
  node: string;
  platform: string;
  arch: string;
  /** 1-minute load average when the run started (others' work on a shared machine). */
  loadAverage: number;
}

/** What {@link measureWorkerScaling} finds. */
export interface WorkerScalingReport {
  machine: MachineDescription;
  date: string;
  settings: { roundMs: number; rounds: number; warmupMs: number; windowPerWorker: number; sampleRows: number };
  results: WorkerCountFigures[];
  /** The smallest worker count within `kRecommendTolerance` of the best rows/s. */
  recommendedWorkers: number;
}

/** How close to the best a worker count must come to be recommended: 5 %. */
export const kRecommendTolerance = 0.05;

/** Describes this machine. */
export function describeMachine(): MachineDescription {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** The value at percentile `p` (0–100) of an ascending-sorted array (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The smallest worker count whose rows/s is within `tolerance` of the best. */
export function recommendWorkers(results: ReadonlyArray<{ workers: number; rowsPerSecond: number }>, tolerance = kRecommendTolerance): number {
  const best = Math.max(...results.map((r) => r.rowsPerSecond));
  const good = results.filter((r) => r.rowsPerSecond >= best * (1 - tolerance)).map((r) => r.workers);
  return Math.min(...good);
}

/** A channel and its worker listener for one worker count, kept across that count's rounds. */
class Contender {
  readonly workers: number;
  readonly #channel: DataProcessingChannel;
  readonly #listener: WorkerListener;
  readonly #options: WorkerScalingOptions;
  #next = 0;

  constructor(workers: number, options: WorkerScalingOptions) {
    this.workers = workers;
    this.#options = options;
    this.#channel = new DataProcessingChannel({ maxWorkers: workers });
    this.#listener = new WorkerListener(options.handler, options.exportName === undefined ? {} : { name: options.exportName });
    this.#channel.registerListener(this.#listener);
  }

  /**
   * Keeps `window` rows outstanding for `ms` (or `maxRows` rows), then lets the outstanding
   * ones finish; returns the rows finished in time, their latencies and failures.
   */
  async run(ms: number, maxRows: number): Promise<{ rows: number; elapsedMs: number; latencies: Float64Array; failed: number; firstError: string | undefined }> {
    const { rows, windowPerWorker = 64 } = this.#options;
    const window = windowPerWorker * this.workers;
    const channel = this.#channel;
    const id = this.#listener.id;
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let sent = 0;
    let failed = 0;
    let firstError: string | undefined;
    let ended = false;
    const send = (): void => {
      const key = String(this.#next);
      this.#next += 1;
      sentAt.set(key, performance.now());
      const row = rows[sent % rows.length];
      sent += 1;
      void channel.dispatch(id, new UniqueMessage(key, new Message('row', row)));
    };
    const end = (): void => {
      if (ended) return;
      ended = true;
      void channel.notifyEnd();
    };
    const started = performance.now();
    const deadline = started + ms;
    for (let i = 0; i < Math.min(window, maxRows); i += 1) send();
    if (sent >= maxRows) end();
    let finishedAt = started;
    let done = 0;
    for await (const event of channel.processQueue(this.#listener)) {
      const now = performance.now();
      const at = sentAt.get(event.id!);
      sentAt.delete(event.id!);
      // Rows finishing after the round's end (the window draining) are not counted.
      if (!ended) {
        if (at !== undefined) latencies.push(now - at);
        if (event.event === MESSAGE_TYPE_INTERNAL_ERROR) {
          failed += 1;
          firstError ??= (event.data as { message?: string }).message;
        }
        done += 1;
        finishedAt = now;
        if (now >= deadline || sent >= maxRows) end();
        else send();
      }
    }
    return { rows: done, elapsedMs: finishedAt - started, latencies: Float64Array.from(latencies), failed, firstError };
  }

  close(): Promise<void> {
    return this.#channel.close();
  }
}

/**
 * Measures rows/s and latency of `options.handler` at each worker count. Rejects when the
 * handler cannot be loaded, or fails on every row of a round (figures of failures only would
 * mislead).
 */
export async function measureWorkerScaling(options: WorkerScalingOptions): Promise<WorkerScalingReport> {
  const { workerCounts, roundMs, rounds = 3, warmupMs = 500, maxRowsPerRound = Number.POSITIVE_INFINITY, windowPerWorker = 64, onProgress } = options;
  if (options.rows.length === 0) throw new RangeError('measureWorkerScaling needs at least one sample row');
  const machine = describeMachine();
  const contenders = workerCounts.map((workers) => new Contender(workers, options));
  const perCount = contenders.map(() => ({ rounds: [] as RoundFigures[], latencies: [] as Float64Array[], failed: 0 }));
  try {
    for (const contender of contenders) {
      onProgress?.(`warming up ${contender.workers} worker${contender.workers === 1 ? '' : 's'}`);
      const warm = await contender.run(warmupMs, maxRowsPerRound);
      if (warm.rows > 0 && warm.failed === warm.rows) throw new Error(`the handler failed on every row: ${warm.firstError ?? 'unknown error'}`);
    }
    for (let round = 0; round < rounds; round += 1) {
      for (const [k, contender] of contenders.entries()) {
        onProgress?.(`round ${round + 1}/${rounds}: ${contender.workers} worker${contender.workers === 1 ? '' : 's'}`);
        const result = await contender.run(roundMs, maxRowsPerRound);
        if (result.rows > 0 && result.failed === result.rows) throw new Error(`the handler failed on every row: ${result.firstError ?? 'unknown error'}`);
        const figures = perCount[k]!;
        figures.rounds.push({ rows: result.rows, rowsPerSecond: Math.round((result.rows / result.elapsedMs) * 1000) });
        figures.latencies.push(result.latencies);
        figures.failed += result.failed;
      }
    }
  } finally {
    await Promise.all(contenders.map((contender) => contender.close()));
  }
  const results = workerCounts.map((workers, k): WorkerCountFigures => {
    const { rounds: figures, latencies, failed } = perCount[k]!;
    const rates = figures.map((r) => r.rowsPerSecond);
    const all = new Float64Array(latencies.reduce((n, l) => n + l.length, 0));
    let offset = 0;
    for (const l of latencies) {
      all.set(l, offset);
      offset += l.length;
    }
    all.sort();
    const rowsPerSecond = Math.round(median(rates));
    const min = Math.min(...rates);
    const max = Math.max(...rates);
    return {
      workers,
      rowsPerSecond,
      min,
      max,
      spread: rowsPerSecond > 0 ? round3((max - min) / rowsPerSecond) : 0,
      p50Ms: round3(percentile(all, 50)),
      p99Ms: round3(percentile(all, 99)),
      speedup: 0,
      efficiency: 0,
      failed,
      rounds: figures,
    };
  });
  const base = results.reduce((a, b) => (b.workers < a.workers ? b : a));
  for (const r of results) {
    r.speedup = base.rowsPerSecond > 0 ? round3(r.rowsPerSecond / base.rowsPerSecond) : 0;
    r.efficiency = round3(r.speedup / (r.workers / base.workers));
  }
  return {
    machine,
    date: new Date().toISOString(),
    settings: { roundMs, rounds, warmupMs, windowPerWorker, sampleRows: options.rows.length },
    results,
    recommendedWorkers: recommendWorkers(results),
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
